import ArgumentParser
import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// `segment generate`: writes seeded synthetic AZDIAS-like files.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write seeded synthetic population and customer files in the real AZDIAS formats.",
        discussion: """
        --layout subset (default) writes azdias.csv, customers.csv, feature_summary.csv, \
        truth_population.csv, truth_customers.csv and truth.json into the output folder. \
        --layout full writes the four capstone files (Udacity_AZDIAS_052018.csv, \
        Udacity_CUSTOMERS_052018.csv, Udacity_MAILOUT_052018_TRAIN.csv and _TEST.csv), the two DIAS \
        .xlsx files, truth_<file>.csv and truth.json. The same seed gives the same bytes whatever \
        the thread count.
        """
    )

    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var output: String = "data"

    @Option(name: .long, help: "Which files: subset (the 85-column files) or full (the 366-column capstone files, MAILOUT and the DIAS xlsx).")
    var layout: DataLayout = .subset

    @Option(name: .long, help: "Population rows (default: the real file's 891,221).")
    var populationRows: Int = AZDIASReference.populationRows

    @Option(name: .long, help: "Customer rows (default: the real file's 191,652).")
    var customerRows: Int = AZDIASReference.customerRows

    @Option(name: .long, help: "MAILOUT_TRAIN rows (full layout; default 42,962).")
    var mailoutTrainRows: Int = FullReference.mailoutTrainRows

    @Option(name: .long, help: "MAILOUT_TEST rows (full layout; default 42,833).")
    var mailoutTestRows: Int = FullReference.mailoutTestRows

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    @Flag(name: .long, help: "Replace data generated before in the output folder.")
    var force = false

    @Option(name: .long, help: ArgumentHelp(
        "Plant this many segments at seeded random places (1-40) instead of the eight modelled on the published profile.",
        discussion: "About a third are over-represented among customers, a third under; truth.json says which."))
    var plantedSegments: Int?

    func validate() throws {
        if let k = plantedSegments, !(1...40).contains(k) {
            throw ValidationError("--planted-segments must be from 1 to 40, not \(k)")
        }
        guard populationRows >= 1 else { throw ValidationError("--population-rows must be at least 1 (a run needs a population), not \(populationRows)") }
        guard customerRows >= 1 else { throw ValidationError("--customer-rows must be at least 1, not \(customerRows)") }
        guard mailoutTrainRows >= 0, mailoutTestRows >= 0 else { throw ValidationError("--mailout-train-rows and --mailout-test-rows must not be negative") }
        try checkThreads(threads)
    }

    func run() throws {
        // All or nothing: the files are written into a staging folder beside the output, which then
        // replaces it in one step (as `run` does); a failure or an interrupt leaves the old folder.
        Interrupts.install(what: "data")
        // Every command that writes has one rule: what is there is replaced only with --force.
        let truthPath = (output as NSString).appendingPathComponent("truth.json")
        if FileManager.default.fileExists(atPath: truthPath) && !force {
            throw OutputError(file: output, message: "holds generated data (truth.json)", remedy: .allowReplacing)
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let segments = plantedSegments.map { LatentModel.planted(count: $0, seed: seed) } ?? LatentModel.segments
        let truth = try StagedFolder.replace(output) { folder -> SyntheticTruth in
            switch layout {
            case .subset:
                return try SyntheticGenerator(populationRows: populationRows, customerRows: customerRows,
                                              seed: seed, threads: threads, segments: segments).write(to: folder.staging)
            case .full:
                return try FullLayoutGenerator(populationRows: populationRows, customerRows: customerRows,
                                               mailoutTrainRows: mailoutTrainRows, mailoutTestRows: mailoutTestRows,
                                               seed: seed, threads: threads, segments: segments).write(to: folder.staging)
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("wrote \(populationRows) population and \(customerRows) customer rows" +
              (layout == .full ? ", \(mailoutTrainRows) + \(mailoutTestRows) mail-out rows and the DIAS spreadsheets" : "") +
              " to \(output)/ in \(String(format: "%.1f", seconds)) s")
        print(String(format: "high-missing block: %.1f%% of the population, %.1f%% of customers",
                     truth.highMissingPopulationShare * 100, truth.highMissingCustomerShare * 100))
        for s in truth.segments {
            print(String(format: "  segment %d  %5.1f%% -> %5.1f%%  ratio %.2f  %@  (%@)", s.id, s.populationShare * 100,
                         s.customerShare * 100, s.ratio, s.representation.padding(toLength: 7, withPad: " ", startingAt: 0), s.label))
        }
    }
}
