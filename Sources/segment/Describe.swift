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

    @Argument(help: "The population file (e.g. data/azdias.csv).")
    var file: String

    @OptionGroup var input: InputOptions
    @OptionGroup var cleaning: CleaningFlags

    @Option(name: .long, help: "Rows of each list to show.")
    var top: Int = 12

    func run() throws {
        let schema = try input.schema()
        let table = try CSVLoader(schema: schema, delimiter: input.delimiterByte, threads: input.threads).load(path: file)
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

    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    var delimiterByte: UInt8? { delimiter.flatMap { $0.utf8.first } }

    func validate() throws {
        if let d = delimiter, d != ";" && d != "," && d != "\t" {
            throw ValidationError("--delimiter must be ';', ',' or a tab, not '\(d)'")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func schema() throws -> FeatureSchema {
        try features.map { try FeatureSchema.load(path: $0) } ?? .azdias
    }
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
        o.dropColumns = dropColumns
        return o
    }
}

extension CleaningOptions.MultiLevelPolicy: ExpressibleByArgument {}
extension CleaningOptions.LebensphasePolicy: ExpressibleByArgument {}
extension CleaningOptions.FinePairsPolicy: ExpressibleByArgument {}
