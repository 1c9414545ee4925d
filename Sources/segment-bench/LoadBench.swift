import Foundation
@_spi(Benchmarks) import SegmentCore
import SegmentData
@_spi(Benchmarks) import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// The load stage: both files loaded by `segment` (in a child process, so its peak memory is the
/// loader's own) and by `pandas.read_csv(sep=';')`, interleaved run by run.
struct LoadBench {
    let dataDirectory: String
    let python: String?
    let threads: Int
    let repeats: Int

    var files: [String] {
        [SyntheticGenerator.FileName.population, SyntheticGenerator.FileName.customers]
            .map { (dataDirectory as NSString).appendingPathComponent($0) }
    }

    func run(into report: inout BenchReport) throws {
        for f in files where !FileManager.default.fileExists(atPath: f) {
            throw BenchError("no \(f): generate the data first (make data)")
        }
        // Each side runs in blocks (one warm-up, then `repeats` timed runs, best kept), both in this
        // one bench run. Not interleaved run by run: on this VM the first process to touch memory
        // that another process just freed pays for it again, which would charge one side for the
        // other's memory.
        var ours: [[String: Double]] = [], theirs: [[String: Double]] = []
        let script = pandasScript()
        for round in 0...repeats {
            let r = try runJSON(selfExecutable(), ["probe-load", "--threads", String(threads)] + files)
            if round > 0 { ours.append(r) }
        }
        if let python, let script {
            for round in 0...repeats {
                let r = try runJSON(python, [script] + files)
                if round > 0 { theirs.append(r) }
            }
        }
        let best = ours.min { $0["seconds"]! < $1["seconds"]! }!
        let bytes = best["bytes"]!, matrix = best["matrixBytes"]!
        // The floor under any loader that produces this table: the kernel faulting in (zeroing
        // and mapping) fresh memory of the same size, the same way, in the same kind of process.
        let columns = FeatureSchema.azdias.count
        let rows = Int(matrix / 8) / columns
        var floors: [Double] = []
        for round in 0...repeats {
            let r = try runJSON(selfExecutable(), ["probe-load", "--threads", String(threads), "--fault-rows", String(rows)])
            if round > 0 { floors.append(r["seconds"]!) }
        }
        let floor = floors.min()!
        report.add(BenchRecord(stage: "load", name: "load population + customers", variant: "segment",
                               seconds: best["seconds"]!, gflops: nil, ratioToReference: nil, reference: nil,
                               note: String(format: "%.0f MB/s of input (target >= 400); peak memory %.0f MB = %.2fx the loaded compact table (%.0f MB)",
                                            bytes / best["seconds"]! / 1e6, best["peakRSS"]! / 1e6,
                                            best["peakRSS"]! / matrix, matrix / 1e6)))
        report.add(BenchRecord(stage: "load", name: "load population + customers", variant: "page-fault floor",
                               seconds: floor, gflops: nil, ratioToReference: floor / best["seconds"]!, reference: "segment (share of its time)",
                               note: String(format: "faulting in fresh memory the size of the compact table (%d x %d doubles, %.0f MB); segment spends %.0f ms above it",
                                            rows, columns, matrix / 1e6, (best["seconds"]! - floor) * 1e3)))
        if let pbest = theirs.min(by: { $0["seconds"]! < $1["seconds"]! }) {
            report.add(BenchRecord(stage: "load", name: "load population + customers", variant: "pandas.read_csv",
                                   seconds: pbest["seconds"]!, gflops: nil,
                                   ratioToReference: pbest["seconds"]! / best["seconds"]!, reference: "segment (speed-up; target >= 6)",
                                   note: String(format: "peak memory %.0f MB; the 6x target leaves %.0f ms, of which the floor takes %.0f",
                                                pbest["peakRSS"]! / 1e6, pbest["seconds"]! / 6 * 1e3, floor * 1e3)))
        } else {
            report.add(BenchRecord(stage: "load", name: "load population + customers", variant: "pandas.read_csv",
                                   seconds: .nan, gflops: nil, ratioToReference: nil, reference: nil,
                                   note: "skipped: no python with pandas (pass --python, or run make bench)"))
        }
    }

    /// The pandas script shipped in bench/, found next to the working directory or the executable.
    private func pandasScript() -> String? {
        let candidates = ["bench/pandas_load.py",
                          URL(fileURLWithPath: selfExecutable()).deletingLastPathComponent()
                              .appendingPathComponent("../../../bench/pandas_load.py").standardized.path]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func selfExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

/// Runs a program and decodes the last line of its standard output as a JSON object of numbers.
func runJSON(_ program: String, _ arguments: [String]) throws -> [String: Double] {
    try runJSONAny(program, arguments).compactMapValues { ($0 as? NSNumber)?.doubleValue }
}

/// The clean stage: steps 1-5 of the cleaning on both files (loading not timed), by `segment` and by
/// the equivalent pandas steps (bench/pandas_clean.py), each in a child process, best of the runs.
struct CleanBench {
    let dataDirectory: String
    let python: String?
    let threads: Int
    let repeats: Int

    func run(into report: inout BenchReport) throws {
        let dir = dataDirectory as NSString
        let pop = dir.appendingPathComponent(SyntheticGenerator.FileName.population)
        let cus = dir.appendingPathComponent(SyntheticGenerator.FileName.customers)
        let summary = dir.appendingPathComponent(SyntheticGenerator.FileName.features)
        var ours: [Double] = [], theirs: [Double] = []
        var features = 0.0
        for round in 0...repeats {
            let r = try runJSON(selfExecutable(), ["probe-clean", "--threads", String(threads), pop, cus])
            if round > 0 { ours.append(r["seconds"]!) }
            features = r["features"] ?? 0
        }
        let script = ["bench/pandas_clean.py"].first { FileManager.default.fileExists(atPath: $0) }
        if let python, let script {
            for _ in 0..<max(1, repeats / 2) {
                theirs.append(try runJSON(python, [script, pop, cus, summary])["seconds"]!)
            }
        }
        let best = ours.min()!
        report.add(BenchRecord(stage: "clean", name: "clean population + customers", variant: "segment",
                               seconds: best, gflops: nil, ratioToReference: nil, reference: nil,
                               note: "fit on the population, applied to both; \(Int(features)) output features"))
        if let p = theirs.min() {
            report.add(BenchRecord(stage: "clean", name: "clean population + customers", variant: "pandas",
                                   seconds: p, gflops: nil, ratioToReference: p / best,
                                   reference: "segment (speed-up; target >= 10)", note: nil))
        }
    }
}
