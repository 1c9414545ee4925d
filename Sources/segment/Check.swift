import ArgumentParser
import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// `segment check`: compares a demographics file with the published AZDIAS facts.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare a data file with the published facts: marginals, relations, missing patterns.",
        discussion: """
        The layout is told from the header. Subset (85 columns): exits 0 when every relation holds \
        and no column's marginal is further than --tolerance (total variation distance) from the \
        published counts. Full layout (any of the four capstone files): exits 0 when every column's \
        missing share is within 0.5 points of the published one, every published missing block is \
        empty in the same rows, and no published marginal is further than 0.02. Exit 1 otherwise.
        """
    )

    @OptionGroup var source: InputFileArgument
    var file: String { source.path }

    @Option(name: .long, help: "Largest acceptable total variation distance of a column's marginal.")
    var tolerance: Double = 0.02

    @Option(name: .long, help: "Full layout: which published file to compare with (population, customers, mailout-train, mailout-test); default: told from the header and the file name.")
    var published: PublishedFile?

    enum PublishedFile: String, ExpressibleByArgument, CaseIterable {
        case population, customers, mailoutTrain = "mailout-train", mailoutTest = "mailout-test"
        var file: FullReference.File {
            switch self {
            case .population: return .population
            case .customers: return .customers
            case .mailoutTrain: return .mailoutTrain
            case .mailoutTest: return .mailoutTest
            }
        }
    }

    @Option(name: .long, help: "Worst columns to list.")
    var top: Int = 10

    @Option(name: .long, help: "Worker threads for loading.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    func validate() throws {
        guard tolerance > 0 else { throw ValidationError("--tolerance must be positive") }
        try checkThreads(threads)
    }

    func run() throws {
        let header = try ColumnSample.read(path: file, rows: 0).header
        if DataLayout.detect(header: header) == .full {
            let check = try FullDataCheck.run(path: file, kind: published?.file)
            print(check.summary(top: top))
            if !check.passes { throw ExitCode(1) }
            return
        }
        let table = try CSVLoader(schema: .azdias, threads: threads).load(path: file)
        let check = DataCheck(table: table)
        print(check.summary(top: top))
        print(check.verdict(tolerance: tolerance))
        if !check.passes(tolerance: tolerance) { throw ExitCode(1) }
    }
}
