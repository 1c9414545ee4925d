import Foundation

/// The rows of an n x d matrix of `Double`s, held in memory or in a spill file on disk, and read a
/// run of rows at a time.
///
/// The projected population (rows x components, 240 B a row at 30 components) is the largest thing
/// a run keeps whole: 4.3 GB at 20 M people. Everything that reads it afterwards — the k-means
/// seeding and iterations, the customer-likeness model, the map — goes over it in runs of rows in
/// a fixed order, so the same arithmetic can take its rows from a file instead: each run is read
/// (`pread`) into a buffer the caller keeps, and the bits are the same as from memory. The file is
/// unlinked as soon as it is made, so nothing is left behind, whatever ends the process.
///
/// Written by hand: a spill is two system calls (`pwrite`, `pread`) on one descriptor, and no
/// package here offers typed row storage in a file.
public struct RowStore: Sendable {
    public let rows: Int
    public let columns: Int
    let memory: Matrix?
    let spill: SpillFile?

    /// The rows of a matrix in memory.
    public init(_ matrix: Matrix) {
        rows = matrix.rows
        columns = matrix.columns
        memory = matrix
        spill = nil
    }

    init(spill: SpillFile, rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        self.memory = nil
        self.spill = spill
    }

    /// The whole matrix, when it is held in memory.
    public var matrix: Matrix? { memory }
    /// Whether the rows are in a spill file.
    public var isSpilled: Bool { spill != nil }
    /// The bytes of the rows, wherever they are.
    public var byteCount: Int { rows * columns * 8 }

    /// `body(matrix, first)` where rows `range` of the store are rows `first..<first + range.count` of
    /// `matrix`: the store's own matrix when it is in memory (no copy), else `buffer`, which is grown
    /// to at least `range.count` rows when shorter and into which the rows are read.
    package func withRows<R>(_ range: Range<Int>, buffer: inout Matrix, _ body: (Matrix, Int) throws -> R) throws -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "RowStore: rows \(range) of \(rows)")
        if let memory { return try body(memory, range.lowerBound) }
        if buffer.rows < range.count || buffer.columns != columns {
            buffer = Matrix(uninitializedRows: range.count, columns: columns)
        }
        try read(range, into: &buffer)
        return try body(buffer, 0)
    }

    /// Reads rows `range` of the spill file into the first rows of `buffer` (which holds them).
    private func read(_ range: Range<Int>, into buffer: inout Matrix) throws {
        try buffer.withUnsafeMutableBufferPointer { b in
            try spill!.read(into: UnsafeMutableRawBufferPointer(b).baseAddress!,
                            bytes: range.count * columns * 8, at: range.lowerBound * columns * 8)
        }
    }

    /// Rows `range` as a matrix of their own.
    public func rows(_ range: Range<Int>) throws -> Matrix {
        if let memory { return memory.rows(range) }
        var buffer = Matrix(uninitializedRows: range.count, columns: columns)
        try read(range, into: &buffer)
        return buffer
    }

    /// The rows at `indices`, in that order (a sample).
    public func rows(at indices: [Int]) throws -> Matrix {
        if let memory { return memory.rows(at: indices) }
        var out = Matrix(uninitializedRows: indices.count, columns: columns)
        let width = columns * 8
        try out.withUnsafeMutableBufferPointer { b in
            let base = UnsafeMutableRawBufferPointer(b).baseAddress!
            for (m, i) in indices.enumerated() {
                precondition(i >= 0 && i < rows, "RowStore: row \(i) of \(rows)")
                try spill!.read(into: base + m * width, bytes: width, at: i * width)
            }
        }
        return out
    }

    /// Row `i`.
    public func row(_ i: Int) throws -> [Double] { try rows(at: [i]).storage }

    /// Rows 0, `step`, 2 `step`, ... (a thinned copy); of them, those in `range` (all: nil).
    public func everyRow(_ step: Int, of range: Range<Int>? = nil) throws -> Matrix {
        precondition(step >= 1, "RowStore.everyRow: step \(step)")
        let range = range ?? 0..<rows
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "RowStore.everyRow: rows \(range) of \(rows)")
        let first = (range.lowerBound + step - 1) / step * step
        let picked = Array(stride(from: first, to: range.upperBound, by: step))
        if let memory { return memory.rows(at: picked) }
        var out = Matrix(uninitializedRows: picked.count, columns: columns)
        var next = 0
        try forEachBlock(rows: step * 8_192, of: first..<range.upperBound) { block, m, at in
            for r in stride(from: block.lowerBound, to: block.upperBound, by: step) {
                for t in 0..<columns { out[next, t] = m[at + r - block.lowerBound, t] }
                next += 1
            }
        }
        return out
    }

    /// `body(rows, matrix, first)` for consecutive blocks of `blockRows` rows of `range` (nil: every
    /// row), in row order, where rows `rows` of the store are rows `first..<first + rows.count` of
    /// `matrix` (as `withRows`: the store's own matrix in memory, else one buffer for every block).
    public func forEachBlock(rows blockRows: Int, of range: Range<Int>? = nil,
                             _ body: (Range<Int>, Matrix, Int) throws -> Void) throws {
        let range = range ?? 0..<rows, step = max(1, blockRows)
        var buffer = Matrix(rows: 0, columns: 0)
        for start in stride(from: range.lowerBound, to: range.upperBound, by: step) {
            let block = start..<min(range.upperBound, start + step)
            try withRows(block, buffer: &buffer) { matrix, first in try body(block, matrix, first) }
        }
    }

    /// A store filled a run of rows at a time: in memory, or in a new spill file in `directory`.
    public struct Builder {
        public let rows: Int
        public let columns: Int
        var memory: Matrix?
        let spill: SpillFile?

        public init(rows: Int, columns: Int, spillDirectory: String?) throws {
            self.rows = rows
            self.columns = columns
            if let spillDirectory {
                spill = try SpillFile(directory: spillDirectory, bytes: rows * columns * 8)
                memory = nil
            } else {
                spill = nil
                memory = Matrix(uninitializedRows: rows, columns: columns)
            }
        }

        /// Rows `first..<first + part.rows` from `part`.
        public mutating func setRows(_ first: Int, from part: Matrix) throws {
            precondition(part.columns == columns && first + part.rows <= rows, "RowStore.Builder: rows out of range")
            if memory != nil { memory!.setRows(first, from: part); return }
            try part.withUnsafeBufferPointer { b in
                try spill!.write(UnsafeRawBufferPointer(b).baseAddress!, bytes: part.count * 8, at: first * columns * 8)
            }
        }

        /// Rows `range` as set so far, as a matrix of their own.
        public func rows(_ range: Range<Int>) throws -> Matrix { try finish().rows(range) }

        public func finish() -> RowStore {
            if let memory { return RowStore(memory) }
            return RowStore(spill: spill!, rows: rows, columns: columns)
        }
    }
}

extension RowStore {
    /// The rows at `indices` (ascending), on every rank of `group` (or on rank `root` alone, the
    /// others getting no rows), of a store whose rows are spread over it: rank r holds only its
    /// own, `DistanceStep.ownRows` (without a group: this store's rows). Each rank gives the rows
    /// it holds; in rank order they are the rows in order.
    package func rows(at indices: [Int], spreadOver group: (any ProcessGroup)?, to root: Int? = nil,
                      for purpose: GatherPurpose) throws -> Matrix {
        guard let group, group.size > 1 else { return try rows(at: indices) }
        precondition(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "RowStore.rows(at:spreadOver:): indices not ascending")
        let own = DistanceStep.ownRows(rows, group).rows
        let mine = try self.rows(at: indices.filter { own.contains($0) }).storage
        let parts = try root.map { try group.gather(mine, to: $0, for: purpose) } ?? group.allGather(mine, for: purpose)
        guard !parts.isEmpty else { return Matrix(rows: 0, columns: columns) }
        return Matrix(rows: indices.count, columns: columns, elements: parts.flatMap { $0 })
    }
}
