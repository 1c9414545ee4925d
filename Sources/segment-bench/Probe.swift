import ArgumentParser
import Foundation
@_spi(Benchmarks) import SegmentCore
import SegmentData
@_spi(Benchmarks) import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic
import SegmentBLAS

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
        var bytes = 0, cells = 0     // cells: bytes of the compact tables
        var tables: [RawTable] = []
        for f in files {
            let t = try loader.load(path: f)
            bytes += t.bytes
            cells += t.codes.byteCount
            tables.append(t)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let out: [String: Double] = [
            "seconds": seconds, "bytes": Double(bytes), "matrixBytes": Double(cells),
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

/// `segment-bench probe-logistic`: the response model's logistic regression alone, on the feature
/// matrix and labels `segment train --export-features` wrote: the time of each part (row copy,
/// median imputation and scaling, Newton solve) as JSON, to compare with scikit-learn's fit on the
/// same matrix (bench/response.py).
struct ProbeLogistic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe-logistic",
        abstract: "Time the response model's logistic regression on an exported feature matrix (JSON)."
    )

    @Option(name: .long, help: "The folder segment train --export-features wrote.")
    var folder: String

    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfoCompat.activeProcessorCount

    @Option(name: .long, help: "Repeats (the median is reported).")
    var repeats: Int = 3

    func run() throws {
        let x = try NPY.readMatrix(path: folder + "/response_features.npy")
        let folds = try String(contentsOfFile: folder + "/response_folds.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.hasPrefix("1") }
        let labels = Array(folds)
        precondition(labels.count == x.rows, "labels \(labels.count) for \(x.rows) rows")
        let backend = makeBackend(.openblas, threads: threads)
        var parts: [String: [Double]] = [:]
        var iterations = 0
        for _ in 0..<repeats {
            var t = DispatchTime.now().uptimeNanoseconds
            func lap(_ name: String) {
                let now = DispatchTime.now().uptimeNanoseconds
                parts[name, default: []].append(Double(now - t) / 1e9)
                t = now
            }
            var m = x.rows(at: Array(0..<x.rows))
            lap("copy")
            _ = StandardScaler().fitTransform(&m, imputing: Imputer(strategy: .median), threads: threads)
            lap("imputeScale")
            let pos = labels.indices.filter { labels[$0] }, neg = labels.indices.filter { !labels[$0] }
            let (mn, mp) = (m.rows(at: neg), m.rows(at: pos))
            lap("split")
            let model = try LogisticRegression(l2: 1, threads: threads).fit(negatives: mn, positives: mp, backend: backend)
            lap("newton")
            iterations = model.iterations
        }
        var out = parts.mapValues { $0.sorted()[$0.count / 2] }
        out["iterations"] = Double(iterations)
        out["total"] = ["copy", "imputeScale", "split", "newton"].map { out[$0] ?? 0 }.reduce(0, +)
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// The little of the .npy format the probes read back: a little-endian float64, C-order 2-d array.
enum NPY {
    static func readMatrix(path: String) throws -> Matrix {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        guard bytes.count > 10, bytes[0] == 0x93, bytes[1...5].elementsEqual("NUMPY".utf8) else {
            throw ValidationError("\(path): not a .npy file")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let start = major == 1 ? 10 : 12
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard header.contains("'<f8'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw ValidationError("\(path): only C-order float64 matrices are read")
        }
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 2 else { throw ValidationError("\(path): not a 2-d array") }
        let offset = start + headerLength
        let values = bytes[offset...].withUnsafeBytes { raw in
            (0..<(dims[0] * dims[1])).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
        return Matrix(rows: dims[0], columns: dims[1], elements: values)
    }
}
