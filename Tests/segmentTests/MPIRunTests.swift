import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentReports

/// `mpirun -np N segment run`: Open MPI's launcher (openmpi-bin, installed by `make deps`) starting
/// the built binary N times on this machine.
@Suite("mpirun: the run spread over processes", .serialized)
struct MPIRunTests {
    static let base = processTemporaryFolder("segment-mpi")

    /// The launcher, run as this user may (root needs Open MPI's consent) and with more processes
    /// than cores allowed.
    func mpirun(_ processes: Int, _ args: [String], environment: [String: String] = [:]) throws -> Outcome {
        try mpirun(["-np", String(processes), "--oversubscribe", segmentBinary()] + args, environment: environment)
    }

    /// Each rank with its own arguments (MPI's `prog1 args : prog2 args`), one process each.
    func mpirun(ranks: [[String]]) throws -> Outcome {
        try mpirun(["--oversubscribe"] + ranks.enumerated().flatMap { i, args in (i > 0 ? [":"] : []) + ["-np", "1", segmentBinary()] + args })
    }

    func mpirun(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Outcome {
        let launcher = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
        var environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        return try runBinary(path: try #require(launcher, "no mpirun: `make deps` installs openmpi-bin"), arguments,
                             environment: environment)
    }

    @Test("mpirun -np 2 and -np 3 write every output of the single-process run, byte for byte")
    func sameBytes() throws {
        let data = Self.base + "/data"
        // 60,000 rows: four k-means chunks, split 2/2 and 1/1/2.
        let gen = try runBinary(["generate", "-o", data, "--population-rows", "60000", "--customer-rows", "12000", "--seed", "5"])
        #expect(gen.status == 0, "\(gen.stderr)")
        let args = ["run", "--population", data + "/azdias.csv", "--customers", data + "/customers.csv", "--quiet"]
        let single = try runBinary(args + ["-o", Self.base + "/one"])
        #expect(single.status == 0, "\(single.stderr)")
        // run_info.json holds the timings and the date: every other file must be the same bytes.
        let compared = RunOutputs.files.filter { $0 != "run_info.json" }
        #expect(compared.contains("summary.json") && compared.contains("population_assignments.csv"))
        // Each rank parses its own byte range of each file, in 1 MiB chunks (8 MiB would leave the
        // 15 MB population file two): 16 and 3 chunks, shared out.
        // The third: three ranks, each spilling its codes and projected rows (--memory-limit), and
        // every gather cut into rounds of at most 256 bytes (as a gather over 1 GB is).
        for (n, limited) in [(2, false), (3, false), (3, true)] {
            let out = Self.base + "/np\(n)" + (limited ? "-limited" : "")
            let spread = try mpirun(n, args + ["-o", out] + (limited ? ["--memory-limit", "1M"] : []),
                                    environment: ["SEGMENT_CSV_CHUNK_BYTES": "1048576"].merging(limited ? ["SEGMENT_MPI_ROUND_BYTES": "256"] : [:]) { a, _ in a })
            #expect(spread.status == 0, "np \(n): \(spread.stderr)")
            #expect(spread.stdout.split(separator: "\n").filter { !$0.hasPrefix("note: the run's peak memory") }
                        == single.stdout.replacingOccurrences(of: Self.base + "/one", with: out).split(separator: "\n"),
                    "np \(n): rank 0 alone prints")
            for f in compared {
                let a = try Data(contentsOf: URL(fileURLWithPath: Self.base + "/one/" + f))
                let b = try Data(contentsOf: URL(fileURLWithPath: out + "/" + f))
                #expect(a == b, "np \(n): \(f) differs")
            }
            let info = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/run_info.json"))) as? [String: Any]
            #expect(info?["processes"] as? Int == n)
            // Every k-means step gathers the chunk sums: many gathers, and more bytes than one fit's labels.
            let communication = info?["communication"] as? [String: Any]
            #expect((communication?["gathers"] as? Int ?? 0) > 20 && (communication?["bytesGathered"] as? Int ?? 0) > 4 * 60_000,
                    "\(String(describing: communication))")
            // Told apart by purpose, adding up to the totals: one setup gather (the settings and
            // fingerprints), the input rows (each file's counts, errors, text codes and compact
            // chunks: the customers' codes, at least a byte a cell, and the population rows a
            // rank's passes reach beyond its own), the statistics (the cleaning's six gathers of
            // counts, then the row-block passes' partials and Gram matrices), the k-means++ seedings (the first row, then per step a
            // running total from each rank, the draws and the potentials), one per k-means step,
            // a few per fit for its results, the projected rows (each rank projects and keeps its
            // own: only the k sweep's sample of them, here every row, over 40,000 low-missing rows
            // of at least 10 components, goes to every rank), the likeness model (a gather per
            // Newton step, then every row's decision to rank 0, and the folds' sample), and the map
            // (each component's quantiles in 64 rounds of counts, then the cells' counts).
            let parts = communication?["byPurpose"] as? [String: [String: Any]] ?? [:]
            #expect(Set(parts.keys) == ["setup", "input rows", "statistics and Gram", "k-means seeding", "k-means steps",
                                        "fit results", "projected rows", "customer likeness", "map"],
                    "\(parts)")
            #expect((parts["projected rows"]?["bytesGathered"] as? Int ?? 0) >= 40_000 * 10 * 8 * (n - 1) / n, "\(parts)")
            #expect((parts["customer likeness"]?["gathers"] as? Int ?? 0) >= 4, "\(parts)")
            #expect((parts["customer likeness"]?["bytesGathered"] as? Int ?? 0) >= 40_000 * 8 * (n - 1) / n, "\(parts)")
            #expect(parts["map"]?["gathers"] as? Int == 2 * 64 + 1, "\(parts)")
            #expect((parts["k-means seeding"]?["gathers"] as? Int ?? 0) >= 1 + (n + 2), "\(parts)")
            // (The last: the k-means tolerance's variance, each rank's own rows' per-block sums.)
            #expect(parts["statistics and Gram"]?["gathers"] as? Int == 6 + 5 + 1)
            #expect(parts["setup"]?["gathers"] as? Int == 1)
            #expect((parts["input rows"]?["gathers"] as? Int ?? 0) >= 8)
            #expect((parts["input rows"]?["bytesGathered"] as? Int ?? 0) >= 12_000 * 85 * (n - 1) / n)
            #expect((parts["k-means steps"]?["gathers"] as? Int ?? 0) > 10)
            for key in ["gathers", "bytesGathered"] {
                #expect(parts.values.reduce(0) { $0 + ($1[key] as? Int ?? 0) } == communication?[key] as? Int, "\(key)")
            }
        }
        // Lloyd's iterations read every row in every process: each projects every row, and nothing
        // of the projection is sent.
        let lloyd = args + ["--kmeans-algorithm", "lloyd"]
        let singleLloyd = try runBinary(lloyd + ["-o", Self.base + "/one-lloyd"])
        #expect(singleLloyd.status == 0, "\(singleLloyd.stderr)")
        let spreadLloyd = try mpirun(2, lloyd + ["-o", Self.base + "/np2-lloyd"], environment: ["SEGMENT_CSV_CHUNK_BYTES": "1048576"])
        #expect(spreadLloyd.status == 0, "\(spreadLloyd.stderr)")
        for f in compared {
            #expect(FileManager.default.contents(atPath: Self.base + "/one-lloyd/" + f) == FileManager.default.contents(atPath: Self.base + "/np2-lloyd/" + f),
                    "lloyd, np 2: \(f) differs")
        }
        let info = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.base + "/np2-lloyd/run_info.json"))) as? [String: Any]
        let purposes = ((info?["communication"] as? [String: Any])?["byPurpose"] as? [String: Any])?.keys.sorted() ?? []
        #expect(purposes.contains("input rows") && !purposes.contains("projected rows"), "\(purposes)")
    }

    @Test("every rank must read the same data with the same flags: a copy elsewhere is fine, another file or another flag is a clear error")
    func sameInputsOnEveryRank() throws {
        let data = Self.base + "/small", other = Self.base + "/other", copy = Self.base + "/copy"
        for (folder, seed) in [(data, "7"), (other, "8")] {
            let gen = try runBinary(["generate", "-o", folder, "--population-rows", "20000", "--customer-rows", "4000", "--seed", seed])
            #expect(gen.status == 0, "\(gen.stderr)")
        }
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: data, toPath: copy)
        func run(_ folder: String, _ out: String, _ extra: [String] = []) -> [String] {
            ["run", "--population", folder + "/azdias.csv", "--customers", folder + "/customers.csv", "-o", out, "--quiet"] + extra
        }
        // Each machine's own copy: the same bytes at another path.
        let single = try runBinary(run(data, Self.base + "/small-one"))
        #expect(single.status == 0, "\(single.stderr)")
        let copies = try mpirun(ranks: [run(data, Self.base + "/small-np2"), run(copy, Self.base + "/small-np2")])
        #expect(copies.status == 0, "\(copies.stderr)")
        for f in ["summary.json", "population_assignments.csv"] {
            #expect(FileManager.default.contents(atPath: Self.base + "/small-one/" + f) == FileManager.default.contents(atPath: Self.base + "/small-np2/" + f), "\(f)")
        }
        // Another population file on rank 1.
        let mixed = try mpirun(ranks: [run(data, Self.base + "/mixed"), run(other, Self.base + "/mixed")])
        #expect(mixed.status != 0)
        #expect(mixed.stderr.contains("rank 1 of 2 reads another population file than rank 0 (\(other)/azdias.csv"), "\(mixed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: Self.base + "/mixed"))
        // Another flag on rank 1.
        let flags = try mpirun(ranks: [run(data, Self.base + "/flags"), run(data, Self.base + "/flags", ["--k", "4"])])
        #expect(flags.status != 0)
        #expect(flags.stderr.contains("rank 1 of 2 was given other settings than rank 0"), "\(flags.stderr)")
        #expect(!FileManager.default.fileExists(atPath: Self.base + "/flags"))
        // Rank 1's copy missing: rank 1 alone fails, says so with its rank, and ends the run;
        // rank 0 says why it stopped.
        let missing = try mpirun(ranks: [run(data, Self.base + "/missing"), run(Self.base + "/absent", Self.base + "/missing")])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("rank 1 of 2: Error: \(Self.base)/absent/azdias.csv: cannot open the file"),
                "\(missing.stderr)")
        #expect(missing.stderr.contains("another process of the run failed"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: Self.base + "/missing"))
    }

    @Test("a failing run under mpirun: every rank stops, the error names the file, the exit is not 0, nothing is written")
    func failureStopsEveryRank() throws {
        let out = Self.base + "/failed"
        let r = try mpirun(2, ["run", "--population", Self.base + "/absent.csv", "--customers", Self.base + "/absent.csv",
                               "-o", out, "--quiet"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("absent.csv: cannot open the file"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("a bad cell in the last rank's byte range: every rank stops with the single run's message, nothing is written")
    func badCellLate() throws {
        let data = Self.base + "/bad"
        let gen = try runBinary(["generate", "-o", data, "--population-rows", "20000", "--customer-rows", "4000", "--seed", "9"])
        #expect(gen.status == 0, "\(gen.stderr)")
        // Row 19,990's third field becomes text: in the last of the ranks' ranges.
        let path = data + "/azdias.csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var fields = lines[19_991].split(separator: ";", omittingEmptySubsequences: false)
        fields[2] = "oops"
        lines[19_991] = fields.joined(separator: ";")[...]
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let args = ["run", "--population", path, "--customers", data + "/customers.csv", "--quiet"]
        let single = try runBinary(args + ["-o", Self.base + "/bad-one"])
        #expect(single.status != 0)
        let message = try #require(single.stderr.split(separator: "\n").first { $0.contains("azdias.csv:19992") }, "\(single.stderr)")
        for n in [2, 3] {
            let out = Self.base + "/bad-np\(n)"
            let r = try mpirun(n, args + ["-o", out], environment: ["SEGMENT_CSV_CHUNK_BYTES": "65536"])
            #expect(r.status == single.status, "np \(n)")
            #expect(r.stderr.contains(message), "np \(n): \(r.stderr)")
            // Every rank meets the error; rank 0 alone says it, as the single run does, and the
            // stop that ends the others is not reported as an interruption.
            #expect(r.stderr.components(separatedBy: "azdias.csv:19992").count == 2, "np \(n): said once: \(r.stderr)")
            #expect(!r.stderr.contains(" of \(n): "), "np \(n): no rank prefix: \(r.stderr)")
            #expect(!r.stderr.contains("interrupted") && !r.stderr.contains("stopped"), "np \(n): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        #expect(!FileManager.default.fileExists(atPath: Self.base + "/bad-one"))
    }

    @Test("the other commands refuse to run under mpirun, before touching anything, and a usage error is said once")
    func onlyRun() throws {
        let out = Self.base + "/generated"
        let r = try mpirun(2, ["generate", "-o", out, "--population-rows", "100", "--customer-rows", "10"])
        #expect(r.status != 0)
        // Said once: every process refuses alike, and the launcher's rank 0 speaks for them.
        #expect(r.stderr.components(separatedBy: "only `segment run` runs under mpirun").count == 2, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // A usage error too.
        let usage = try mpirun(3, ["run", "--population", "a.csv", "--customers", "b.csv", "--no-such-flag"])
        #expect(usage.status != 0)
        #expect(usage.stderr.components(separatedBy: "Unknown option '--no-such-flag'").count == 2, "\(usage.stderr)")
    }
}
