import ArgumentParser
import Foundation
@_spi(Benchmarks) import SegmentCore
import SegmentData
@_spi(Benchmarks) import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// `segment-bench probe-load`: loads files in a fresh process and reports time and peak memory as JSON.
/// The benchmark runs it as a child process so the peak-memory figure belongs to loading alone.
struct ProbeLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe-load",
        abstract: "Load files and print time and peak memory as JSON (used by the benchmark)."
    )

    @Argument(help: "Files to load with the embedded AZDIAS schema.")
    var files: [String] = []

    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    @Option(name: .long, help: "Instead of loading, time faulting in a fresh matrix of this many rows (the floor).")
    var faultRows: Int?

    func run() throws {
        let loader = CSVLoader(schema: .azdias, threads: threads)
        if let rows = faultRows {
            let seconds = PageFaults.timeFreshMatrix(rows: rows, columns: loader.schema.count,
                                                     rowsPerBlock: loader.segmentRows, threads: threads)
            print("{\"seconds\":\(seconds)}")
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var bytes = 0, cells = 0
        var tables: [RawTable] = []
        for f in files {
            let t = try loader.load(path: f)
            bytes += t.bytes
            cells += t.values.count
            tables.append(t)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let out: [String: Double] = [
            "seconds": seconds, "bytes": Double(bytes), "matrixBytes": Double(cells * 8),
            "peakRSS": Double(ProcessInfoCompat.peakResidentBytes ?? 0),
        ]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        withExtendedLifetime(tables) {}
    }
}

/// `segment-bench probe-clean`: loads the population and customers (not timed), then times the cleaning
/// (fit on the population, apply to both) and prints JSON.
struct ProbeClean: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe-clean",
        abstract: "Time the cleaning of a population and a customer file (used by the benchmark)."
    )

    @Argument(help: "The population and customer files.")
    var files: [String]

    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    func run() throws {
        let loader = CSVLoader(schema: .azdias, threads: threads)
        let population = try loader.load(path: files[0])
        let customers = try loader.load(path: files[1])
        let start = DispatchTime.now().uptimeNanoseconds
        let (recipe, _) = try CleaningRecipe.fitWithoutAssessment(population, threads: threads)
        let a = try recipe.apply(population, threads: threads)
        let b = try recipe.apply(customers, threads: threads)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let out: [String: Double] = ["seconds": seconds, "rows": Double(a.lowRows.count + b.lowRows.count),
                                     "features": Double(recipe.features.count)]
        print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self))
    }
}
