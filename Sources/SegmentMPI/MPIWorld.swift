import CMPI
import Foundation
import SegmentCore

/// Open MPI behind one door: the processes `mpirun` started, as a `ProcessGroup`.
///
/// Only the main thread calls MPI (`MPI_THREAD_FUNNELED`): the kernels gather their partials on
/// the thread that called them, after their own workers are done.
public final class MPIWorld: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// What the collectives cost this rank so far: the communication a run spent (run_info.json).
    public private(set) var traffic = Traffic()

    public struct Traffic: Sendable, Equatable {
        /// `allGather` calls.
        public var calls = 0
        /// Bytes this rank received from all ranks (its own part included).
        public var bytesGathered = 0
        /// Wall-clock seconds inside the collectives, waiting for the slowest rank included.
        public var seconds = 0.0
        /// The same, for each purpose the gathers were made for.
        public var byPurpose: [GatherPurpose: Totals] = [:]

        public struct Totals: Sendable, Equatable {
            public var calls = 0
            public var bytesGathered = 0
            public var seconds = 0.0
        }
    }

    /// The most bytes one `MPI_Allgatherv` moves in all: its counts and offsets are 32-bit, so a
    /// larger gather (the labels and distances of a few hundred million rows) goes in rounds.
    /// `SEGMENT_MPI_ROUND_BYTES` lowers it, so the tests can make every gather take rounds.
    static let roundBytes: Int = {
        let given = ProcessInfo.processInfo.environment["SEGMENT_MPI_ROUND_BYTES"].flatMap(Int.init)
        return Swift.max(64, Swift.min(given ?? (1 << 30), 1 << 30))
    }()

    /// Whether this process was started by an MPI launcher: Open MPI's `mpirun` sets
    /// `OMPI_COMM_WORLD_SIZE`, a PMIx launcher (`srun --mpi=pmix`) `PMIX_RANK`.
    public static func launched(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// This process's rank as the launcher tells it (before joining), when it does.
    public static func launchedRank(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        (environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMIX_RANK"]).flatMap(Int.init)
    }

    /// How many of the run's processes share this machine, when the launcher says.
    public static func localProcesses(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init).flatMap { $0 >= 1 ? $0 : nil }
    }

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// Joins the processes the launcher started (`MPI_Init_thread`). Once per process.
    public static func join() throws -> MPIWorld {
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(segment_mpi_comm_world(), &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(segment_mpi_comm_world(), &size), "MPI_Comm_size")
        return MPIWorld(rank: Int(rank), size: Int(size))
    }

    /// Every rank's bytes in rank order (`MPI_Allgather` of the lengths, then `MPI_Allgatherv`).
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] { try allGather(bytes, for: .setup) }

    /// Every rank's bytes in rank order: `MPI_Allgather` of the lengths, then `MPI_Allgatherv` in
    /// as many rounds as it takes to move at most `roundBytes` each (in each round, every rank
    /// sends the next `roundBytes / size` bytes of its part, or what is left of it).
    public func allGather(_ bytes: [UInt8], for purpose: GatherPurpose) throws -> [[UInt8]] {
        try collect(bytes, to: nil, for: purpose)
    }

    /// Every rank's bytes in rank order, on `root` only: as `allGather`, with `MPI_Gather` and
    /// `MPI_Gatherv`.
    public func gather(_ bytes: [UInt8], to root: Int, for purpose: GatherPurpose) throws -> [[UInt8]] {
        precondition((0..<size).contains(root), "gather: no rank \(root) of \(size)")
        return try collect(bytes, to: root, for: purpose)
    }

    /// `allGather` (`root` nil) or `gather` to `root`, counted in `traffic`.
    private func collect(_ bytes: [UInt8], to root: Int?, for purpose: GatherPurpose) throws -> [[UInt8]] {
        let started = DispatchTime.now().uptimeNanoseconds
        var received = 0
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            traffic.calls += 1
            traffic.seconds += seconds
            traffic.bytesGathered += received
            traffic.byPurpose[purpose, default: .init()].calls += 1
            traffic.byPurpose[purpose, default: .init()].seconds += seconds
            traffic.byPurpose[purpose, default: .init()].bytesGathered += received
        }
        let keeps = root == nil || root == rank
        // The lengths, as 64-bit numbers: one rank's part may be over 2 GB.
        var mine = Int64(bytes.count)
        var lengths = [Int64](repeating: 0, count: size)
        if let root {
            try Self.check(MPI_Gather(&mine, 8, segment_mpi_byte(), &lengths, 8, segment_mpi_byte(), Int32(root),
                                      segment_mpi_comm_world()), "MPI_Gather")
            // (Only the root knows the lengths, but every rank must agree on the rounds.)
            var longest = lengths.max() ?? 0
            try Self.check(MPI_Bcast(&longest, 8, segment_mpi_byte(), Int32(root), segment_mpi_comm_world()), "MPI_Bcast")
            if !keeps { lengths = [Int64](repeating: 0, count: size); lengths[0] = longest }
        } else {
            try Self.check(MPI_Allgather(&mine, 8, segment_mpi_byte(), &lengths, 8, segment_mpi_byte(), segment_mpi_comm_world()),
                           "MPI_Allgather")
        }
        let perRank = Swift.max(1, Self.roundBytes / size)
        let rounds = Int((lengths.max() ?? 0) + Int64(perRank) - 1) / perRank
        var parts = keeps ? lengths.map { [UInt8](repeating: 0, count: Int($0)) } : []
        var buffer: [UInt8] = []
        for round in 0..<Swift.max(1, rounds) {
            let first = round * perRank
            var counts = [Int32](repeating: 0, count: size), offsets = counts
            var total = 0
            for r in 0..<size {
                offsets[r] = Int32(total)
                counts[r] = Int32(Swift.max(0, Swift.min(perRank, Int(lengths[r]) - first)))
                total += Int(counts[r])
            }
            let sending = Int32(Swift.max(0, Swift.min(perRank, bytes.count - first)))
            if !keeps { total = 0 }
            if buffer.count < total { buffer = [UInt8](repeating: 0, count: total) }
            try bytes.withUnsafeBytes { send in
                try buffer.withUnsafeMutableBytes { receive in
                    let from = sending > 0 ? send.baseAddress! + first : send.baseAddress
                    if let root {
                        try Self.check(MPI_Gatherv(from, sending, segment_mpi_byte(), receive.baseAddress, &counts, &offsets,
                                                   segment_mpi_byte(), Int32(root), segment_mpi_comm_world()), "MPI_Gatherv")
                    } else {
                        try Self.check(MPI_Allgatherv(from, sending, segment_mpi_byte(), receive.baseAddress, &counts, &offsets,
                                                      segment_mpi_byte(), segment_mpi_comm_world()), "MPI_Allgatherv")
                    }
                }
            }
            guard keeps else { continue }
            for r in 0..<size where counts[r] > 0 {
                parts[r].replaceSubrange(first..<(first + Int(counts[r])),
                                         with: buffer[Int(offsets[r])..<(Int(offsets[r]) + Int(counts[r]))])
            }
            received += total
        }
        return parts
    }

    /// Waits for every rank, then leaves (`MPI_Finalize`): the last call of a run that succeeded.
    public func finish() {
        _ = MPI_Finalize()
    }

    /// Ends every rank of the run (`MPI_Abort`): a rank that failed must not leave the others
    /// waiting in a collective.
    public func abort(exitCode: Int32) -> Never {
        _ = MPI_Abort(segment_mpi_comm_world(), exitCode)
        exit(exitCode)
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code != MPI_SUCCESS else { return }
        throw MPIError(call: call, code: code, detail: nil)
    }
}

public struct MPIError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let code: Int32?
    public let detail: String?

    public var description: String {
        "\(call) failed" + (code.map { " (error \($0))" } ?? "") + (detail.map { ": \($0)" } ?? "")
    }
}
