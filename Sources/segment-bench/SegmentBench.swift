import ArgumentParser
import SegmentBLAS

/// `segment-bench`: the benchmarks behind `make bench`, kept out of the shipped `segment` binary.
/// The probes are run by the benchmarks as child processes, so a peak-memory figure belongs to one
/// step alone.
@main
struct SegmentBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment-bench",
        abstract: "The side-by-side benchmarks of segment (make bench).",
        subcommands: [Bench.self, ProbeLoad.self, ProbeClean.self, ProbeLogistic.self],
        defaultSubcommand: Bench.self
    )

    static func main() {
        OpenBLASCoreChoice.selectBetterCoreIfNeeded()
        OpenBLASRuntime.start()
        main(nil)
    }
}
