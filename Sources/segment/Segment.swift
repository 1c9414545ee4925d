import ArgumentParser
import SegmentBLAS
import SegmentCore
import SegmentMPI
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
            if MPIWorld.launched() && !(command is Run) {
                throw ValidationError("only `segment run` runs under mpirun; start the other commands on their own")
            }
            try command.run()
        } catch {
            Processes.fail(AdvisedError.wording(error), command: Segment.self)
        }
    }
}
