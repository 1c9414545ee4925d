import ArgumentParser
import SegmentBLAS
import SegmentCore
import SegmentReports

@main
struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Find customer segments by clustering a general population and comparing where customers fall.",
        version: "segment \(RunSummary.toolVersion)",
        subcommands: [Run.self, Describe.self, Fit.self, Score.self, Train.self, Predict.self, Generate.self, Check.self]
    )

    static func main() {
        CrashHandling.install()
        OpenBLASCoreChoice.selectBetterCoreIfNeeded()
        OpenBLASRuntime.start()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: AdvisedError.wording(error))
        }
    }
}
