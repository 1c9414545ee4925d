import ArgumentParser
import Foundation
import SegmentBLAS
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// `segment fit`: fits the pipeline and saves it (model.json), without the reports.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit the pipeline (cleaning recipe, imputer, scaler, PCA, k-means centres) and save it as JSON.",
        discussion: "The saved model holds each segment's customer share, so `segment score` can rank the people of a later file."
    )

    @Option(name: .long, help: "The general population file.")
    var population: String

    @Option(name: .long, help: "The customers file (for each segment's customer share).")
    var customers: String

    @Option(name: .long, help: "Where to write the model.")
    var model: String = "model.json"

    @OptionGroup var input: InputOptions
    @OptionGroup var cleaning: CleaningFlags
    @OptionGroup var modelFlags: ModelFlags

    @Flag(name: .long, help: "Replace an existing model file.")
    var force = false

    @Flag(name: [.short, .long], help: "No progress on stderr.")
    var quiet = false

    func run() throws {
        Interrupts.install(what: "model")
        if FileManager.default.fileExists(atPath: model) && !force {
            throw DataError(file: model, kind: .other("exists; use --force to replace it"))
        }
        Interrupts.install()
        let config = modelFlags.config(cleaning: cleaning)
        let backend = makeBackend(modelFlags.backend, threads: input.threads)
        let read = try input.schema(for: population)
        var pipeline = Pipeline(config: config, backend: backend, threads: input.threads)
        let progress = Progress(enabled: !quiet)
        pipeline.progress = { stage, fraction in progress.update(stage, fraction) }
        var result = try pipeline.run(population: population, customers: customers, schema: read.schema,
                                      delimiter: input.delimiterByte, sampledSchema: read.layout == .full)
        progress.finish()
        result.fitted.toolVersion = RunSummary.toolVersion
        result.fitted.inputFingerprints = ["population": FileFingerprint.of(path: population),
                                           "customers": FileFingerprint.of(path: customers)].compactMapValues { $0 }
        try AtomicFile.write(try SegmentJSON.fileBytes(result.fitted), to: model)
        print("wrote \(model): \(result.chosenK) segments over \(result.featureNames.count) features")
    }
}

/// `segment score`: assigns the people of any file with the same schema to the saved segments.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assign the people of a file to the saved segments: cluster, distance, and that segment's customer share.",
        discussion: "Writes CSV (row,cluster,high_missing,distance, then the segment's customer share and ratio) to --output or standard output; rows are numbered from 0, high-missing rows get cluster -1 and high_missing true."
    )

    @Option(name: .long, help: "A model written by `segment fit` or `segment run` (model.json).")
    var model: String

    @OptionGroup var source: InputFileArgument
    var input: String { source.path }

    @Option(name: .shortAndLong, help: "Output CSV file; default: standard output.")
    var output: String?

    @Option(name: .long, help: "Linear-algebra backend: openblas or swift.")
    var backend: BackendKind = .openblas

    @Option(name: .long, help: "Field delimiter of the input: ';' or ','; default: detected.")
    var delimiter: String?

    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    @Flag(name: .long, help: "Replace an existing output file.")
    var force = false

    @Flag(name: [.short, .long], help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        try checkThreads(threads)
        if let d = delimiter, d != ";" && d != "," { throw ValidationError("--delimiter must be ';' or ','") }
    }

    func run() throws {
        Interrupts.install(what: "output")
        if let output, FileManager.default.fileExists(atPath: output), !force {
            throw OutputError(file: output, message: "exists", remedy: .allowReplacing)
        }
        let progress = Progress(enabled: !quiet)
        progress.update("read the model", 0)
        let fitted = try Self.loadModel(model)
        progress.update("load \((input as NSString).lastPathComponent)", 0)
        let loader = CSVLoader(schema: fitted.recipe.schema, delimiter: delimiter?.utf8.first, threads: threads)
        // A full-layout model's schema was inferred from a sample: text further down a column of
        // this file makes it a text column here too (its codes then go through the recipe as usual).
        let table = fitted.recipe.schema.isInferred ? try loader.loadWidening(path: input) : try loader.load(path: input)
        progress.update("assign to segments", 0)
        let assignments = try fitted.assign(table, backend: makeBackend(backend, threads: threads), threads: threads)
        progress.update("write", 0)
        defer { progress.finish() }
        // Streamed a block of rows per worker at a time (see AssignmentsCSV.stream).
        func stream(_ sink: ([UInt8]) throws -> Void) throws {
            if fitted.comparison != nil {
                try AssignmentsCSV.stream(assignments, comparison: fitted.comparison, threads: threads, to: sink)
            } else {
                try AssignmentsCSV.stream(assignments, allRowsCustomerShares: fitted.customerShares
                    ?? [Double](repeating: .nan, count: fitted.kmeans.k + 1), threads: threads, to: sink)
            }
        }
        if let output {
            try AtomicFile.write(to: output) { file in try stream { try file.write($0) } }
        } else {
            try stream { FileHandle.standardOutput.write(Data($0)) }
        }
        for (c, n) in assignments.unseenCodes.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("warning: \(n) row(s) have a \(c) code the population never had\n".utf8))
        }
    }
}

extension Score {
    static func loadModel(_ path: String) throws -> FittedPipeline { try FittedPipeline.read(path: path) }
    static func plainWords(_ error: DecodingError) -> String { ModelFile.plainWords(error) }
}
