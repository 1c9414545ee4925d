import Foundation
import SegmentCore

/// Ranks played by threads of this process: `allGather` returns when every rank has given its part
/// (what MPI_Allgatherv does across processes).
public final class ThreadRanks: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var parts: [[UInt8]?]
    private var arrived = 0, generation = 0
    private var gathered: [[UInt8]] = []

    public init(size: Int) {
        self.size = size
        parts = Array(repeating: nil, count: size)
    }

    func gather(rank: Int, _ bytes: [UInt8]) -> [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        parts[rank] = bytes
        arrived += 1
        if arrived == size {
            gathered = parts.map { $0! }
            parts = Array(repeating: nil, count: size)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            // The next gathering cannot complete before this rank arrives for it: `gathered` stays.
            while generation == mine { condition.wait() }
        }
        return gathered
    }

    public struct Rank: ProcessGroup {
        public let rank: Int
        let ranks: ThreadRanks
        public var size: Int { ranks.size }
        public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] { ranks.gather(rank: rank, bytes) }
    }

    /// Runs `body` once per rank, each on its own thread, and returns the results in rank order.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Rank) throws -> T) throws -> [T] {
        let results = UncheckedSendable(UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: size))
        results.value.initialize(repeating: nil)
        defer { results.value.deallocate() }
        let done = DispatchGroup()
        for r in 0..<size {
            done.enter()
            Thread {
                results.value[r] = Result { try body(Rank(rank: r, ranks: self)) }
                done.leave()
            }.start()
        }
        done.wait()
        return try results.value.map { try $0!.get() }
    }
}

extension ThreadRanks.Rank {
    /// `x` as this rank holds it when the rows are spread over the ranks (`DistanceStep.ownRows`):
    /// the rows of its own share of the k-means chunks, every other row NaN, so that a row read
    /// from another rank's share shows.
    public func held(_ x: Matrix) -> Matrix {
        let own = DistanceStep.ownRows(x.rows, self).rows
        var held = x
        for i in 0..<x.rows where !own.contains(i) { for t in 0..<x.columns { held[i, t] = .nan } }
        return held
    }
}
