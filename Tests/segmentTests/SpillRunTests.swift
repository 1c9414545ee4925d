import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentReports

/// `segment run --memory-limit`: the codes and the projected population in spill files, the outputs
/// unchanged.
@Suite("run --memory-limit: the codes and the projected rows spilled to files", .serialized)
struct SpillRunTests {
    static let base = processTemporaryFolder("segment-spill")

    func runInfo(_ folder: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/run_info.json"))) as? [String: Any])
    }

    @Test("a limit that forces the spill writes every output of the in-memory run, byte for byte, and leaves nothing in the spill folder")
    func sameBytes() throws {
        let data = Self.base + "/data", spill = Self.base + "/spill"
        // 40,000 rows: three k-means chunks, the last one short.
        let gen = try runBinary(["generate", "-o", data, "--population-rows", "40000", "--customer-rows", "8000", "--seed", "11"])
        #expect(gen.status == 0, "\(gen.stderr)")
        try FileManager.default.createDirectory(atPath: spill, withIntermediateDirectories: true)
        let args = ["run", "--population", data + "/azdias.csv", "--customers", data + "/customers.csv", "--quiet"]
        let memory = try runBinary(args + ["-o", Self.base + "/memory"])
        #expect(memory.status == 0, "\(memory.stderr)")
        // 1 MB: the projected rows (~36,000 x 30 x 8 bytes, 8.6 MB) are far above a quarter of it.
        let spilled = try runBinary(args + ["-o", Self.base + "/spilled", "--memory-limit", "1M", "--spill-directory", spill])
        #expect(spilled.status == 0, "\(spilled.stderr)")
        // The same lines, and a note that 1 MB was not kept to (the run holds its per-row results).
        let note = spilled.stdout.split(separator: "\n").first { $0.hasPrefix("note: the run's peak memory") }
        #expect(note?.contains("went over --memory-limit (1 MiB)") == true, "\(spilled.stdout)")
        #expect(spilled.stdout.split(separator: "\n").filter { !$0.hasPrefix("note: the run's peak memory") }
                == memory.stdout.replacingOccurrences(of: Self.base + "/memory", with: Self.base + "/spilled").split(separator: "\n"))
        for f in RunOutputs.files where f != "run_info.json" {
            let a = try Data(contentsOf: URL(fileURLWithPath: Self.base + "/memory/" + f))
            let b = try Data(contentsOf: URL(fileURLWithPath: Self.base + "/spilled/" + f))
            #expect(a == b, "\(f) differs")
        }
        // The spill happened, and only under the limit: the projected rows (rows x 30 components x
        // 8 bytes) and both files' codes (at least a byte for each of 85 cells a row).
        let bytes = try #require(try runInfo(Self.base + "/spilled")["spilledBytes"] as? Int)
        #expect(bytes > 30_000 * 30 * 8 + 48_000 * 85, "\(bytes)")
        #expect(try runInfo(Self.base + "/memory")["spilledBytes"] == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spill).isEmpty)
        // A limit the projected rows fit in: no spill.
        let roomy = try runBinary(args + ["-o", Self.base + "/roomy", "--memory-limit", "8G"])
        #expect(roomy.status == 0, "\(roomy.stderr)")
        #expect(try runInfo(Self.base + "/roomy")["spilledBytes"] == nil)
        #expect(!roomy.stdout.contains("note: the run's peak memory"))
    }

    @Test("a bad --memory-limit, a missing --spill-directory, or --export-matrices with a limit: exit 64 naming the flag",
          arguments: [(["--memory-limit", "lots"], "--memory-limit"), (["--memory-limit", "0"], "--memory-limit"),
                      (["--memory-limit", "-2G"], "--memory-limit"),
                      (["--memory-limit", "1G", "--spill-directory", "/no/such/folder"], "--spill-directory"),
                      (["--memory-limit", "1G", "--export-matrices"], "--memory-limit")])
    func badFlags(extra: [String], flag: String) throws {
        let out = Self.base + "/bad"
        let r = try runBinary(["run", "--population", "p.csv", "--customers", "c.csv", "-o", out] + extra)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(flag), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
