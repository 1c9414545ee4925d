/// Parallel loops with a safe surface, for code above the kernels layer.
///
/// The layers above (the loader, the cleaning passes, the generator, the backends) run their row
/// passes through these: a result per item or per block of rows, or rows of a new array written
/// through a `MutableSpan` that covers only the block's own rows. No pointer and no `parallelFor`
/// appears above this layer; the disjointness that makes the writes safe is guaranteed here, once.
public enum Parallel {
    /// How items are dealt to workers.
    public enum Schedule: Sendable {
        /// Worker `w` takes items `w`, `w + workers`, ...: the same items on the same worker every run.
        case roundRobin
        /// Each worker takes the next item not yet taken: for items of uneven cost.
        case dynamic
    }

    /// `body(i)` for every `i` in `0..<count` on up to `workers` threads; the results in index order.
    public static func map<T>(_ count: Int, workers: Int, schedule: Schedule = .roundRobin,
                              _ body: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { res in
            let out = UncheckedSendable(res.baseAddress)
            forEach(count, workers: workers, schedule: schedule) { i in out.value![i] = body(i) }
        }
        return results.map { $0! }
    }

    /// `body(i)` for every `i` in `0..<count` on up to `workers` threads, for its effects. Callers
    /// are the kernels and the backends, whose items write disjoint memory.
    public static func forEach(_ count: Int, workers: Int, schedule: Schedule = .roundRobin,
                               _ body: (Int) -> Void) {
        let n = max(1, min(workers, count))
        switch schedule {
        case .dynamic:
            parallelForEach(count, workers: n, body)
        case .roundRobin:
            if n == 1 {
                for i in 0..<count { body(i) }
                return
            }
            parallelFor(n) { w in
                var i = w
                while i < count { body(i); i += n }
            }
        }
    }
}

/// `0..<rows` cut into up to `threads` contiguous blocks of at least about `minRows` rows each,
/// block `w` being `rows * w / count ..< rows * (w + 1) / count`.
public struct RowBlocks: Sendable {
    public let rows: Int
    public let count: Int

    public init(rows: Int, threads: Int, minRows: Int = 4_096) {
        self.rows = rows
        count = max(1, min(threads, rows / max(1, minRows) + 1))
    }

    public func range(_ w: Int) -> Range<Int> { (rows * w / count)..<(rows * (w + 1) / count) }

    /// `body(block)` on each block at once; the results in block order (per-block partial sums,
    /// merged by the caller in that order so the result does not depend on timing).
    public func map<T>(_ body: (Range<Int>) -> T) -> [T] {
        Parallel.map(count, workers: count) { body(range($0)) }
    }

    /// A new array of `rows * width` elements, first set to `initial`; each block's rows are
    /// written by `body(block, &out)`, where `out` spans only that block (its index 0 is the
    /// first element of row `block.lowerBound`).
    public func fill<T>(width: Int = 1, repeating initial: T, _ body: (Range<Int>, inout MutableSpan<T>) -> Void) -> [T] {
        var out = [T](repeating: initial, count: rows * width)
        out.withUnsafeMutableBufferPointer { buffer in
            Self.write(buffer, blocks: self, width: width, body)
        }
        return out
    }

    /// As `fill`, into an existing matrix with one row per row of the blocks.
    public func fill(_ matrix: inout Matrix, _ body: (Range<Int>, inout MutableSpan<Double>) -> Void) {
        precondition(matrix.rows == rows, "RowBlocks.fill: \(matrix.rows) matrix rows for \(rows) block rows")
        let width = matrix.columns
        matrix.withUnsafeMutableBufferPointer { buffer in
            Self.write(buffer, blocks: self, width: width, body)
        }
    }

    private static func write<T>(_ buffer: UnsafeMutableBufferPointer<T>, blocks: RowBlocks, width: Int,
                                 _ body: (Range<Int>, inout MutableSpan<T>) -> Void) {
        let base = UncheckedSendable(buffer)
        parallelFor(blocks.count) { w in
            let block = blocks.range(w)
            let part = UnsafeMutableBufferPointer(rebasing: base.value[(block.lowerBound * width)..<(block.upperBound * width)])
            var span = part.mutableSpan
            body(block, &span)
        }
    }
}
