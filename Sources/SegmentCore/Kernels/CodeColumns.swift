/// A loaded table's cells, column by column, each column in the narrowest type that holds every one
/// of its values exactly: `Int8`, `Int16` or `Int32` with the type's smallest value marking an empty
/// cell, or `Double` (NaN when empty) for a column with a fraction, a huge number or a `-0`.
///
/// The demographics files hold small integer codes and dictionary indices of text codes, so the
/// subset's population takes 1 byte a cell instead of a `Double`'s 8 (76 MB instead of 606 MB): the
/// run's peak memory and the page faults that fill it shrink with it. Most readers never widen a
/// cell: they count codes (`valueCounts`), or look each code up in a table made once per column
/// from their own function of the value (`lookupTable`, `map`, `countPerRow`, `bits`); `decode`
/// widens a tile of rows to `Double`s where a reader needs the values themselves.
///
/// Written by hand: no package here stores typed columns (a data-frame library would be a far larger
/// dependency for the one job of holding codes compactly).
public struct CodeColumns: Sendable {
    /// How a column is stored.
    public enum Width: String, Sendable, Comparable, CaseIterable {
        case int8, int16, int32, double

        public var bytes: Int {
            switch self { case .int8: 1; case .int16: 2; case .int32: 4; case .double: 8 }
        }
        public static func < (a: Width, b: Width) -> Bool { a.bytes < b.bytes }

        /// The narrowest width that holds `v` exactly (an empty cell, NaN, fits any).
        @inline(__always)
        static func of(_ v: Double) -> Width {
            if v.isNaN { return .int8 }
            // Exact integers only; -0 keeps its sign in a Double.
            guard v >= -2_147_483_647, v <= 2_147_483_647, v == v.rounded(.towardZero),
                  !(v == 0 && v.sign == .minus) else { return .double }
            if v >= -127 && v <= 127 { return .int8 }
            if v >= -32_767 && v <= 32_767 { return .int16 }
            return .int32
        }
    }

    enum Column: Sendable {
        case int8([Int8]), int16([Int16]), int32([Int32]), double([Double])
        /// Cells in a spill file, read where they lie (`init(joining:from:directory:threads:)`).
        case mapped(Mapped)

        var width: Width {
            switch self {
            case .int8: .int8
            case .int16: .int16
            case .int32: .int32
            case .double: .double
            case let .mapped(m): m.width
            }
        }

        @inline(__always)
        subscript(i: Int) -> Double {
            switch self {
            case let .int8(a): a[i] == .min ? .nan : Double(a[i])
            case let .int16(a): a[i] == .min ? .nan : Double(a[i])
            case let .int32(a): a[i] == .min ? .nan : Double(a[i])
            case let .double(a): a[i]
            case let .mapped(m): Cells.cell(m.base, m.width, i)
            }
        }

        /// `body` of the column's cells, wherever they are held.
        @inline(__always)
        func withCells<R>(_ body: (Cells) throws -> R) rethrows -> R {
            switch self {
            case let .int8(a): return try a.withUnsafeBufferPointer { try body(.int8($0)) }
            case let .int16(a): return try a.withUnsafeBufferPointer { try body(.int16($0)) }
            case let .int32(a): return try a.withUnsafeBufferPointer { try body(.int32($0)) }
            case let .double(a): return try a.withUnsafeBufferPointer { try body(.double($0)) }
            case let .mapped(m): return try body(Cells(m.base, m.width, count: m.count))
            }
        }
    }

    /// A column's cells in a mapped spill file: `count` cells of `width` at `offset` in `file`
    /// (mapped at `base`), which the column keeps open.
    struct Mapped: @unchecked Sendable {
        let width: Width
        let count: Int
        let offset: Int
        let base: UnsafeRawPointer
        let file: SpillFile
    }

    /// A column's cells as a typed buffer, however they are held.
    enum Cells {
        case int8(UnsafeBufferPointer<Int8>), int16(UnsafeBufferPointer<Int16>)
        case int32(UnsafeBufferPointer<Int32>), double(UnsafeBufferPointer<Double>)

        init(_ base: UnsafeRawPointer, _ width: Width, count: Int) {
            switch width {
            case .int8: self = .int8(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Int8.self), count: count))
            case .int16: self = .int16(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Int16.self), count: count))
            case .int32: self = .int32(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Int32.self), count: count))
            case .double: self = .double(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Double.self), count: count))
            }
        }

        /// The cells' bytes, as stored.
        var bytes: UnsafeRawBufferPointer {
            switch self {
            case let .int8(a): UnsafeRawBufferPointer(a)
            case let .int16(a): UnsafeRawBufferPointer(a)
            case let .int32(a): UnsafeRawBufferPointer(a)
            case let .double(a): UnsafeRawBufferPointer(a)
            }
        }

        /// Cell `i` of `width`-wide cells at `base`, as a `Double` (NaN when empty).
        @inline(__always)
        static func cell(_ base: UnsafeRawPointer, _ width: Width, _ i: Int) -> Double {
            switch width {
            case .int8: let v = base.load(fromByteOffset: i, as: Int8.self); return v == .min ? .nan : Double(v)
            case .int16: let v = base.load(fromByteOffset: 2 * i, as: Int16.self); return v == .min ? .nan : Double(v)
            case .int32: let v = base.load(fromByteOffset: 4 * i, as: Int32.self); return v == .min ? .nan : Double(v)
            case .double: return base.load(fromByteOffset: 8 * i, as: Double.self)
            }
        }

        /// Stores `v` (which `width` holds) as cell `i` of `width`-wide cells at `base`.
        @inline(__always)
        static func store(_ v: Double, _ base: UnsafeMutableRawPointer, _ width: Width, _ i: Int) {
            switch width {
            case .int8: base.storeBytes(of: v.isNaN ? Int8.min : Int8(v), toByteOffset: i, as: Int8.self)
            case .int16: base.storeBytes(of: v.isNaN ? Int16.min : Int16(v), toByteOffset: 2 * i, as: Int16.self)
            case .int32: base.storeBytes(of: v.isNaN ? Int32.min : Int32(v), toByteOffset: 4 * i, as: Int32.self)
            case .double: base.storeBytes(of: v, toByteOffset: 8 * i, as: Double.self)
            }
        }
    }

    public let rows: Int
    var storage: [Column]

    public var columns: Int { storage.count }
    /// Each column's storage width.
    public var widths: [Width] { storage.map(\.width) }
    /// Bytes held by the cells.
    public var byteCount: Int { rows * storage.reduce(0) { $0 + $1.width.bytes } }

    /// The cell at `row`, `column` as a `Double` (NaN when empty).
    public subscript(row: Int, column: Int) -> Double { storage[column][row] }

    /// A table from row-major `Double`s (tests, generated tables, small files).
    public init(_ matrix: Matrix) {
        self.init(chunks: [Chunk(rowMajor: matrix.storage, rows: matrix.rows, columns: matrix.columns)], threads: 1)
    }

    /// The table made of `chunks`, in order (each a run of rows, as the loader's segments are); a
    /// column's width is the widest any chunk needed for it.
    public init(chunks: [Chunk], threads: Int) {
        var chunks = chunks
        self.init(consuming: &chunks, threads: threads)
    }

    /// As `init(chunks:threads:)`, taking the chunks over (`chunks` is left empty). The columns are
    /// joined a group at a time; each column's parts are released as soon as it is joined, and
    /// their pages handed back to the system after each group (a part is a small heap block, 16 KB
    /// for a byte-wide column of a 16,384-row segment, whose pages stay with the process when freed
    /// until the heap is trimmed). Making the table then holds about one table's cells and a group
    /// of joined columns, not the chunks and the table side by side: at 20 M rows of the subset the
    /// load's peak was 3.6 GB, twice the 1.8 GB table.
    public init(consuming chunks: inout [Chunk], threads: Int) {
        let p = chunks.first?.storage.count ?? 0
        precondition(chunks.allSatisfy { $0.storage.count == p }, "CodeColumns: chunks of different widths")
        rows = chunks.reduce(0) { $0 + $1.rows }
        let parts = (0..<p).map { c in ColumnParts(chunks.map { $0.storage[c] }) }
        chunks = []
        // Eight groups: a trim walks the heap once (milliseconds), and an eighth of the table is
        // the most held twice.
        let groups = Swift.min(p, 8)
        var joined: [Column] = []
        joined.reserveCapacity(p)
        for g in 0..<groups {
            let columns = (p * g / groups)..<(p * (g + 1) / groups)
            joined += Parallel.map(columns.count, workers: threads, schedule: .dynamic) { i in
                let pieces = parts[columns.lowerBound + i].take()
                return Column.joined(pieces, width: pieces.map(\.width).max() ?? .int8)
            }
            FreedMemory.trim()
        }
        storage = joined
    }

    /// One column's parts, handed to the one worker that joins them and lets them go.
    private final class ColumnParts: @unchecked Sendable {
        private var parts: [Column]
        init(_ parts: [Column]) { self.parts = parts }
        func take() -> [Column] {
            defer { parts = [] }
            return parts
        }
    }

    // MARK: - spilled cells

    /// Whether the cells are in a spill file (`init(joining:from:directory:threads:)`).
    public var isSpilled: Bool {
        storage.contains { if case .mapped = $0 { true } else { false } }
    }

    /// Hands back the resident pages of rows `range` of every spilled column (nothing for cells in
    /// memory). The readers that go over many rows call it as they finish each run of them, so a
    /// spilled table's pages do not pile up in the process's memory as it is read.
    package func release(rows range: Range<Int>) {
        for column in storage {
            if case let .mapped(m) = column {
                m.file.release(offset: m.offset + range.lowerBound * m.width.bytes, bytes: range.count * m.width.bytes)
            }
        }
    }

    /// As `release(rows:)`, for the whole of column `c`.
    package func release(column c: Int) {
        if case let .mapped(m) = storage[c] { m.file.release(offset: m.offset, bytes: m.count * m.width.bytes) }
    }

    /// Chunks written to unlinked files in `directory` as the loader makes them, so a table
    /// larger than memory is never held: `write` each chunk, then make the table from what it
    /// returned (`init(joining:from:directory:threads:)`). Each worker writes a file of its own:
    /// writes to one file from several threads wait for each other (the file system locks the
    /// file for each), and took the 20 M-row load from 12 s to 32 s.
    public final class ChunkSpill: Sendable {
        let files: [SpillFile]

        /// Files for `workers` writers in `directory`.
        public init(directory: String, workers: Int) throws {
            files = try (0..<Swift.max(1, workers)).map { _ in try SpillFile(directory: directory, bytes: 0) }
        }

        /// The folder the files are in.
        public var directory: String { files[0].directory }

        /// Writes `chunk` to worker `worker`'s file and returns where it went.
        public func write(_ chunk: Chunk, worker: Int) throws -> SpilledChunk {
            let file = files[worker]
            let widths = chunk.storage.map(\.width)
            var offset = file.reserve(chunk.rows * widths.reduce(0) { $0 + $1.bytes })
            var offsets: [Int] = []
            for column in chunk.storage {
                offsets.append(offset)
                try column.withCells { cells in
                    let bytes = cells.bytes
                    try file.write(bytes.baseAddress!, bytes: bytes.count, at: offset)
                }
                offset += chunk.rows * column.width.bytes
            }
            return SpilledChunk(rows: chunk.rows, file: worker, widths: widths, offsets: offsets)
        }
    }

    /// A chunk in a `ChunkSpill`: its rows, which file holds it, and each column's width and
    /// place there.
    public struct SpilledChunk: Sendable {
        public let rows: Int
        let file: Int
        let widths: [Width]
        let offsets: [Int]
        var remaps: [Int: [Int]] = [:]

        /// As `Chunk.remap(column:_:)`, applied when the table is made.
        public mutating func remap(column c: Int, _ map: [Int]) {
            precondition(remaps[c] == nil, "CodeColumns.SpilledChunk: column \(c) remapped twice")
            remaps[c] = map
        }

        /// Column `c`'s width once remapped.
        func width(_ c: Int) -> Width {
            guard let map = remaps[c] else { return widths[c] }
            return Swift.max(widths[c], map.map { Width.of(Double($0)) }.max() ?? .int8)
        }
    }

    /// The table made of the spilled `chunks`, in order, written column by column to new unlinked
    /// files in `directory` (one per worker, every `threads`-th column in each) and read from
    /// there, mapped. A column's width is the widest any chunk needed for it, as in
    /// `init(chunks:threads:)`, and the cells are the same. Each column starts on a page of its
    /// own. A chunk's part is read, widened or remapped where it must be, and written at a time,
    /// so making the table holds a few parts, not the table.
    public init(joining chunks: [SpilledChunk], from spill: ChunkSpill, directory: String, threads: Int) throws {
        let p = chunks.first?.widths.count ?? 0
        precondition(chunks.allSatisfy { $0.widths.count == p }, "CodeColumns: chunks of different widths")
        let total = chunks.reduce(0) { $0 + $1.rows }
        rows = total
        let widths = (0..<p).map { c in chunks.map { $0.width(c) }.max() ?? .int8 }
        let workers = Swift.max(1, Swift.min(threads, p))
        let page = 4_096
        // Worker w writes columns w, w + workers, ... to its own file.
        var offsets = [Int](repeating: 0, count: p), sizes = [Int](repeating: 0, count: workers)
        for c in 0..<p {
            offsets[c] = sizes[c % workers]
            sizes[c % workers] = (offsets[c] + total * widths[c].bytes + page - 1) / page * page
        }
        let files = try sizes.map { try SpillFile(directory: directory, bytes: $0) }
        let largest = chunks.map(\.rows).max() ?? 0
        let failures = Parallel.map(workers, workers: workers) { w -> Error? in
            let part = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, largest * 8), alignment: 8)
            let out = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, largest * 8), alignment: 8)
            defer { part.deallocate(); out.deallocate() }
            do {
                for c in stride(from: w, to: p, by: workers) {
                    let width = widths[c]
                    var row = 0
                    for chunk in chunks {
                        let from = chunk.widths[c]
                        try spill.files[chunk.file].read(into: part, bytes: chunk.rows * from.bytes, at: chunk.offsets[c])
                        var cells = UnsafeRawPointer(part)
                        if from != width || chunk.remaps[c] != nil {
                            let map = chunk.remaps[c]
                            for i in 0..<chunk.rows {
                                let v = Cells.cell(part, from, i)
                                Cells.store(v.isNaN || map == nil ? v : Double(map![Int(v)]), out, width, i)
                            }
                            cells = UnsafeRawPointer(out)
                        }
                        try files[w].write(cells, bytes: chunk.rows * width.bytes, at: offsets[c] + row * width.bytes)
                        row += chunk.rows
                    }
                }
            } catch {
                return error
            }
            return nil
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        let bases = try zip(files, sizes).map { try $0.map(bytes: $1) }
        storage = (0..<p).map { c in
            let w = c % workers
            return .mapped(Mapped(width: widths[c], count: total, offset: offsets[c], base: bases[w] + offsets[c], file: files[w]))
        }
    }

    // MARK: - decoding into tiles

    /// Rows `rows` of every column, as `Double`s in row-major order, into `tile` (which must hold
    /// `rows.count * columns` values): row `rows.lowerBound + i`, column `c` goes to
    /// `tile[i * columns + c]`.
    public func decode(rows range: Range<Int>, into tile: inout [Double]) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows && tile.count >= range.count * columns,
                     "CodeColumns.decode: rows \(range) of \(rows), tile \(tile.count)")
        let p = columns, n = range.count, first = range.lowerBound
        tile.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            for c in 0..<p {
                storage[c].withCells { cells in
                    switch cells {
                    case let .int8(a): Self.widen(a.baseAddress! + first, n, o + c, p)
                    case let .int16(a): Self.widen(a.baseAddress! + first, n, o + c, p)
                    case let .int32(a): Self.widen(a.baseAddress! + first, n, o + c, p)
                    case let .double(s): for i in 0..<n { o[c + i * p] = s[first + i] }
                    }
                }
            }
        }
        release(rows: range)
    }

    @inline(__always)
    private static func widen<T: FixedWidthInteger & SignedInteger>(_ src: UnsafePointer<T>, _ n: Int,
                                                                    _ out: UnsafeMutablePointer<Double>, _ stride: Int) {
        for i in 0..<n {
            let v = src[i]
            out[i * stride] = v == T.min ? .nan : Double(Int(truncatingIfNeeded: v))
        }
    }

    // MARK: - reading codes without widening them

    /// For an `Int8` or `Int16` column, `f` of every value the column can hold, indexed by the
    /// stored code minus the type's smallest value (index 0, the empty marker, holds `f(.nan)`);
    /// nil for a wider column. Lets a reader classify a cell with one load instead of decoding it.
    package func lookupTable<T>(column c: Int, _ f: (Double) -> T) -> [T]? {
        switch storage[c].width {
        case .int8: return (0..<256).map { $0 == 0 ? f(.nan) : f(Double($0 - 128)) }
        case .int16: return (0..<65_536).map { $0 == 0 ? f(.nan) : f(Double($0 - 32_768)) }
        case .int32, .double: return nil
        }
    }

    /// Initializes `out[i * stride]` to `f(cell)` for the cells of column `c` in `rows` (a list,
    /// any order, or nil for `range`), through `table` (`lookupTable(column:_:)`) where the column
    /// has one. `out` is uninitialized memory or holds a trivial type (whose old values need no
    /// release).
    package func map<T>(column c: Int, rows list: UnsafeBufferPointer<Int>?, range: Range<Int>, table: [T]?,
                        stride: Int, into out: UnsafeMutablePointer<T>, _ f: (Double) -> T) {
        @inline(__always)
        func run<S: FixedWidthInteger & SignedInteger>(_ a: UnsafeBufferPointer<S>, _ t: UnsafePointer<T>) {
            let base = a.baseAddress!
            if let list {
                for (i, r) in list.enumerated() { (out + i * stride).initialize(to: t[Int(base[r]) &- Int(S.min)]) }
            } else {
                var i = 0
                for r in range { (out + i * stride).initialize(to: t[Int(base[r]) &- Int(S.min)]); i += 1 }
            }
        }
        let column = storage[c]
        column.withCells { cells in
            switch cells {
            case let .int8(a) where table != nil: table!.withUnsafeBufferPointer { run(a, $0.baseAddress!) }
            case let .int16(a) where table != nil: table!.withUnsafeBufferPointer { run(a, $0.baseAddress!) }
            default:
                if let list {
                    for (i, r) in list.enumerated() { (out + i * stride).initialize(to: f(column[r])) }
                } else {
                    var i = 0
                    for r in range { (out + i * stride).initialize(to: f(column[r])); i += 1 }
                }
            }
        }
    }

    /// `f` of every cell of column `c`, in row order; `f` is evaluated once per code of an `Int8`
    /// or `Int16` column.
    public func mapped<T>(column c: Int, _ f: (Double) -> T) -> [T] {
        let table = lookupTable(column: c, f)
        defer { release(column: c) }
        return [T](unsafeUninitializedCapacity: rows) { buffer, count in
            map(column: c, rows: nil, range: 0..<rows, table: table, stride: 1, into: buffer.baseAddress!, f)
            count = rows
        }
    }

    /// The distinct values of column `c` with how often each occurs, ascending, and the number of
    /// empty cells: from a count per code for `Int8` and `Int16` columns, by sorting otherwise (0 and
    /// -0 counted as one value).
    public func valueCounts(column c: Int) -> (values: [Double], counts: [Int], empty: Int) {
        let r = valueCounts(column: c, group: nil, groups: 1)
        return (r.values, r.counts[0], r.empty[0])
    }

    /// As `valueCounts(column:)`, counted apart for each group of rows: row `r` is in group
    /// `group[r]` (< `groups`); nil puts every row in group 0. `counts[g][i]` is how often
    /// `values[i]` occurs in group `g` (0 where it occurs only in others).
    public func valueCounts(column c: Int, group: [UInt8]?, groups: Int) -> (values: [Double], counts: [[Int]], empty: [Int]) {
        precondition(group == nil || group!.count == rows, "CodeColumns.valueCounts: \(group!.count) groups for \(rows) rows")
        func fromCounts(_ counts: [Int], width: Int) -> (values: [Double], counts: [[Int]], empty: [Int]) {
            var values: [Double] = [], out = [[Int]](repeating: [], count: groups)
            for i in 1..<width where (0..<groups).contains(where: { counts[$0 * width + i] > 0 }) {
                values.append(Double(i - width / 2))
                for g in 0..<groups { out[g].append(counts[g * width + i]) }
            }
            return (values, out, (0..<groups).map { counts[$0 * width] })
        }
        func count<T: FixedWidthInteger & SignedInteger>(_ a: UnsafeBufferPointer<T>, width: Int) -> [Int] {
            var counts = [Int](repeating: 0, count: width * groups)
            counts.withUnsafeMutableBufferPointer { h in
                if let group {
                    group.withUnsafeBufferPointer { g in
                        for r in 0..<a.count { h[Int(g[r]) * width + (Int(a[r]) &- Int(T.min))] &+= 1 }
                    }
                } else {
                    for v in a { h[Int(v) &- Int(T.min)] &+= 1 }
                }
            }
            return counts
        }
        defer { release(column: c) }
        let column = storage[c]
        let counted: [Int]? = column.withCells { cells in
            switch cells {
            case let .int8(a): count(a, width: 256)
            case let .int16(a): count(a, width: 65_536)
            case .int32, .double: nil
            }
        }
        if let counted { return fromCounts(counted, width: column.width == .int8 ? 256 : 65_536) }
        var empty = [Int](repeating: 0, count: groups)
        var pairs: [(value: Double, group: Int)] = []
        pairs.reserveCapacity(rows)
        for r in 0..<rows {
            let v = column[r], g = group.map { Int($0[r]) } ?? 0
            if v.isNaN { empty[g] += 1 } else { pairs.append((v == 0 ? 0 : v, g)) }
        }
        pairs.sort { $0.value < $1.value }
        var values: [Double] = [], counts = [[Int]](repeating: [], count: groups)
        for (v, g) in pairs {
            if values.last != v {
                values.append(v)
                for h in 0..<groups { counts[h].append(0) }
            }
            counts[g][counts[g].count - 1] += 1
        }
        return (values, counts, empty)
    }

    /// The rows of column `c` whose cell `flag` holds for, as bits: row `r` is bit `r % 64` of word
    /// `r / 64`. `flag` is evaluated once per code of an `Int8` or `Int16` column.
    public func bits(column c: Int, _ flag: (Double) -> Bool) -> [UInt64] {
        let table = lookupTable(column: c) { flag($0) ? UInt8(1) : 0 }
        defer { release(column: c) }
        var words = [UInt64](repeating: 0, count: (rows + 63) / 64)
        var flags = [UInt8](repeating: 0, count: 4_096)
        var start = 0
        while start < rows {
            let end = Swift.min(rows, start + 4_096)
            flags.withUnsafeMutableBufferPointer { f in
                map(column: c, rows: nil, range: start..<end, table: table, stride: 1, into: f.baseAddress!) { flag($0) ? 1 : 0 }
                words.withUnsafeMutableBufferPointer { w in
                    // `start` is a multiple of 64: each word is filled from 64 flags (fewer at the end).
                    var r = start
                    while r < end {
                        let stop = Swift.min(end, r + 64)
                        var word: UInt64 = 0
                        for i in r..<stop { word |= UInt64(f[i - start]) << UInt64(i - r) }
                        w[r / 64] = word
                        r = stop
                    }
                }
            }
            start = end
        }
        return words
    }

    /// For each row, how many of `columns` hold a cell for which `flag(k, cell)` is true (`k` the
    /// position in `columns`); column by column over tiles of rows, on `threads` workers, with `flag`
    /// evaluated once per code of an `Int8` or `Int16` column.
    public func countPerRow(columns: [Int], threads: Int, _ flag: (Int, Double) -> Bool) -> [UInt16] {
        let tables: [[UInt16]?] = columns.enumerated().map { k, c in lookupTable(column: c) { flag(k, $0) ? 1 : 0 } }
        var out = [UInt16](repeating: 0, count: rows)
        out.withUnsafeMutableBufferPointer { o in
            let base = UncheckedSendable(o.baseAddress!)
            let blocks = RowBlocks(rows: rows, threads: threads)
            Parallel.forEach(blocks.count, workers: blocks.count) { w in
                let block = blocks.range(w)
                let tile = 4_096
                var scratch = [UInt16](repeating: 0, count: tile)
                var start = block.lowerBound
                var read = start   // rows whose spilled pages are not yet handed back
                while start < block.upperBound {
                    let end = Swift.min(block.upperBound, start + tile)
                    scratch.withUnsafeMutableBufferPointer { flags in
                        let target = base.value + start
                        for (k, c) in columns.enumerated() {
                            map(column: c, rows: nil, range: start..<end, table: tables[k], stride: 1, into: flags.baseAddress!) {
                                flag(k, $0) ? 1 : 0
                            }
                            for i in 0..<(end - start) { target[i] &+= flags[i] }
                        }
                    }
                    start = end
                    if end - read >= 16 * tile || end == block.upperBound {
                        release(rows: read..<end)
                        read = end
                    }
                }
            }
        }
        return out
    }

    // MARK: - building

    /// A run of rows, each column in the narrowest width its own values need.
    public struct Chunk: Sendable {
        public let rows: Int
        var storage: [Column]

        /// From `rows * columns` row-major `Double`s (NaN for an empty cell).
        public init(rowMajor values: [Double], rows: Int, columns p: Int) {
            precondition(values.count >= rows * p, "CodeColumns.Chunk: \(values.count) values for \(rows) x \(p)")
            self.rows = rows
            // One pass in row order for each column's range, which decides its width.
            var lo = [Double](repeating: .infinity, count: p), hi = [Double](repeating: -.infinity, count: p)
            var inexact = [UInt8](repeating: 0, count: p)
            values.withUnsafeBufferPointer { v in
                lo.withUnsafeMutableBufferPointer { lo in
                    hi.withUnsafeMutableBufferPointer { hi in
                        inexact.withUnsafeMutableBufferPointer { inexact in
                            let lo = lo.baseAddress!, hi = hi.baseAddress!, inexact = inexact.baseAddress!
                            // Branch-free, so the loop over a row's columns runs in vector registers:
                            // a NaN (empty) compares false everywhere and changes nothing.
                            for r in 0..<rows {
                                let row = v.baseAddress! + r * p
                                for c in 0..<p {
                                    let x = row[c]
                                    lo[c] = x < lo[c] ? x : lo[c]
                                    hi[c] = x > hi[c] ? x : hi[c]
                                    // A fraction, or -0 (whose sign an integer would lose).
                                    let number: UInt8 = x == x ? 1 : 0
                                    let fraction: UInt8 = x.rounded(.towardZero) != x ? 1 : 0
                                    let minusZero: UInt8 = x.bitPattern == (-0.0 as Double).bitPattern ? 1 : 0
                                    inexact[c] |= (number & fraction) | minusZero
                                }
                            }
                        }
                    }
                }
            }
            let widths = (0..<p).map { c -> Width in
                if inexact[c] != 0 { return .double }
                return lo[c] > hi[c] ? .int8 : Swift.max(Width.of(lo[c]), Width.of(hi[c]))
            }
            let buffers = widths.map { UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, rows * $0.bytes), alignment: 8) }
            defer { buffers.forEach { $0.deallocate() } }
            // Then in row order again, each row's cells written to their columns' buffers. (A
            // column at a time over tiles of 32 rows, reading with a stride of a row, spent twice
            // as long: perf put the conversion at 47% of the load against 24%.)
            let int8s = (0..<p).filter { widths[$0] == .int8 }, int16s = (0..<p).filter { widths[$0] == .int16 }
            let int32s = (0..<p).filter { widths[$0] == .int32 }, doubles = (0..<p).filter { widths[$0] == .double }
            let out8 = int8s.map { buffers[$0].assumingMemoryBound(to: Int8.self) }
            let out16 = int16s.map { buffers[$0].assumingMemoryBound(to: Int16.self) }
            let out32 = int32s.map { buffers[$0].assumingMemoryBound(to: Int32.self) }
            let outD = doubles.map { buffers[$0].assumingMemoryBound(to: Double.self) }
            values.withUnsafeBufferPointer { v in
                int8s.withUnsafeBufferPointer { c8 in int16s.withUnsafeBufferPointer { c16 in
                    int32s.withUnsafeBufferPointer { c32 in doubles.withUnsafeBufferPointer { cD in
                        out8.withUnsafeBufferPointer { o8 in out16.withUnsafeBufferPointer { o16 in
                            out32.withUnsafeBufferPointer { o32 in outD.withUnsafeBufferPointer { oD in
                                for r in 0..<rows {
                                    let row = v.baseAddress! + r * p
                                    Self.narrow(row, c8, o8, r)
                                    Self.narrow(row, c16, o16, r)
                                    Self.narrow(row, c32, o32, r)
                                    for k in 0..<cD.count { oD[k][r] = row[cD[k]] }
                                }
                            } }
                        } }
                    } }
                } }
            }
            storage = (0..<p).map { c in
                switch widths[c] {
                case .int8: .int8(Array(UnsafeBufferPointer(start: buffers[c].assumingMemoryBound(to: Int8.self), count: rows)))
                case .int16: .int16(Array(UnsafeBufferPointer(start: buffers[c].assumingMemoryBound(to: Int16.self), count: rows)))
                case .int32: .int32(Array(UnsafeBufferPointer(start: buffers[c].assumingMemoryBound(to: Int32.self), count: rows)))
                case .double: .double(Array(UnsafeBufferPointer(start: buffers[c].assumingMemoryBound(to: Double.self), count: rows)))
                }
            }
        }

        @inline(__always)
        private static func narrow<T: FixedWidthInteger & SignedInteger>(_ row: UnsafePointer<Double>,
                                                                         _ columns: UnsafeBufferPointer<Int>,
                                                                         _ out: UnsafeBufferPointer<UnsafeMutablePointer<T>>, _ r: Int) {
            let count = out.count
            guard let columns = columns.baseAddress, let out = out.baseAddress else { return }
            for k in 0..<count {
                let x = row[columns[k]]
                // In range and whole (the chunk's scan chose T): the plain conversion instruction.
                out[k][r] = x.isNaN ? T.min : T(truncatingIfNeeded: Int(x))
            }
        }

        /// Replaces each non-empty value `i` of column `c` (a dictionary index) with `map[i]`.
        public mutating func remap(column c: Int, _ map: [Int]) {
            let old = storage[c]
            let width = Swift.max(old.width, map.map { Width.of(Double($0)) }.max() ?? .int8)
            storage[c] = Column.make(width, count: rows) { r in
                let v = old[r]
                return v.isNaN ? .nan : Double(map[Int(v)])
            }
        }
    }
}

extension CodeColumns.Column {
    /// A column of `width` whose value `i` is `value(i)` (which the width must hold).
    static func make(_ width: CodeColumns.Width, count: Int, _ value: (Int) -> Double) -> CodeColumns.Column {
        switch width {
        case .int8: .int8((0..<count).map { let v = value($0); return v.isNaN ? .min : Int8(v) })
        case .int16: .int16((0..<count).map { let v = value($0); return v.isNaN ? .min : Int16(v) })
        case .int32: .int32((0..<count).map { let v = value($0); return v.isNaN ? .min : Int32(v) })
        case .double: .double((0..<count).map(value))
        }
    }

    var count: Int {
        switch self {
        case let .int8(a): a.count
        case let .int16(a): a.count
        case let .int32(a): a.count
        case let .double(a): a.count
        case let .mapped(m): m.count
        }
    }

    /// This column in `width` (no narrower than its own).
    func widened(to width: CodeColumns.Width) -> CodeColumns.Column {
        width == self.width ? self : .make(width, count: count) { self[$0] }
    }

    /// The columns `parts`, one after another, in `width`.
    static func joined(_ parts: [CodeColumns.Column], width: CodeColumns.Width) -> CodeColumns.Column {
        precondition(!parts.contains { if case .mapped = $0 { true } else { false } }, "CodeColumns: joining mapped parts")
        let total = parts.reduce(0) { $0 + $1.count }
        func join<T>(_ array: (CodeColumns.Column) -> [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(total)
            for part in parts { out += array(part.widened(to: width)) }
            return out
        }
        switch width {
        case .int8: return .int8(join { if case let .int8(a) = $0 { a } else { [] } })
        case .int16: return .int16(join { if case let .int16(a) = $0 { a } else { [] } })
        case .int32: return .int32(join { if case let .int32(a) = $0 { a } else { [] } })
        case .double: return .double(join { if case let .double(a) = $0 { a } else { [] } })
        }
    }
}
