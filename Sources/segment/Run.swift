import ArgumentParser
import Foundation
import SegmentBLAS
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// `segment run`: the whole workflow.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clean, reduce and cluster the population, map the customers into the same segments, and report.",
        discussion: """
        Writes into --output: report.html, report.md, summary.json (deterministic), run_info.json \
        (timings, peak memory, date), population_assignments.csv, customers_assignments.csv and \
        model.json (and, with --export-matrices, the cleaned and projected population as .npy with \
        names files). Every file is staged and renamed into place only when all are complete; an \
        existing report is replaced only with --force. Exit codes: 0 done, 1 bad data, 64 bad flags, \
        130/143 interrupted.
        """
    )

    @Option(name: .long, help: "The general population file (Udacity_AZDIAS_Subset.csv).")
    var population: String

    @Option(name: .long, help: "The customers file (Udacity_CUSTOMERS_Subset.csv).")
    var customers: String

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String = "out"

    @OptionGroup var input: InputOptions
    @OptionGroup var cleaning: CleaningFlags
    @OptionGroup var model: ModelFlags

    @Flag(name: .long, help: "Also write the cleaned and the PCA-projected population as .npy.")
    var exportMatrices = false

    @Flag(name: [.short, .long], help: "No progress on stderr.")
    var quiet = false

    @Option(name: .long, help: "A generator truth file (truth_population.csv): report the adjusted Rand index of the segments against the planted ones.")
    var truth: String?


    @Option(name: .long, help: ArgumentHelp("Keep the compact codes read from each file (at least a byte a cell) and the projected population (rows x components x 8 bytes) in spill files when they would take more than a quarter of this; every later stage reads them from there, with the same results. Bytes, or with K, M or G (powers of 1024). Default: the machine's memory.", valueName: "size"))
    var memoryLimit: ByteCount?

    @Option(name: .long, help: ArgumentHelp("Where the spill files go (each is unlinked at once; default: $TMPDIR or /tmp).", valueName: "folder"))
    var spillDirectory: String?

    @Flag(name: .long, help: "Replace a previous report in the output folder.")
    var force = false

    func validate() throws {
        if memoryLimit != nil && exportMatrices {
            throw ValidationError("--export-matrices writes the whole cleaned matrix, which --memory-limit is there to avoid holding; give one of them")
        }
        if let spillDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: spillDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--spill-directory \(spillDirectory): no such folder")
            }
        }
    }

    func run() throws {
        // Under mpirun every rank computes and rank 0 alone writes and prints (see Processes).
        let world = try Processes.joinIfLaunched()
        let leads = Processes.leads, quiet = self.quiet || !leads
        let config = model.config(cleaning: cleaning)
        if leads { try RunOutputs.prepare(output, force: force) }
        Interrupts.install()
        let backend = makeBackend(model.backend, threads: self.input.threads)
        var pipeline = Pipeline(config: config, backend: backend, threads: self.input.threads)
        pipeline.processes = world
        // Without the flag, the machine's memory: a population whose projection would take more
        // than a quarter of it (about 27 M rows at 30 components on 24 GiB) spills instead of running
        // the machine out of memory.
        pipeline.memoryLimit = memoryLimit?.bytes ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        if let spillDirectory { pipeline.spillDirectory = spillDirectory }
        let progress = Progress(enabled: !quiet)
        pipeline.progress = { stage, fraction in progress.update(stage, fraction) }
        let started = DispatchTime.now().uptimeNanoseconds
        let input = try self.input.schema(for: population)
        if let world, world.size > 1 {
            let files = [("population", population), ("customers", customers)] + (self.input.features.map { [("feature summary", $0)] } ?? [])
                + input.metadataFiles.map { ("metadata", $0) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try Processes.checkSameInputs(world, files: files, settings: try encoder.encode(config)
                                          + Data("\(model.backend) \(self.input.layout) \(self.input.delimiter ?? "")".utf8))
        }
        if let decisions = input.decisions, !quiet {
            let placed = decisions.filter { $0.type != nil }.count
            let bySource = Dictionary(grouping: decisions.filter { $0.type != nil }, by: \.source).mapValues(\.count)
            var note = "full layout: \(placed) of \(decisions.count) columns typed ("
            note += ColumnDecision.Source.allOrdered.compactMap { s in bySource[s].map { "\($0) by \(s.rawValue)" } }.joined(separator: ", ") + ")"
            note += input.metadataFiles.isEmpty ? "; no DIAS metadata found (give --metadata)" : ""
            FileHandle.standardError.write(Data((note + "\n").utf8))
            for d in decisions where d.type == nil {
                FileHandle.standardError.write(Data("  left out \(d.column): \(d.reason)\n".utf8))
            }
        }
        // Under mpirun, after the last gather only rank 0 has work left (the likeness model's
        // cross-validation, the comparison, the outputs): the others finish there, and rank 0
        // takes over the cores they were given on its machine.
        let leaderThreads = self.input.threads * Processes.onThisMachine
        pipeline.lastGatherDone = {
            guard leads else { throw Processes.Finished() }
            return leaderThreads
        }
        var result: Pipeline.Result
        do {
            result = try pipeline.run(population: population, customers: customers, schema: input.schema,
                                      delimiter: self.input.delimiterByte, keepMatrices: exportMatrices,
                                      sampledSchema: input.layout == .full)
        } catch is Processes.Finished {
            world?.finish()
            return
        }
        progress.finish()
        guard leads else { world?.finish(); return }
        let fingerprints = (FileFingerprint.of(path: population), FileFingerprint.of(path: customers))
        result.fitted.toolVersion = RunSummary.toolVersion
        result.fitted.inputFingerprints = ["population": fingerprints.0, "customers": fingerprints.1].compactMapValues { $0 }
        var summary = RunSummary(result: result, backend: backend)
        summary.inputs.populationFingerprint = fingerprints.0
        summary.inputs.customersFingerprint = fingerprints.1
        if let decisions = input.decisions {
            summary.inputs.layout = input.layout.rawValue
            summary.inputs.columnTypes = decisions
            summary.inputs.metadataFiles = input.metadataFiles
            let aside = try AsideColumn.summarise(path: customers, delimiter: self.input.delimiterByte, groups: result.customers.group,
                                                  clusters: result.chosenK, threads: self.input.threads)
            if !aside.isEmpty { summary.inputs.customerColumnsBySegment = aside }
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let info = RunInfo(date: ISO8601DateFormatter().string(from: Date()), threads: self.input.threads,
                           stageSeconds: Dictionary(result.timings, uniquingKeysWith: +), stageOrder: result.timings.map(\.0),
                           totalSeconds: total, peakMemoryBytes: ProcessInfoCompat.peakResidentBytes,
                           processes: world.map(\.size),
                           communication: world.map { w in
                               RunInfo.Communication(gathers: w.traffic.calls, bytesGathered: w.traffic.bytesGathered,
                                                     seconds: w.traffic.seconds,
                                                     byPurpose: Dictionary(uniqueKeysWithValues: w.traffic.byPurpose.map { purpose, t in
                                                         (purpose.rawValue, RunInfo.Communication.Part(gathers: t.calls, bytesGathered: t.bytesGathered,
                                                                                                      seconds: t.seconds))
                                                     }))
                           },
                           spilledBytes: result.spilledBytes)
        if let truth {
            // Into summary.json and the reports too, not only the terminal.
            summary.plantedARI = try PlantedTruth.load(truth).adjustedRandIndex(result.population.group)
        }
        let writeStart = DispatchTime.now().uptimeNanoseconds
        try RunOutputs.write(result, summary: summary, info: info, to: output, exportMatrices: exportMatrices,
                             threads: leaderThreads)
        // Not in run_info.json, which is one of the files written.
        let writeSeconds = Double(DispatchTime.now().uptimeNanoseconds - writeStart) / 1e9
        if let ari = summary.plantedARI {
            print(String(format: "adjusted Rand index against the planted segments (low-missing rows): %.3f", ari))
        }
        let report = (output as NSString).appendingPathComponent("report.html")
        if case let .count(wanted) = model.parsedComponents ?? .count(30), wanted > result.fitted.pca.components.columns {
            let kept = result.fitted.pca.components.columns
            print("note: --components \(wanted) asks for more components than the \(kept) features left after cleaning; all \(kept) were kept")
        }
        if let limit = memoryLimit?.bytes, let peak = ProcessInfoCompat.peakResidentBytes, peak > limit {
            // Said, not hidden: the limit governs the codes and the projected rows, not the rest.
            print("note: the run's peak memory, \(ByteCount.text(peak)), went over --memory-limit (\(ByteCount.text(limit))): the codes and the projected population are kept out of memory, but the per-row results (row numbers, labels, distances and k-means bounds, about 60 bytes a row) and the working buffers (about 200 MB) are held (docs/scale.md)")
        }
        print("\(result.chosenK) segments" + (result.sweep.map { " (the k sweep suggests \($0.suggestedK))" } ?? ""))
        for t in summary.segments.targets {
            print(String(format: "  target segment %d: customers %.1fx as common (%.1f-%.1f), %.1f%% of the population", t.cluster,
                         t.ratio, t.ratioLow, t.ratioHigh, t.populationShareOfAll * 100))
        }
        for g in summary.segments.under {
            print(String(format: "  customers are %.1fx under-represented in segment %d", 1 / max(g.ratio, 1e-9), g.cluster ?? -1))
        }
        print("  " + Findings.reach(summary))
        let h = summary.segments.highMissing
        print(String(format: "  coverage: %.1f%% of customers and %.1f%% of the population are high-missing, counted apart",
                     h.customerShare * 100, h.populationShare * 100))
        if !quiet {
            // The stage table, unless the stages were already logged one by one as they finished.
            for (stage, seconds) in result.timings where !progress.logsStages {
                FileHandle.standardError.write(Data(("  " + stage.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%6.2f s\n", seconds)).utf8))
            }
            FileHandle.standardError.write(Data(("  " + "write outputs".padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "%6.2f s\n", writeSeconds)).utf8))
            FileHandle.standardError.write(Data(String(format: "  total                  %6.2f s, peak memory %.0f MB\n", total + writeSeconds,
                                                       Double(ProcessInfoCompat.peakResidentBytes ?? 0) / 1e6).utf8))
        }
        print("report: \(report)")
        world?.finish()
    }
}

/// The model decisions as flags.
struct ModelFlags: ParsableArguments {
    @Option(name: .long, help: "Linear-algebra backend: openblas or swift.")
    var backend: BackendKind = .openblas

    @Option(name: .long, help: "Imputation of missing values: mean, median or most-frequent.")
    var impute: Imputer.Strategy = .median

    @Option(name: .long, help: "PCA components: a count (e.g. 30) or a cumulative explained-variance fraction (e.g. 0.85).")
    var components: String = "30"

    @Option(name: .long, help: "Number of segments; default: the k sweep's suggestion.")
    var k: Int?

    @Option(name: .long, help: ArgumentHelp(
        "k range of the sweep, as LOW-HIGH (default 2-20); 'none' skips the sweep.",
        discussion: "With --k the sweep is skipped unless this is given: it then runs as evidence beside the chosen k."))
    var kRange: String?

    @Option(name: .long, help: "Rows (seeded sample) the k sweep runs on; 0 for all.")
    var sweepSample: Int = 200_000

    @Option(name: .long, help: "k-means runs from different seeds; the best by inertia is kept.")
    var nInit: Int = 3

    @Option(name: .long, help: "Maximum Lloyd iterations per run.")
    var maxIterations: Int = 300

    @Option(name: .long, help: "How k-means iterates: hamerly (distance bounds skip rows that cannot change cluster) or lloyd (every row, every iteration; records the inertia of each). Same clustering up to rounding.")
    var kmeansAlgorithm: KMeans.Algorithm = .hamerly

    @Option(name: .long, help: "Where each k of the sweep starts: warm (the previous k's centres plus one k-means++ centre; fast, inertia never rises with k) or fresh (its own k-means++ seeding).")
    var sweepStart: KSweep.Start = .warm

    @Option(name: .long, help: "Convergence tolerance, relative to the data's mean variance.")
    var tolerance: Double = 1e-4

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 42

    func validate() throws {
        guard parsedComponents != nil else {
            throw ValidationError("--components must be a positive count or a fraction in (0, 1], not '\(components)'")
        }
        guard kRange == nil || kRange == "none" || parsedRange != nil else {
            throw ValidationError("--k-range must look like 2-20 (low >= 1, high >= low) or be 'none', not '\(kRange ?? "")'")
        }
        if kRange == "none" && k == nil { throw ValidationError("--k-range none needs --k") }
        if let range = parsedRange, kRange != nil, range.upperBound > Self.maxSweepK {
            throw ValidationError("--k-range goes up to \(range.upperBound); the sweep stops at \(Self.maxSweepK) segments (each k is a full k-means run): give --k for a larger k")
        }
        if let k, k < 1 { throw ValidationError("--k must be at least 1, not \(k)") }
        guard nInit >= 1 else { throw ValidationError("--n-init must be at least 1") }
        guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be at least 1") }
        guard tolerance >= 0 else { throw ValidationError("--tolerance must not be negative") }
        guard sweepSample >= 0 else { throw ValidationError("--sweep-sample must not be negative") }
    }

    /// The largest k a sweep may try: beyond it a sweep is hours of k-means for no segmentation anyone reads.
    static let maxSweepK = 100

    var parsedComponents: PCA.Components? {
        if let n = Int(components), n >= 1 { return .count(n) }
        if let f = Double(components), f > 0, f <= 1 { return .varianceFraction(f) }
        return nil
    }

    var parsedRange: ClosedRange<Int>? {
        let parts = (kRange ?? "2-20").split(separator: "-").map { Int($0) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo >= 1, hi >= lo else { return nil }
        return lo...hi
    }

    /// Every setting of a run: these flags and the cleaning flags.
    func config(cleaning: CleaningFlags) -> PipelineConfig {
        var c = config
        c.cleaning = cleaning.options
        return c
    }

    var config: PipelineConfig {
        var c = PipelineConfig()
        c.imputation = impute
        c.components = parsedComponents ?? .count(30)
        c.k = k
        // --k alone skips the sweep (its answer would not be used); an explicit range still runs it.
        c.sweep = kRange == "none" || (kRange == nil && k != nil) ? nil : parsedRange
        c.sweepSample = sweepSample == 0 ? nil : sweepSample
        c.nInit = nInit
        c.maxIterations = maxIterations
        c.kmeansAlgorithm = kmeansAlgorithm
        c.sweepStart = sweepStart
        c.tolerance = tolerance
        c.seed = seed
        return c
    }
}

extension BackendKind: ExpressibleByArgument {}

/// A size in bytes, written as bytes or with K, M or G (powers of 1024): `2G`, `512M`.
struct ByteCount: ExpressibleByArgument, Equatable {
    var bytes: Int

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10),
                                      ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10),
                                      ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
        let (number, scale) = units.first { text.hasSuffix($0.0) }.map { (String(text.dropLast($0.0.count)), $0.1) } ?? (text, 1)
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0,
              value * Double(scale) < 9e18 else { return nil }
        bytes = Int(value * Double(scale))
    }

    static var defaultCompletionKind: CompletionKind { .default }

    /// `bytes` in the flag's units: `2.15 GiB`, `340 MiB`.
    static func text(_ bytes: Int) -> String {
        bytes >= 1 << 30 ? String(format: "%.2f GiB", Double(bytes) / Double(1 << 30))
            : String(format: "%.0f MiB", Double(bytes) / Double(1 << 20))
    }
}
extension Imputer.Strategy: ExpressibleByArgument {
    /// scikit-learn's spelling (`most_frequent`) as well as ours.
    public init?(argument: String) {
        self.init(rawValue: argument.replacingOccurrences(of: "_", with: "-"))
    }
}
extension KMeans.Algorithm: ExpressibleByArgument {}
extension KSweep.Start: ExpressibleByArgument {}

/// Progress on stderr. On a terminal: the running stage and its fraction on one line. Otherwise
/// (make, CI, a log file): one line per stage as it finishes, with its time, so a long run shows
/// where it is without control characters in the log.
final class Progress: @unchecked Sendable {
    let enabled: Bool
    /// Whether the output is a terminal (a live line) rather than a log (a line per stage).
    let live: Bool
    private var last = ""
    private var stage: String?
    private var stageStart: UInt64 = 0
    private let lock = NSLock()

    init(enabled: Bool) {
        self.enabled = enabled
        live = isatty(2) != 0
    }

    /// One line per finished stage is written (not a terminal), so the final stage table is not needed.
    var logsStages: Bool { enabled && !live }

    func update(_ stage: String, _ fraction: Double) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if stage != self.stage {
            if !live { finishStage() }
            self.stage = stage
            stageStart = DispatchTime.now().uptimeNanoseconds
        }
        guard live else { return }
        let line = String(format: "\r%@ %3.0f%%", stage, fraction * 100)
        guard line != last else { return }
        last = line
        FileHandle.standardError.write(Data((line + "   ").utf8))
    }

    private func finishStage() {
        guard let stage else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - stageStart) / 1e9
        FileHandle.standardError.write(Data(("  " + stage.padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(format: "%6.2f s\n", seconds)).utf8))
        self.stage = nil
    }

    func finish() {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } else { finishStage() }
    }
}

/// SIGINT/SIGTERM remove the temporary files of an interrupted run before the process exits.
enum Interrupts {
    nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []
    /// Set when the process is ending on an error it has said: the SIGTERM with which `mpirun`
    /// then stops every rank is no interruption, and gets no message.
    nonisolated(unsafe) static var failing = false

    /// `what`: the output named in the message ("report", "model", ...); `partial`: the command
    /// writes several files one after another, so the ones already complete stay.
    static func install(what: String = "report", partial: Bool = false) {
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                // Never half-way through a commit: the section is taken until the process exits.
                CommitSection.run {
                    TemporaryFiles.removeAll()
                    // Under mpirun the stop may also come from another process's failure (which
                    // that process says); rank 0 alone speaks for the run.
                    let world = Processes.world.flatMap { $0.size > 1 ? $0 : nil }
                    let said = world == nil ? "interrupted" : "stopped (interrupted, or another process of the run failed)"
                    if !failing && (world?.rank ?? 0) == 0 {
                        FileHandle.standardError.write(Data((CommitSection.committed
                            ? "\n\(said): the new \(what) was already complete\n"
                            : partial ? "\n\(said): the \(what) being written was removed; those already complete were kept\n"
                            : "\n\(said): no \(what) written\n").utf8))
                    }
                    // _exit: no atexit handlers or static destructors racing the threads still running.
                    _exit(128 + sig)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
