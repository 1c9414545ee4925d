import Foundation

/// A dense matrix of `Double`, stored row-major (C order, like a NumPy array), with an explicit
/// shape.
///
/// Row-major is the one layout of this type: a row is one person (a sample) and is contiguous, which
/// is what the loaders write and what the k-means chunks read. Routines that need the transpose take
/// it as a `Transpose` flag instead of a copy.
///
/// The storage is a copy-on-write `[Double]`. Pointer access is only ever handed out inside a closure
/// (`withUnsafeBufferPointer`, `withUnsafeMutableBufferPointer`), so no unsafe type escapes into the
/// signatures above the backends.
public struct Matrix: Sendable, Equatable, Codable {
    /// The memory layout of every `Matrix`: element (i, j) lives at `i * columns + j`.
    public enum Layout: String, Sendable, Codable { case rowMajor }

    public let rows: Int
    public let columns: Int
    public var layout: Layout { .rowMajor }
    /// The elements in row-major order; `_storage.count == rows * columns`.
    public var storage: [Double] { _storage }
    @usableFromInline var _storage: [Double]

    /// A `rows` x `columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix shape must be non-negative")
        self.rows = rows
        self.columns = columns
        self._storage = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major elements. `elements.count` must be `rows * columns`.
    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(rows >= 0 && columns >= 0, "matrix shape must be non-negative")
        precondition(elements.count == rows * columns,
                     "expected \(rows * columns) elements for a \(rows)x\(columns) matrix, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self._storage = elements
    }

    /// A matrix from nested rows; every row must have the same length.
    public init(_ rowArrays: [[Double]]) {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        var e = [Double]()
        e.reserveCapacity(r * c)
        for row in rowArrays {
            precondition(row.count == c, "ragged rows in Matrix literal")
            e.append(contentsOf: row)
        }
        self.init(rows: r, columns: c, elements: e)
    }

    /// Builds a matrix by filling its storage in place (no zero-initialisation pass is saved, but no
    /// second copy is made either).
    public init(rows: Int, columns: Int,
                initializingWith body: (inout UnsafeMutableBufferPointer<Double>) throws -> Void) rethrows {
        precondition(rows >= 0 && columns >= 0, "matrix shape must be non-negative")
        self.rows = rows
        self.columns = columns
        self._storage = try [Double](unsafeUninitializedCapacity: rows * columns) { buffer, count in
            buffer.initialize(repeating: 0)
            try body(&buffer)
            count = rows * columns
        }
    }

    /// A matrix whose elements are left unset, for a producer that writes every one of them
    /// (the CSV loader): saves a pass over memory that would only be overwritten.
    package init(uninitializedRows rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        self._storage = [Double](unsafeUninitializedCapacity: rows * columns) { _, count in count = rows * columns }
    }

    /// The identity matrix of size n.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    public var count: Int { rows * columns }
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            return _storage[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            _storage[row * columns + column] = newValue
        }
    }

    /// One row as an array (a copy).
    public func row(_ i: Int) -> [Double] {
        Array(_storage[(i * columns)..<((i + 1) * columns)])
    }

    /// One column as an array (a copy).
    public func column(_ j: Int) -> [Double] {
        (0..<rows).map { _storage[$0 * columns + j] }
    }

    /// The transpose (a copy).
    public func transposed() -> Matrix {
        var t = Matrix(rows: columns, columns: rows)
        _storage.withUnsafeBufferPointer { src in
            t._storage.withUnsafeMutableBufferPointer { dst in
                for i in 0..<rows {
                    for j in 0..<columns { dst[j * rows + i] = src[i * columns + j] }
                }
            }
        }
        return t
    }

    /// A copy of the rows in `range`.
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row range out of bounds")
        return Matrix(rows: range.count, columns: columns,
                      elements: Array(_storage[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// Overwrites rows `first ..< first + part.rows` with `part`'s rows.
    public mutating func setRows(_ first: Int, from part: Matrix) {
        precondition(part.columns == columns && first >= 0 && first + part.rows <= rows, "setRows: the part does not fit")
        _storage.replaceSubrange((first * columns)..<((first + part.rows) * columns), with: part._storage)
    }

    /// A copy of the rows listed in `indices`, in that order.
    public func rows(at indices: [Int]) -> Matrix {
        var elements: [Double] = []
        elements.reserveCapacity(indices.count * columns)
        for i in indices {
            precondition(i >= 0 && i < rows, "row \(i) out of bounds")
            elements += _storage[(i * columns)..<((i + 1) * columns)]
        }
        return Matrix(rows: indices.count, columns: columns, elements: elements)
    }

    /// True when any element is NaN.
    public var containsNaN: Bool { _storage.contains { $0.isNaN } }

    /// The (row, column) of the first NaN, if any.
    public var firstNaN: (row: Int, column: Int)? {
        guard columns > 0, let i = _storage.firstIndex(where: { $0.isNaN }) else { return nil }
        return (i / columns, i % columns)
    }

    /// Read access to the row-major elements, valid only inside `body`.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try _storage.withUnsafeBufferPointer(body)
    }

    /// Write access to the row-major elements, valid only inside `body`.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try _storage.withUnsafeMutableBufferPointer(body)
    }

    /// Largest absolute element-wise difference; the shapes must agree.
    public func maxAbsDifference(_ other: Matrix) -> Double {
        precondition(rows == other.rows && columns == other.columns, "shape mismatch")
        var m = 0.0
        for i in 0..<_storage.count { m = Swift.max(m, abs(_storage[i] - other._storage[i])) }
        return m
    }

    /// The Frobenius norm.
    public var frobeniusNorm: Double {
        // Scaled to avoid overflow on huge entries.
        let scale = _storage.reduce(0) { Swift.max($0, abs($1)) }
        guard scale > 0, scale.isFinite else { return scale }
        var s = 0.0
        for x in _storage { let y = x / scale; s += y * y }
        return scale * s.squareRoot()
    }
}

extension Matrix {
    /// Adds `v` (one value per column) to every row, in place.
    public mutating func addToEveryRow(_ v: [Double]) {
        precondition(v.count == columns, "one value per column")
        let (n, p) = (rows, columns)
        withUnsafeMutableBufferPointer { buf in
            for r in 0..<n { for j in 0..<p { buf[r * p + j] += v[j] } }
        }
    }

    /// Subtracts `v` (one value per column) from every row, in place.
    public mutating func subtractFromEveryRow(_ v: [Double]) {
        precondition(v.count == columns, "one value per column")
        let (n, p) = (rows, columns)
        withUnsafeMutableBufferPointer { buf in
            for r in 0..<n { for j in 0..<p { buf[r * p + j] -= v[j] } }
        }
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        let shown = Swift.min(rows, 6)
        var lines = ["Matrix \(rows)x\(columns)"]
        for i in 0..<shown {
            let cols = Swift.min(columns, 8)
            let cells = (0..<cols).map { String(format: "%10.4g", self[i, $0]) }
            lines.append("  " + cells.joined(separator: " ") + (columns > cols ? " ..." : ""))
        }
        if rows > shown { lines.append("  ...") }
        return lines.joined(separator: "\n")
    }
}

extension Matrix {
    private enum CodingKeys: String, CodingKey { case rows, columns, values, _storage }

    /// Written as `{"rows": r, "columns": c, "values": [[...], ...]}`: one array per row, which
    /// `numpy.array(m["values"])` reads as is; the shape is kept for matrices with no rows.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rows, forKey: .rows)
        try c.encode(columns, forKey: .columns)
        try c.encode((0..<rows).map { Array(_storage[($0 * columns)..<(($0 + 1) * columns)]) }, forKey: .values)
    }

    /// Decodes a matrix (nested `values`, or the row-major `_storage` of models written before
    /// format 3), refusing one whose elements do not fill rows x columns (a damaged or edited file
    /// must not reach code that indexes by the shape).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows), columns = try c.decode(Int.self, forKey: .columns)
        guard rows >= 0, columns >= 0, rows.multipliedReportingOverflow(by: columns).overflow == false else {
            throw DecodingError.dataCorruptedError(forKey: .rows, in: c, debugDescription: "a \(rows) x \(columns) matrix")
        }
        if c.contains(.values) {
            let nested = try c.decode([[Double]].self, forKey: .values)
            guard nested.count == rows, nested.allSatisfy({ $0.count == columns }) else {
                throw DecodingError.dataCorruptedError(forKey: .values, in: c,
                    debugDescription: "\(nested.count) rows of \(Set(nested.map(\.count)).sorted().map(String.init).joined(separator: "/")) values for a \(rows) x \(columns) matrix")
            }
            self.init(rows: rows, columns: columns, elements: nested.flatMap { $0 })
        } else {
            let storage = try c.decode([Double].self, forKey: ._storage)
            guard storage.count == rows * columns else {
                throw DecodingError.dataCorruptedError(forKey: ._storage, in: c,
                    debugDescription: "\(storage.count) elements for a \(rows) x \(columns) matrix")
            }
            self.init(rows: rows, columns: columns, elements: storage)
        }
    }
}
