import ArgumentParser
import SegmentBLAS

@main
struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Find customer segments by clustering a general population and comparing where customers fall.",
        subcommands: [Run.self, Describe.self, Fit.self, Score.self, Generate.self, Check.self, Bench.self, ProbeLoad.self, ProbeClean.self]
    )

    static func main() {
        OpenBLASBackend.stopIdleThreadPool()
        main(nil)
    }
}
