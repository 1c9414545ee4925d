import ArgumentParser
import Foundation
import SegmentBLAS
@_spi(Benchmarks) import SegmentCore
import SegmentData
@_spi(Benchmarks) import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// `segment-bench run` (the default): the benchmarks behind `make bench`, each measured side by side in one run and
/// reported as ratios, then appended with machine facts to a JSON-lines file.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the benchmarks side by side and append the results to a JSON-lines file.",
        discussion: """
        Stages: 'linalg' (GEMM 891,221x85 · (20x85)ᵀ, SYRK of 891,221x85, eigen-decomposition of \
        85x85 and 300x300 on both backends and as direct OpenBLAS calls); 'load' (both data files \
        by segment and by pandas.read_csv, with throughput and peak memory); 'clean' (cleaning steps 1-5 \
        by segment and by the equivalent pandas steps); 'models' (impute + scale, PCA, a Lloyd iteration \
        at k = 10 and 20, the k sweep, on both backends and in scikit-learn).
        Times are the best of --repeat runs, interleaved so both sides see the same machine load.
        """
    )

    @Option(name: .long, help: "Rows of the tall matrices (default: the AZDIAS population size).")
    var rows: Int = 891_221

    @Option(name: .long, help: "Threads for both backends.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    @Option(name: .long, help: "Timed runs per measurement; the best is reported.")
    var `repeat`: Int = 5

    @Option(name: .long, help: "JSON-lines file the results are appended to.")
    var results: String = "bench/results.jsonl"

    @Option(name: .long, parsing: .upToNextOption, help: "Stages to run (linalg, load, clean, models).")
    var stages: [String] = ["linalg", "load", "clean", "models"]

    @Option(name: .long, help: "Folder with azdias.csv and customers.csv (make data writes them).")
    var data: String = "data"

    @Option(name: .long, help: "Largest k of the benchmarked k sweep.")
    var sweepMax: Int = 20

    @Option(name: .long, help: "A python with pandas (and scikit-learn) for the side-by-side figures.")
    var python: String?

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard sweepMax >= 2 else { throw ValidationError("--sweep-max must be at least 2") }
        for s in stages where !Self.knownStages.contains(s) {
            throw ValidationError("unknown stage '\(s)' for --stages (known: \(Self.knownStages.joined(separator: ", ")))")
        }
    }

    static let knownStages = ["linalg", "load", "clean", "models"]

    func run() throws {
        var report = BenchReport(threads: threads)
        if stages.contains("load") {
            try LoadBench(dataDirectory: data, python: python, threads: threads, repeats: `repeat`).run(into: &report)
        }
        if stages.contains("models") {
            try ModelBench(dataDirectory: data, python: python, threads: threads, repeats: `repeat`, sweepMax: sweepMax).run(into: &report)
        }
        if stages.contains("clean") {
            try CleanBench(dataDirectory: data, python: python, threads: threads, repeats: `repeat`).run(into: &report)
        }
        if stages.contains("linalg") {
            try LinalgBench(rows: rows, threads: threads, repeats: `repeat`).run(into: &report)
        }
        report.printTable()
        try report.append(to: results)
        print("results appended to \(results)")
    }
}
