import Foundation
import SegmentBLAS
@_spi(Benchmarks) import SegmentCore
import SegmentData
@_spi(Benchmarks) import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// One measured line of a benchmark.
struct BenchRecord: Codable {
    var stage: String
    var name: String
    var variant: String
    var seconds: Double
    var gflops: Double?
    /// This variant's time over the reference variant's time, measured in the same run.
    var ratioToReference: Double?
    var reference: String?
    var note: String?
}

struct BenchReport {
    let threads: Int
    var records: [BenchRecord] = []

    init(threads: Int) { self.threads = threads }

    mutating func add(_ r: BenchRecord) { records.append(r) }

    func printTable() {
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            s.count >= n ? s : (right ? String(repeating: " ", count: n - s.count) + s : s + String(repeating: " ", count: n - s.count))
        }
        print(pad("stage", 7) + pad("benchmark", 34) + pad("variant", 18) + pad("time", 11, right: true)
              + pad("GFLOP/s", 9, right: true) + pad("ratio", 9, right: true) + "  vs")
        print(String(repeating: "-", count: 112))
        for r in records {
            let t = r.seconds.isNaN ? "-" : (r.seconds >= 1 ? String(format: "%.3f s", r.seconds) : String(format: "%.2f ms", r.seconds * 1000))
            let g = r.gflops.map { String(format: "%.2f", $0) } ?? ""
            let ratio = r.ratioToReference.map { String(format: "%.2fx", $0) } ?? ""
            print(pad(r.stage, 7) + pad(r.name, 34) + pad(r.variant, 18) + pad(t, 11, right: true)
                  + pad(g, 9, right: true) + pad(ratio, 9, right: true) + "  " + (r.reference ?? ""))
            if let note = r.note { print("       " + note) }
        }
    }

    /// Appends one JSON object per record, each carrying the machine facts, to `path`.
    func append(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let facts = MachineFacts.current(threads: threads)
        let encoder = SegmentJSON.encoder(pretty: false)
        var lines = Data()
        for r in records {
            var line = try encoder.encode(Line(machine: facts, result: r))
            line.append(0x0A)
            lines.append(line)
        }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: lines)
    }

    private struct Line: Codable {
        var machine: MachineFacts
        var result: BenchRecord
    }
}

struct MachineFacts: Codable {
    var date: String
    var commit: String
    var cpu: String
    var cores: Int
    var threads: Int
    var openblasCore: String
    var openblasConfig: String

    static func current(threads: Int) -> MachineFacts {
        let iso = ISO8601DateFormatter().string(from: Date())
        return MachineFacts(date: iso, commit: gitCommit(), cpu: cpuModel(),
                            cores: ProcessInfoCompat.activeProcessorCount, threads: threads,
                            openblasCore: OpenBLASBackend.coreName, openblasConfig: OpenBLASBackend.config)
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }

    static func gitCommit() -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "--short", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return "unknown" }
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !out.isEmpty ? out : "unknown"
    }
}

/// Best-of-`repeats` timing of several variants, interleaved round by round so a burst of load on
/// this shared machine hits every variant alike.
func timeInterleaved(repeats: Int, warmup: Bool = true, _ variants: [(String, () throws -> Void)]) throws -> [String: Double] {
    var best = [String: Double]()
    for (name, body) in variants { if warmup { try body() }; best[name] = .infinity }
    for _ in 0..<repeats {
        for (name, body) in variants {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best[name] = min(best[name]!, s)
        }
    }
    return best
}
