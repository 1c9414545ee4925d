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
        abstract: "Compare a population file with the published facts: marginals, relations, missing patterns.",
        discussion: "Exits 0 when every relation holds and no column's marginal is further than --tolerance (total variation distance) from the published counts, 1 otherwise."
    )

    @Argument(help: "The population file to check (e.g. data/azdias.csv).")
    var file: String

    @Option(name: .long, help: "Largest acceptable total variation distance of a column's marginal.")
    var tolerance: Double = 0.02

    @Option(name: .long, help: "Worst columns to list.")
    var top: Int = 10

    @Option(name: .long, help: "Worker threads for loading.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    func validate() throws {
        guard tolerance > 0 else { throw ValidationError("--tolerance must be positive") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let table = try CSVLoader(schema: .azdias, threads: threads).load(path: file)
        let check = DataCheck(table: table)
        print(check.summary(top: top))
        if !check.brokenRelations.isEmpty || check.worstTotalVariation > tolerance {
            throw ExitCode(1)
        }
    }
}
