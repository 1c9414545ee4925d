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
    }

    /// Whether this process was started by an MPI launcher: Open MPI's `mpirun` sets
    /// `OMPI_COMM_WORLD_SIZE`, a PMIx launcher (`srun --mpi=pmix`) `PMIX_RANK`.
    public static func launched(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
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
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard bytes.count <= Int(Int32.max) else { throw MPIError(call: "MPI_Allgatherv", code: nil,
            detail: "rank \(rank) has \(bytes.count) bytes to send; one message is limited to \(Int32.max)") }
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            traffic.calls += 1
            traffic.seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        }
        var mine = Int32(bytes.count)
        var counts = [Int32](repeating: 0, count: size)
        try Self.check(MPI_Allgather(&mine, 1, segment_mpi_int(), &counts, 1, segment_mpi_int(), segment_mpi_comm_world()),
                       "MPI_Allgather")
        var offsets = [Int32](repeating: 0, count: size)
        var total = 0
        for r in 0..<size {
            guard total <= Int(Int32.max) else { throw MPIError(call: "MPI_Allgatherv", code: nil,
                detail: "the ranks' parts add up to more than \(Int32.max) bytes") }
            offsets[r] = Int32(total)
            total += Int(counts[r])
        }
        traffic.bytesGathered += total
        var all = [UInt8](repeating: 0, count: total)
        try bytes.withUnsafeBytes { send in
            try all.withUnsafeMutableBytes { receive in
                try Self.check(MPI_Allgatherv(send.baseAddress, mine, segment_mpi_byte(), receive.baseAddress, &counts, &offsets,
                                              segment_mpi_byte(), segment_mpi_comm_world()), "MPI_Allgatherv")
            }
        }
        return (0..<size).map { r in Array(all[Int(offsets[r])..<(Int(offsets[r]) + Int(counts[r]))]) }
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
