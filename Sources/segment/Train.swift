import ArgumentParser
import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentBLAS

/// `segment train`: the mail-out response model.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Learn who answers a mail-out (MAILOUT_TRAIN's RESPONSE): boosted trees and logistic regression, cross-validated, with a held-out fold.",
        discussion: """
        The segmentation is fitted on --population and --customers first (as `segment run` does); \
        its cleaning recipe encodes the training file, and its segments, distances, customer ratio \
        and customer-likeness score are features too. The first of --folds stratified folds is held \
        out; a --search-budget of boosted-tree settings is cross-validated on the others. Writes \
        into --output: response_model.json (for `segment predict`), response_summary.json, \
        response_report.md, response_report.html (with the cumulative gains chart) and \
        response_run_info.json (timings), all at once or not at all. Exit \
        codes: 0 done, 1 bad data, 64 bad flags.
        """
    )

    @Option(name: .long, help: "The training file with a 0/1 RESPONSE column (Udacity_MAILOUT_052018_TRAIN.csv).")
    var train: String

    @Option(name: .long, help: "The general population file (Udacity_AZDIAS_052018.csv).")
    var population: String

    @Option(name: .long, help: "The customers file (Udacity_CUSTOMERS_052018.csv).")
    var customers: String

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String = "response"

    @Option(name: .long, help: "Cross-validation folds (stratified).")
    var folds: Int = 5

    @Option(name: .long, help: "Boosting rounds at most (early stopping on a held-out sixth of each training part).")
    var rounds: Int = 400

    @Option(name: .long, help: "Boosting learning rate.")
    var learningRate: Double = 0.05

    @Option(name: .long, help: "Tree depth.")
    var maxDepth: Int = 4

    @Option(name: .long, help: "Boosted-tree settings to try (the given ones first, then a fixed list); 1 tries only the given ones.")
    var searchBudget: Int = 6

    @OptionGroup var input: InputOptions
    @OptionGroup var cleaning: CleaningFlags
    @OptionGroup var model: ModelFlags

    @Flag(name: .long, help: "Replace a previous response model in the output folder.")
    var force = false

    @Flag(name: .long, help: "Also write the feature matrix (response_features.npy, with .names.txt) and each row's response and fold (response_folds.csv), for other tools.")
    var exportFeatures = false

    @Flag(name: [.short, .long], help: "No progress on stderr.")
    var quiet = false

    static let files = ["response_model.json", "response_summary.json", "response_report.md", "response_report.html", "response_run_info.json",
                        "response_features.npy", "response_features.names.txt", "response_folds.csv"]

    func validate() throws {
        guard (3...20).contains(folds) else { throw ValidationError("--folds must be from 3 to 20 (one is held out), not \(folds)") }
        guard (1...8).contains(searchBudget) else { throw ValidationError("--search-budget must be from 1 to 8, not \(searchBudget)") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard learningRate > 0, learningRate <= 1 else { throw ValidationError("--learning-rate must be in (0, 1]") }
        guard (1...12).contains(maxDepth) else { throw ValidationError("--max-depth must be from 1 to 12") }
    }

    func run() throws {
        try RunOutputs.prepare(output, force: force, files: Self.files, what: "response model")
        Interrupts.install()
        let started = DispatchTime.now().uptimeNanoseconds
        func note(_ s: String) { if !quiet { FileHandle.standardError.write(Data((s + "\n").utf8)) } }
        // Check the training file's RESPONSE before the long part.
        let labels = try ResponseFeatures.responses(path: train, delimiter: input.delimiterByte, threads: input.threads)
        let read = try input.schema(for: population)
        let backend = makeBackend(model.backend, threads: input.threads)
        note("segmentation on \(population) and \(customers) ...")
        let result = try Pipeline(config: model.config(cleaning: cleaning), backend: backend, threads: input.threads)
            .run(population: population, customers: customers, schema: read.schema, delimiter: input.delimiterByte,
                 sampledSchema: read.layout == .full)
        let fitted = result.fitted
        let loader = CSVLoader(schema: fitted.recipe.schema, delimiter: input.delimiterByte, threads: input.threads)
        let table = fitted.recipe.schema.isInferred ? try loader.loadWidening(path: train) : try loader.load(path: train)
        guard table.rowCount == labels.count else {
            throw DataError(file: train, kind: .other("RESPONSE has \(labels.count) rows but the file \(table.rowCount)"))
        }
        let (x, names) = try ResponseFeatures.build(fitted, table: table, backend: backend, threads: input.threads)
        note("\(x.rows) people, \(labels.filter { $0 }.count) responders, \(x.columns) features; \(folds)-fold cross-validation ...")
        let meanings = Dictionary(fitted.recipe.schema.features.compactMap { f in f.meaning.map { (f.name, $0) } },
                                  uniquingKeysWith: { a, _ in a })
        let trainer = ResponseTrainer(folds: folds,
                                      boosting: GradientBoostedTrees(rounds: rounds, learningRate: learningRate, maxDepth: maxDepth,
                                                                     seed: model.seed, threads: input.threads),
                                      searchBudget: searchBudget, seed: model.seed, threads: input.threads)
        let (response, fitSeconds) = try trainer.train(pipeline: fitted, x: x, names: names, labels: labels, backend: backend,
                                         meanings: meanings) { done, total in note("  step \(done + 1) of \(total)") }
        try StagedFolder.replace(output, ours: Set(Self.files)) { folder in
            try AtomicFile.write(try SegmentJSON.fileBytes(response), to: folder.path("response_model.json"))
            try AtomicFile.write(try SegmentJSON.fileBytes(response.evaluation), to: folder.path("response_summary.json"))
            // What changes between runs (timings) stays out of the deterministic files.
            try AtomicFile.write(try SegmentJSON.fileBytes(["fitSecondsOnAllRows": fitSeconds,
                                                            "totalSeconds": ["train": Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9]]),
                                 to: folder.path("response_run_info.json"))
            try AtomicFile.write(ResponseReport.markdown(response, train: train), to: folder.path("response_report.md"))
            try AtomicFile.write(ResponseReport.html(response, train: train), to: folder.path("response_report.html"))
            if exportFeatures {
                try NPYWriter.write(x, to: folder.path("response_features.npy"), names: names,
                                    namesPath: folder.path("response_features.names.txt"))
                let fold = ResponseTrainer.stratifiedFolds(labels, folds: folds, seed: model.seed)
                try AtomicFile.write("response,fold\n" + zip(labels, fold).map { "\($0 ? 1 : 0),\($1)\n" }.joined(),
                                     to: folder.path("response_folds.csv"))
            }
        }
        let e = response.evaluation
        print(String(format: "cross-validated ROC AUC: boosted trees %.3f ± %.3f, logistic regression %.3f ± %.3f; using %@",
                     e.boostedROCAUC.mean, e.boostedROCAUC.sd, e.logisticROCAUC.mean, e.logisticROCAUC.sd, response.chosen))
        print(String(format: "PR AUC: boosted %.3f, logistic %.3f (response rate %.2f%%)", e.boostedPRAUC.mean, e.logisticPRAUC.mean,
                     100 * Double(e.positives) / Double(max(1, e.rows))))
        print(String(format: "held-out fold (never used to choose): boosted %.3f, logistic %.3f; chosen settings: %@",
                     e.heldOut.boostedROCAUC, e.heldOut.logisticROCAUC, e.chosenSettings))
        print("top features: " + e.importance.prefix(5).map(\.feature).joined(separator: ", "))
        print(String(format: "model: %@ (%.1f s)", (output as NSString).appendingPathComponent("response_model.json"),
                     Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9))
    }
}

/// `segment predict`: who will respond, in the Kaggle submission format.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a mail-out file with a response model: LNR,RESPONSE (the probability of responding).",
        discussion: "Writes CSV to --output (atomically) or standard output; rows in file order."
    )

    @Option(name: .long, help: "A model written by `segment train` (response_model.json).")
    var model: String

    /// The file to score (Udacity_MAILOUT_052018_TEST.csv), as the argument or --input, like `score`.
    @OptionGroup var source: InputFileArgument
    var input: String { source.path }

    @Option(name: .shortAndLong, help: "Output CSV file; default: standard output.")
    var output: String?

    @Option(name: .long, help: "Linear-algebra backend: openblas or swift.")
    var backend: BackendKind = .openblas

    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    @Flag(name: .long, help: "Replace an existing output file.")
    var force = false

    func validate() throws {
        try checkThreads(threads)
    }

    func run() throws {
        Interrupts.install(what: "output")
        if let output, FileManager.default.fileExists(atPath: output), !force {
            throw OutputError(file: output, message: "exists", remedy: .allowReplacing)
        }
        let bytes = try readWholeFile(model)
        let response: ResponseModel
        do {
            response = try JSONDecoder().decode(ResponseModel.self, from: Data(bytes))
            try response.pipeline.validate()
        } catch let e as ModelError {
            throw DataError(file: model, kind: .other("a damaged or edited model: \(e)"))
        } catch let error as DecodingError {
            throw DataError(file: model, kind: .other("not a response model written by `segment train`: \(Score.plainWords(error))"))
        } catch {
            throw DataError(file: model, kind: .other("not a response model written by `segment train`: the file is not JSON"))
        }
        let schema = response.pipeline.recipe.schema
        guard let idName = schema.features.first(where: { $0.type == .id })?.name else {
            throw DataError(file: model, kind: .other("the model has no person id column (LNR): it was trained on a file of another layout"))
        }
        let loader = CSVLoader(schema: schema, threads: threads)
        let table = schema.isInferred ? try loader.loadWidening(path: input) : try loader.load(path: input)
        let (x, names) = try ResponseFeatures.build(response.pipeline, table: table, backend: makeBackend(backend, threads: threads),
                                                    threads: threads)
        guard names == response.featureNames else {
            throw DataError(file: input, kind: .other("its features differ from the model's: a file of another layout"))
        }
        let p = response.probabilities(x, threads: threads)
        let ids = table.personIDs()?.values ?? []
        var csv = "\(idName),RESPONSE\n"
        csv.reserveCapacity(p.count * 20)
        for (i, v) in p.enumerated() { csv += "\(ids[i].map(String.init) ?? ""),\(String(format: "%.8f", v))\n" }
        if let output { try AtomicFile.write(csv, to: output) } else { FileHandle.standardOutput.write(Data(csv.utf8)) }
    }
}
