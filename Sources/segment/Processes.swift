import ArgumentParser
import Foundation
import SegmentCore
import SegmentMPI

/// `mpirun -np N segment run ...`: the processes an MPI launcher started, seen from the commands.
///
/// Every process reads the inputs and runs the whole pipeline; the k-means iterations (the sweep's
/// fits and the final one) spread their row chunks over the processes and gather the chunk sums
/// after every step, so all of them hold the same bits as a single process would (see
/// `ProcessGroup`). Rank 0 alone prepares and writes the output folder and prints; the others
/// only compute. A rank that fails prints its error and ends every rank (`MPI_Abort`), so no rank
/// waits for it and nothing is written.
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

    /// A failed command under a launcher: the error with the rank that met it, then every rank ends.
    static func fail(_ error: Error, command: any ParsableCommand.Type) -> Never {
        guard let world, world.size > 1 else { command.exit(withError: error) }
        let message = command.fullMessage(for: error)
        FileHandle.standardError.write(Data("rank \(world.rank) of \(world.size): \(message)\n".utf8))
        let code = command.exitCode(for: error).rawValue
        world.abort(exitCode: code == 0 ? 1 : code)
    }
}
