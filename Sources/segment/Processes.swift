import ArgumentParser
import Foundation
import SegmentCore
import SegmentData
import SegmentMPI

/// `mpirun -np N segment run ...`: the processes an MPI launcher started, seen from the commands.
///
/// Each process parses its own byte range of each input file and the processes exchange the
/// compact codes (`CSVLoader.group`); each makes the first two row-block passes (the column
/// statistics and the Gram matrix) over its own runs of blocks (`RowBlockPasses`); the k-means++
/// seedings and the k-means iterations (the sweep's fits and the final one) spread their row
/// chunks over the processes and gather their per-chunk partials. Every partial is combined in
/// row order on every process, so all of them hold the same bits as a single process would (see
/// `ProcessGroup`). The cleaning's counts are each process's over its own rows, added; each
/// projects and keeps its own rows, and the likeness model's Newton steps and the map add their
/// per-block sums over the processes too. After the last gather (every row's results sent to rank
/// 0), the others end and rank 0 alone goes on (`Pipeline.lastGatherDone`), preparing and writing
/// the output folder and printing. A failure ends every rank (`MPI_Abort`), so no rank waits for another and nothing is
/// written; the error is said once (`fail`).
enum Processes {
    nonisolated(unsafe) static var world: MPIWorld?

    /// Joins the launcher's processes when there is one; nil when run on its own.
    static func joinIfLaunched() throws -> MPIWorld? {
        guard MPIWorld.launched() else { return nil }
        if let world { return world }
        let joined = try MPIWorld.join()
        world = joined
        return joined
    }

    /// Whether this process writes and prints: rank 0, or a process run on its own.
    static var leads: Bool { (world?.rank ?? 0) == 0 }

    /// The default worker threads: the machine's cores, shared out among the run's processes on
    /// this machine when a launcher started several.
    static var defaultThreads: Int {
        max(1, ProcessInfoCompat.activeProcessorCount / (MPIWorld.launched() ? MPIWorld.localProcesses() ?? 1 : 1))
    }

    /// Every rank must read the same data with the same settings: otherwise the ranks' gathers would
    /// not match, or would match and mix two data sets. Each rank's settings and the fingerprints of
    /// its files (size and sampled hash, `FileFingerprint`) are compared with rank 0's; every rank
    /// meets the same error. The paths may differ (each machine's own copy of the data).
    static func checkSameInputs(_ world: MPIWorld, files: [(role: String, path: String)], settings: Data) throws {
        /// What one rank was given: its settings, and each file's path and fingerprint.
        struct Given: Codable, Equatable {
            var settings: String
            var paths: [String]
            var fingerprints: [String]
        }
        var mine = Given(settings: String(decoding: settings, as: UTF8.self), paths: [], fingerprints: [])
        for (role, path) in files {
            guard let print = FileFingerprint.of(path: path) else {
                throw SameInputsError("\(path): under mpirun the \(role) must be a regular file that every process reads")
            }
            mine.paths.append(path)
            mine.fingerprints.append(print)
        }
        let all = try world.allGather(Array(try JSONEncoder().encode(mine))).map { try JSONDecoder().decode(Given.self, from: Data($0)) }
        let first = all[0]
        for (r, theirs) in all.enumerated().dropFirst() {
            if theirs.settings != first.settings {
                throw SameInputsError("rank \(r) of \(world.size) was given other settings than rank 0: every process of an mpirun needs the same flags")
            }
            for (i, (role, _)) in files.enumerated() where theirs.fingerprints[i] != first.fingerprints[i] {
                throw SameInputsError("rank \(r) of \(world.size) reads another \(role) file than rank 0 (\(theirs.paths[i]): \(theirs.fingerprints[i]); rank 0's \(first.paths[i]): \(first.fingerprints[i])): every process must read the same data")
            }
        }
    }

    /// The run's processes on this machine (1 when run on its own).
    static var onThisMachine: Int { (world?.size ?? 1) > 1 ? MPIWorld.localProcesses() ?? 1 : 1 }

    /// Thrown on a follower once the run's last gather is done: it has nothing more to do.
    struct Finished: Error {}

    /// An error found by comparing the ranks' settings and files.
    struct SameInputsError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// How long a rank other than 0 waits, after failing, for rank 0 to end the run.
    static let graceSeconds = 3.0

    /// A failed command under a launcher: the error said once, then every rank ends.
    ///
    /// Most failures are met alike by every rank: they read the same data, agree on the first bad
    /// row of an input, and compute the same bits. Rank 0 says the error (as a single process would)
    /// and ends the run (`MPI_Abort`), which stops the other ranks while they wait here for
    /// `graceSeconds`; so the error is printed once. A failure of another rank alone (its copy of
    /// a file missing, its disk full) is said after the wait, with the rank that met it, and that
    /// rank ends the run. The stop that `MPI_Abort` sends is no interruption, and is not called one.
    static func fail(_ error: Error, command: any ParsableCommand.Type) -> Never {
        guard let world, world.size > 1 else {
            // Refused before joining (a usage error, or a command other than `run`): every process
            // of the launch meets it alike. The launcher's rank 0 says it and exits, and the
            // launcher then stops the others while they wait.
            if let rank = MPIWorld.launchedRank(), rank != 0, world == nil { Thread.sleep(forTimeInterval: graceSeconds) }
            command.exit(withError: error)
        }
        Interrupts.failing = true
        let message = command.fullMessage(for: error)
        if world.rank != 0 {
            Thread.sleep(forTimeInterval: graceSeconds)
            FileHandle.standardError.write(Data("rank \(world.rank) of \(world.size): \(message)\n".utf8))
        } else {
            FileHandle.standardError.write(Data("\(message)\n".utf8))
        }
        let code = command.exitCode(for: error).rawValue
        world.abort(exitCode: code == 0 ? 1 : code)
    }
}
