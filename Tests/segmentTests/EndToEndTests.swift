import Foundation
import Testing
import SegmentTestSupport
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SegmentCore
@testable import SegmentData
@testable import SegmentModels
@testable import SegmentAnalysis
@testable import SegmentSynthetic
@testable import SegmentReports
@testable import SegmentBLAS

/// The built `segment` binary, next to the test bundle.
func segmentBinary() -> String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("segment").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return "segment"
}

struct Outcome { var status: Int32; var stdout: String; var stderr: String }

@discardableResult
func runBinary(_ args: [String]) throws -> Outcome { try runBinary(path: segmentBinary(), args) }

/// Runs any program (the tool, or a script of the repository) and collects its outcome;
/// `environment` replaces this process's when given.
func runBinary(path: String, _ args: [String], environment: [String: String]? = nil) throws -> Outcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Well-formedness as XML.
func parsesAsXML(_ text: String) -> Bool {
    let parser = XMLParser(data: Data(text.utf8))
    return parser.parse()
}

@Suite("The built binary, end to end", .serialized)
struct EndToEndTests {
    static let base = processTemporaryFolder("segment-e2e")

    @Test("generate, run, and every output file exists, parses and agrees with the library")
    func wholeRun() throws {
        let data = Self.base + "/data", out = Self.base + "/out"
        let gen = try runBinary(["generate", "-o", data, "--population-rows", "8000", "--customer-rows", "3000", "--seed", "9"])
        #expect(gen.status == 0, "\(gen.stderr)")
        let run = try runBinary(["run", "--population", data + "/azdias.csv", "--customers", data + "/customers.csv",
                                 "-o", out, "--k-range", "2-6", "--k", "5", "--quiet", "--export-matrices",
                                 "--backend", "swift", "--threads", "2", "--truth", data + "/truth_population.csv"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("report: \(out)/report.html"))
        for f in RunOutputs.files + ["population_cleaned.npy", "population_cleaned.names.txt", "population_pca.npy"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + f), "missing \(f)")
        }
        // JSON files parse; the summary decodes into its schema.
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        _ = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run_info.json")))
        let model = try JSONDecoder().decode(FittedPipeline.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/model.json")))
        #expect(summary.kmeans.k == 5 && model.kmeans.k == 5)
        // CSVs: one line per row, groups that add up to the summary's counts.
        let lines = try String(contentsOfFile: out + "/population_assignments.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8001
                && lines[0] == "row,cluster,high_missing,distance,customer_share,segment_ratio,customer_share_all_rows,segment_ratio_all_rows,customer_likeness")
        var counts = [String: Int]()
        var ratios = [String: Set<String>]()
        for (i, l) in lines.dropFirst().enumerated() {
            let f = l.split(separator: ",", omittingEmptySubsequences: false)
            #expect(f.count == 9)
            // Rows from 0; an integer cluster, -1 exactly where high_missing is true; no distance or
            // likeness for those rows.
            #expect(f[0] == "\(i)")
            #expect(Int(f[1]) != nil && (f[1] == "-1") == (f[2] == "true") && (f[2] == "true" || f[2] == "false"))
            #expect(f[2] == "true" ? f[3].isEmpty && f[8].isEmpty : Double(f[8])! > 0 && Double(f[3])! >= 0)
            counts[String(f[1]), default: 0] += 1
            ratios[String(f[1]), default: []].insert(String(f[5]))
        }
        for g in summary.segments.groups {
            let name = g.cluster.map(String.init) ?? "-1"
            #expect(counts[name] == g.populationCount)
            // Every person's customer-likeness score is their group's ratio among characterised people.
            #expect(ratios[name] == [String(format: "%.6f", g.ratio)], "\(name)")
        }
        // --truth: the ARI against the planted segments is in the summary, as computed from the files.
        let planted = try PlantedTruth.load(data + "/truth_population.csv")
        let groups = lines.dropFirst().map { l -> Int32 in
            Int32(l.split(separator: ",", omittingEmptySubsequences: false)[1])!
        }
        #expect(summary.plantedARI == planted.adjustedRandIndex(groups) && summary.plantedARI! > 0.3)
        // The customer-likeness model tells customers apart better than chance, out of sample.
        let likeness = try #require(summary.customerLikeness)
        #expect(likeness.foldAUCs.count == 5 && (likeness.crossValidatedAUC ?? 0) > 0.6, "\(likeness.foldAUCs)")
        // The report opens with whom to target and the coverage caveat.
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        let firstSection = markdown.components(separatedBy: "\n## ")[1]
        #expect(firstSection.hasPrefix("Who to target") && firstSection.contains("**Coverage.**"))
        for t in summary.segments.targets { #expect(firstSection.contains("Segment \(t.cluster): customers are")) }
        // HTML and its SVG charts are well-formed XML; every chart is there.
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(parsesAsXML(html))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 10)
        // Both JSON files have the shape of the repository's schemas (schemas/), and the check bites.
        for name in ["summary", "model"] {
            let value = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: out + "/\(name).json")))
            let problems = jsonSchemaProblems(value, schema: try repositorySchema(name))
            #expect(problems.isEmpty, "\(name).json: \(problems.prefix(5))")
            guard case var .object(top) = value else { Issue.record("\(name).json is not an object"); continue }
            top["unexpected"] = .number(1)
            #expect(jsonSchemaProblems(.object(top), schema: try repositorySchema(name)) == ["$.unexpected: not in the schema"])
        }
        // The map of the first two components counts every low-missing person once.
        let density = try #require(summary.pcDensity)
        #expect(density.population.reduce(0, +) == summary.segments.populationCharacterisedRows
                && density.customers.reduce(0, +) == summary.segments.customerCharacterisedRows
                && density.population.count == density.columns * density.rows)
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org"))
        #expect(!html.contains("<script"))
        // The library, run in-process with the same settings, gives the same numbers.
        var config = PipelineConfig()
        config.k = 5
        config.sweep = 2...6
        let lib = try Pipeline(config: config, backend: SwiftBackend(threads: 2), threads: 2)
            .run(population: data + "/azdias.csv", customers: data + "/customers.csv", schema: .azdias)
        // (The Swift backend: OpenBLAS's thread count is process-wide and other tests change it while
        // this one runs, which moves its sums in the last bits.)
        #expect(lib.comparison == summary.segments)
        // The command adds what the library cannot know: the tool's version and the files' fingerprints.
        #expect(model.toolVersion == RunSummary.toolVersion && model.inputFingerprints?["population"]?.hasPrefix("\(summary.inputs.populationFingerprint ?? "-")") == true)
        var bare = model
        bare.toolVersion = nil
        bare.inputFingerprints = nil
        #expect(lib.fitted == bare)
        // score reproduces the run's assignments exactly.
        let scored = try runBinary(["score", "--model", out + "/model.json", "--input", data + "/azdias.csv", "-o", Self.base + "/scored.csv",
                                    "--backend", "swift", "--threads", "2"])
        #expect(scored.status == 0, "\(scored.stderr)")
        let scoredLines = try String(contentsOfFile: Self.base + "/scored.csv", encoding: .utf8).split(separator: "\n")
        #expect(scoredLines.count == lines.count)
        // The same lines, scores included.
        #expect(scoredLines == lines)
        // A model saved before the comparison was kept scores with the one column it has.
        var old = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json"))) as! [String: Any]
        old["comparison"] = nil
        old["likeness"] = nil
        old["formatVersion"] = 1
        try JSONSerialization.data(withJSONObject: old).write(to: URL(fileURLWithPath: Self.base + "/old-model.json"))
        let legacy = try runBinary(["score", "--model", Self.base + "/old-model.json", "--input", data + "/azdias.csv",
                                    "-o", Self.base + "/legacy.csv", "--backend", "swift", "--threads", "2"])
        #expect(legacy.status == 0, "\(legacy.stderr)")
        let legacyLines = try String(contentsOfFile: Self.base + "/legacy.csv", encoding: .utf8).split(separator: "\n")
        #expect(legacyLines.first == "row,cluster,high_missing,distance,customer_share" && legacyLines.count == lines.count)
        let shareOfAll = Dictionary(uniqueKeysWithValues: summary.segments.groups.map {
            ($0.cluster.map(String.init) ?? "-1", String(format: "%.6f", $0.customerShareOfAll)) })
        for l in legacyLines.dropFirst().prefix(200) {
            let f = l.split(separator: ",", omittingEmptySubsequences: false)
            #expect(f.count == 5 && String(f[4]) == shareOfAll[String(f[1])])
        }
        // A second run into the same folder needs --force; without it, nothing changes.
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))
        let again = try runBinary(["run", "--population", data + "/azdias.csv", "--customers", data + "/customers.csv", "-o", out, "--k", "5", "--quiet"])
        #expect(again.status == 1 && again.stderr.contains("use --force"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")) == before)
    }

    @Test("a data error exits 1 with file, line and column; nothing is written")
    func dataError() throws {
        let dir = Self.base + "/bad"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try runBinary(["generate", "-o", dir, "--population-rows", "50", "--customer-rows", "20"])
        var text = try String(contentsOfFile: dir + "/customers.csv", encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cells = lines[3].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        cells[1] = "abc"
        lines[3] = cells.joined(separator: ";")
        text = lines.joined(separator: "\n")
        try text.write(toFile: dir + "/customers.csv", atomically: true, encoding: .utf8)
        let r = try runBinary(["run", "--population", dir + "/azdias.csv", "--customers", dir + "/customers.csv",
                               "-o", dir + "/out", "--k", "2", "--k-range", "none", "--quiet"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("customers.csv:4: column 'ALTERSKATEGORIE_GROB' (field 2): text in a numeric column: \"abc\""))
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/out")) ?? []
        #expect(left.isEmpty, "\(left)")
    }
}

@Suite("OpenBLAS core selection, end to end")
struct CoreSelectionTests {
    @Test("OpenBLAS on a fallback core: segment re-runs itself with a better OPENBLAS_CORETYPE and says so")
    func reexec() throws {
        let data = processTemporaryFolder("segment-core")
        try SyntheticGenerator(populationRows: 2_000, customerRows: 500, seed: 3, threads: 2).write(to: data)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: segmentBinary())
        p.arguments = ["run", "--population", data + "/azdias.csv", "--customers", data + "/customers.csv",
                       "-o", data + "/out", "--k", "3", "--k-range", "none", "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = nil
        environment["SEGMENT_TEST_OPENBLAS_CHOSEN"] = "Prescott"
        p.environment = environment
        p.standardOutput = Pipe()
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: data + "/out/summary.json")))
        // --k without a sweep: the report says there is no k evidence, and why.
        let markdown = try String(contentsOfFile: data + "/out/report.md", encoding: .utf8)
        #expect(summary.sweep == nil && markdown.contains("The number of segments, 3, was given with --k, so no k sweep was run"))
        let details = summary.backendDetails
        if let better = OpenBLASCoreChoice.decide(chosen: "Prescott", flags: OpenBLASCoreChoice.cpuFlags(), environment: [:]) {
            #expect(details["corename"]?.lowercased() == better.lowercased(), "\(details)")
            #expect(details["coreSelection"]?.contains("had chosen Prescott") == true, "\(details)")
        } else {
            // A CPU without AVX: nothing better to ask for, no re-run.
            #expect(details["coreSelection"] == nil, "\(details)")
        }
    }
}

@Suite("A trap ends the process at once")
struct CrashTests {
    @Test("a fatal error exits promptly with its signal and one line on stderr, no backtracer")
    func trap() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: segmentBinary())
        p.arguments = ["--version"]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = nil
        environment["SEGMENT_TEST_TRAP"] = "1"
        p.environment = environment
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        let start = Date()
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(Date().timeIntervalSince(start) < 10, "took \(Date().timeIntervalSince(start)) s")
        #expect(p.terminationReason == .uncaughtSignal && [SIGILL, SIGTRAP].contains(p.terminationStatus), "\(p.terminationStatus)")
        #expect(text.contains("segment: internal error") && !text.contains("Backtracing"), "\(text)")
    }
}
