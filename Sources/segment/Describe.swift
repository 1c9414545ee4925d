import ArgumentParser
import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// `segment describe`: loading and assessment only, for a first look at a file.
struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a population file and report its missingness: by column, co-missing groups, per row, and the two row groups compared."
    )

    @OptionGroup var source: InputFileArgument
    var file: String { source.path }

    @OptionGroup var input: InputOptions
    @OptionGroup var cleaning: CleaningFlags

    @Option(name: .long, help: "Rows of each list to show.")
    var top: Int = 12

    func run() throws {
        let read = try input.schema(for: file)
        let loader = CSVLoader(schema: read.schema, delimiter: input.delimiterByte, threads: input.threads)
        let table = read.layout == .full ? try loader.loadWidening(path: file) : try loader.load(path: file)
        if let decisions = read.decisions {
            let left = decisions.filter { $0.type == nil }
            print("full layout: \(decisions.count - left.count) of \(decisions.count) columns typed" +
                  (read.metadataFiles.isEmpty ? " (no DIAS metadata found; give --metadata)" : " with \(read.metadataFiles.joined(separator: ", "))"))
            for d in left { print("  left out \(d.column): \(d.reason)") }
        }
        if !table.ignoredColumns.isEmpty {
            print("note: \(table.ignoredColumns.count) column(s) not in the schema were left out: \(table.ignoredColumns.prefix(10).joined(separator: ", "))\(table.ignoredColumns.count > 10 ? ", ..." : "")")
        }
        let (_, assessment) = try CleaningRecipe.fit(table, options: cleaning.options, threads: input.threads)
        print(assessment.text(top: top))
    }
}

/// Flags shared by the commands that read demographics files.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "Feature summary file (AZDIAS_Feature_Summary.csv); default: the embedded AZDIAS schema.")
    var features: String?

    @Option(name: .long, help: "Field delimiter of the data files: ';' or ','; default: detected from the header.")
    var delimiter: String?

    @Option(name: .long, help: "Worker threads (default: the machine's cores, shared among the processes of an mpirun on it).")
    var threads: Int = Processes.defaultThreads

    @Option(name: .long, help: "The data layout: auto (told from the header), subset (85 columns) or full (the 366-column capstone files).")
    var layout: LayoutChoice = .auto

    @Option(name: .long, help: ArgumentHelp(
        "A DIAS metadata spreadsheet (full layout): 'DIAS Attributes - Values 2017.xlsx' and/or 'DIAS Information Levels - Attributes 2017.xlsx'. Repeat or separate with commas.",
        discussion: "Default: the two files by those names beside the population file, if there."))
    var metadata: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Type a column yourself (full layout): NAME=TYPE with TYPE one of ordinal, categorical, numeric, date, id. Repeat or separate with commas.",
        valueName: "name=type"))
    var columnType: [String] = []

    @Option(name: .long, help: "The person id column (full layout), carried into the per-person outputs (default: LNR).")
    var idColumn: String?

    var delimiterByte: UInt8? { delimiter.flatMap { $0.utf8.first } }

    enum LayoutChoice: String, ExpressibleByArgument, CaseIterable { case auto, subset, full }

    func validate() throws {
        if let d = delimiter, d != ";" && d != "," && d != "\t" {
            throw ValidationError("--delimiter must be ';', ',' or a tab, not '\(d)'")
        }
        try checkThreads(threads)
        _ = try userTypes()
        if features != nil && (!metadata.isEmpty || !columnType.isEmpty) {
            throw ValidationError("--features (a subset-style feature summary) and --metadata / --column-type are alternatives: give one")
        }
    }

    /// `--column-type` as a map.
    func userTypes() throws -> [String: FeatureType] {
        var out: [String: FeatureType] = [:]
        for item in columnType.flatMap({ $0.split(separator: ",") }) {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let allowed: [FeatureType] = [.ordinal, .categorical, .numeric, .date, .id]
            guard parts.count == 2, !parts[0].isEmpty, let t = FeatureType(rawValue: parts[1].lowercased()), allowed.contains(t) else {
                throw ValidationError("--column-type wants NAME=TYPE with TYPE one of \(allowed.map(\.rawValue).joined(separator: ", ")), not '\(item)'")
            }
            out[parts[0]] = t
        }
        return out
    }

    /// The schema for reading `population`: the feature summary if given; else the embedded subset
    /// schema for a subset file, or for a full-layout file one inferred from its header and first
    /// rows with the DIAS metadata (`SchemaInference`), with each column's decision.
    func schema(for population: String) throws -> InputSchema {
        if let features { return InputSchema(schema: try FeatureSchema.load(path: features), layout: .subset, decisions: nil, metadataFiles: []) }
        let layout: DataLayout
        switch self.layout {
        case .subset: layout = .subset
        case .full: layout = .full
        case .auto:
            let header = try ColumnSample.read(path: population, rows: 0, delimiter: delimiterByte).header
            // One header field holding another delimiter: the file is split on the wrong one (a ';'
            // file read with --delimiter ','), which every later message would only obscure.
            if header.count == 1, let other = CSVLoader.otherDelimiter(in: header, than: delimiterByte) {
                throw DataError(file: population, line: 1, kind: .wrongDelimiter(found: other))
            }
            layout = DataLayout.detect(header: header)
        }
        if layout == .subset {
            if !metadata.isEmpty || !columnType.isEmpty || idColumn != nil {
                throw ValidationError("--metadata, --column-type and --id-column are for full-layout files; \(population) has the subset's columns")
            }
            return InputSchema(schema: .azdias, layout: .subset, decisions: nil, metadataFiles: [])
        }
        var files = metadata.flatMap { $0.split(separator: ",").map(String.init) }
        if files.isEmpty {
            let folder = (population as NSString).deletingLastPathComponent
            files = ["DIAS Attributes - Values 2017.xlsx", "DIAS Information Levels - Attributes 2017.xlsx"]
                .map { (folder.isEmpty ? "." : folder as NSString).appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0) }
        }
        let meta = files.isEmpty ? nil : try DIASMetadata.load(paths: files)
        let types = try userTypes()
        let inference = SchemaInference(metadata: meta, summary: .azdias, userTypes: types, idColumn: idColumn ?? "LNR")
        let result = try inference.infer(path: population, delimiter: delimiterByte)
        // A flag that names a column the file does not have is a mistake, not something to ignore.
        let header = Set(result.decisions.map(\.column))
        for name in ([idColumn].compactMap { $0 } + types.keys.sorted()) where !header.contains(name) {
            throw ValidationError("\(name == idColumn ? "--id-column" : "--column-type") names '\(name)', which \(population) does not have")
        }
        return InputSchema(schema: result.schema, layout: .full, decisions: result.decisions, metadataFiles: files)
    }

    /// The schema for the subset layout only (commands that do not read full-layout files yet).
    func schema() throws -> FeatureSchema {
        try features.map { try FeatureSchema.load(path: $0) } ?? .azdias
    }
}

/// What `InputOptions.schema(for:)` decided.
struct InputSchema {
    var schema: FeatureSchema
    var layout: DataLayout
    /// Full layout: how each column was typed.
    var decisions: [ColumnDecision]?
    var metadataFiles: [String]
}

/// The cleaning recipe's decisions as flags.
struct CleaningFlags: ParsableArguments {
    @Option(name: .long, help: "Drop columns missing on more than this share of the population.")
    var columnThreshold: Double = 0.30

    @Option(name: .long, help: "Rows with more missing values than this are set aside as high-missing; 'auto' splits the histogram between its two modes.")
    var rowThreshold: String = "auto"

    @Option(name: .long, help: "Multi-level categoricals: one-hot or drop.")
    var multiLevel: CleaningOptions.MultiLevelPolicy = .oneHot

    @Option(name: .long, help: "Multi-level categoricals with more levels than this are dropped.")
    var maxOneHotLevels: Int = 20

    @Option(name: .long, help: "LP_LEBENSPHASE_FEIN/GROB: drop or keep.")
    var lebensphase: CleaningOptions.LebensphasePolicy = .drop

    @Option(name: .long, help: "LP_FAMILIE/LP_STATUS FEIN and GROB pairs: coarse (keep GROB), fine (keep FEIN) or both.")
    var finePairs: CleaningOptions.FinePairsPolicy = .coarse

    @Option(name: .long, parsing: .upToNextOption, help: "Columns to drop whatever their missingness.")
    var dropColumns: [String] = []

    func validate() throws {
        guard columnThreshold >= 0 && columnThreshold <= 1 else {
            throw ValidationError("--column-threshold must be between 0 and 1, not \(columnThreshold)")
        }
        guard CleaningOptions.RowThreshold(rowThreshold) != nil else {
            throw ValidationError("--row-threshold must be 'auto' or a non-negative count, not '\(rowThreshold)'")
        }
        guard maxOneHotLevels >= 2 else { throw ValidationError("--max-one-hot-levels must be at least 2") }
    }

    var options: CleaningOptions {
        var o = CleaningOptions()
        o.columnMissingThreshold = columnThreshold
        o.rowThreshold = CleaningOptions.RowThreshold(rowThreshold) ?? .auto
        o.multiLevel = multiLevel
        o.maxOneHotLevels = maxOneHotLevels
        o.lebensphase = lebensphase
        o.finePairs = finePairs
        o.dropColumns = dropColumns.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
        return o
    }
}

extension CleaningOptions.MultiLevelPolicy: ExpressibleByArgument {}
extension CleaningOptions.LebensphasePolicy: ExpressibleByArgument {}
extension CleaningOptions.FinePairsPolicy: ExpressibleByArgument {}
extension DataLayout: ExpressibleByArgument {}
