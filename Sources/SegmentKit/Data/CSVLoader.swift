#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Loads the `;`-separated demographics files (`Udacity_AZDIAS_Subset.csv` and friends) fast.
///
/// Two passes over the bytes, neither of which builds a `String` per cell:
/// 1. a streaming scan (`read` into one reusable buffer) counts the data rows and records the byte
///    offset of every `segmentRows`-th row, so the result can be allocated once at its exact size;
/// 2. the segments are parsed in parallel (`pread` per segment), each worker writing its rows
///    straight into the result matrix. Peak memory is the result plus one buffer per worker.
///
/// Format: a header row; `;` or `,` as delimiter (detected from the header, or given); cells are
/// integers, decimals (`2.0`), empty (missing), or text codes, optionally in double quotes (`""`
/// inside quotes is a quote). A quoted field may not span lines. CRLF endings, a UTF-8 BOM, blank
/// lines and a missing final newline are accepted. Errors are `DataError`s with file, line and column;
/// when several rows are bad, the first in the file is reported.
public struct CSVLoader: Sendable {
    public var schema: FeatureSchema
    /// The delimiter, or nil to detect it from the header.
    public var delimiter: UInt8?
    public var threads: Int
    /// Data rows per parallel segment.
    public var segmentRows: Int = 16_384

    public init(schema: FeatureSchema, delimiter: UInt8? = nil, threads: Int = ProcessInfoCompat.activeProcessorCount) {
        self.schema = schema
        self.delimiter = delimiter
        self.threads = max(1, threads)
    }

    /// Loads a file.
    public func load(path: String) throws -> RawTable {
        let file = try InputFile(path: path)
        defer { file.close() }
        return try load(file, name: path)
    }

    /// Loads from bytes in memory (tests, fuzzing); `name` is used in messages.
    public func load(bytes: [UInt8], name: String) throws -> RawTable {
        try load(InputFile(bytes: bytes), name: name)
    }

    // MARK: - the two passes

    private func load(_ file: InputFile, name: String) throws -> RawTable {
        let index = try scan(file, name: name)
        let header = index.header
        let delim = index.delimiter
        // Map file columns to schema columns by header name.
        var fileToSchema = [Int](repeating: -1, count: header.count)
        var seen: [String: Int] = [:]
        var duplicates: [String] = []
        var ignored: [String] = []
        for (i, name) in header.enumerated() {
            if seen[name] != nil {
                if !duplicates.contains(name) { duplicates.append(name) }
                continue
            }
            seen[name] = i
            if let j = schema.index(of: name) { fileToSchema[i] = j } else { ignored.append(name) }
        }
        if !duplicates.isEmpty {
            throw DataError(file: name, line: 1, kind: .duplicateColumns(duplicates))
        }
        let missing = schema.names.filter { seen[$0] == nil }
        if !missing.isEmpty { throw DataError(file: name, line: 1, kind: .missingColumns(missing)) }
        if index.rows == 0 { throw DataError(file: name, line: 1, kind: .headerOnly) }

        let p = schema.count
        let isText = schema.features.map(\.isText)
        // Every cell is written by the parser (a row with a missing field is an error), so the
        // result is not zero-filled first: the page faults happen in the parallel parse instead.
        var values = Matrix(uninitializedRows: index.rows, columns: p)
        let segments = index.segments
        let workers = min(threads, segments.count)
        var results = [SegmentResult?](repeating: nil, count: segments.count)
        let parser = RowParser(file: name, header: header, fileToSchema: fileToSchema, isText: isText,
                               delimiter: delim, columns: p)
        values.withUnsafeMutableBufferPointer { out in
            let outBase = UncheckedSendable(out.baseAddress!)
            let fileRef = UncheckedSendable(file)
            results.withUnsafeMutableBufferPointer { res in
                let resBase = UncheckedSendable(res.baseAddress!)
                parallelFor(workers) { w in
                    var buffer = [UInt8]()
                    var s = w
                    while s < segments.count {
                        let seg = segments[s]
                        var result = SegmentResult(dictionaries: [LocalDictionary](repeating: LocalDictionary(), count: p))
                        do {
                            let got = try fileRef.value.read(offset: seg.offset, count: seg.length, into: &buffer)
                            buffer.withUnsafeBufferPointer { whole in
                                parser.parse(UnsafeBufferPointer(rebasing: whole[0..<got]), firstLine: seg.firstLine, firstRow: seg.firstRow,
                                             expectedRows: seg.rows, out: outBase.value, result: &result)
                            }
                        } catch {
                            result.error = DataError(file: name, kind: .cannotOpen(reason: "\(error)"))
                        }
                        resBase.value[s] = result
                        s += workers
                    }
                }
            }
        }
        // The first error in file order wins, whichever worker found it.
        for r in results { if let e = r?.error { throw e } }

        // Merge the per-segment dictionaries of text columns into one sorted dictionary each, and
        // remap the segment-local indices.
        var dictionaries: [Int: [String]] = [:]
        let textColumns = (0..<p).filter { isText[$0] }
        var remaps: [[[Double]]] = Array(repeating: [], count: segments.count)   // [segment][text column][local index]
        for col in textColumns {
            var all = Set<String>()
            for r in results { all.formUnion(r!.dictionaries[col].strings) }
            let sorted = all.sorted()
            dictionaries[col] = sorted
            let global = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Double($0)) })
            for s in segments.indices { remaps[s].append(results[s]!.dictionaries[col].strings.map { global[$0]! }) }
        }
        // One pass over the rows, segments in parallel (a column at a time would read a cache line
        // per value).
        if !textColumns.isEmpty {
            values.withUnsafeMutableBufferPointer { out in
                let outBase = UncheckedSendable(out.baseAddress!)
                parallelFor(min(threads, segments.count)) { w in
                    var s = w
                    while s < segments.count {
                        let seg = segments[s]
                        for row in seg.firstRow..<(seg.firstRow + seg.rows) {
                            let r = outBase.value + row * p
                            for (t, col) in textColumns.enumerated() where !r[col].isNaN {
                                r[col] = remaps[s][t][Int(r[col])]
                            }
                        }
                        s += min(threads, segments.count)
                    }
                }
            }
        }
        return RawTable(source: name, schema: schema, values: values, dictionaries: dictionaries,
                        ignoredColumns: ignored, bytes: index.bytes)
    }

    struct Segment: Sendable {
        var offset: Int
        var length: Int
        var firstLine: Int
        var firstRow: Int
        var rows: Int
    }

    struct Index {
        var header: [String]
        var delimiter: UInt8
        var rows: Int
        var segments: [Segment]
        var bytes: Int
    }

    /// Pass 1: find the header, count the data rows, cut the file into segments at row boundaries.
    private func scan(_ file: InputFile, name: String) throws -> Index {
        let size = file.size
        if size == 0 { throw DataError(file: name, kind: .emptyFile) }
        var buffer = [UInt8](repeating: 0, count: 1 << 22)
        var offset = 0
        var headerBytes: [UInt8] = []
        var headerDone = false
        var line = 1
        var lineStart = 0          // file offset of the current line's first byte
        var lineHasContent = false // any byte other than \r seen on the current line
        var rows = 0
        var segments: [Segment] = []
        var segStart = -1, segLine = 0, segRow = 0, segRows = 0
        var bodyStart = 0

        func endLine(at end: Int) {
            // `end` is the offset just past the line's '\n' (or the file's end).
            if lineHasContent {
                if segStart < 0 { segStart = lineStart; segLine = line; segRow = rows; segRows = 0 }
                rows += 1
                segRows += 1
                if segRows == segmentRows {
                    segments.append(Segment(offset: segStart, length: end - segStart, firstLine: segLine,
                                            firstRow: segRow, rows: segRows))
                    segStart = -1
                }
            }
            line += 1
            lineStart = end
            lineHasContent = false
        }

        while offset < size {
            let n = try file.read(offset: offset, count: min(buffer.count, size - offset), into: &buffer)
            try buffer.withUnsafeBufferPointer { buf in
                var i = 0
                if !headerDone {
                    while i < n && buf[i] != UInt8(ascii: "\n") { i += 1 }
                    headerBytes.append(contentsOf: buf[0..<i])
                    if i < n {
                        headerDone = true
                        i += 1
                        bodyStart = offset + i
                        line = 2
                        lineStart = bodyStart
                    } else {
                        if headerBytes.count > 1 << 24 {
                            throw DataError(file: name, line: 1, kind: .other("the header line is longer than 16 MiB"))
                        }
                        return
                    }
                }
                // memchr finds the line ends; a line has content unless it is empty or all CR.
                let base = buf.baseAddress!
                while i < n {
                    let hit = memchr(base + i, Int32(UInt8(ascii: "\n")), n - i)
                    let stop = hit.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? n
                    if !lineHasContent {
                        var k = i
                        while k < stop && base[k] == UInt8(ascii: "\r") { k += 1 }
                        if k < stop { lineHasContent = true }
                    }
                    if stop < n { endLine(at: offset + stop + 1) }
                    i = stop + 1
                }
            }
            offset += n
        }
        if headerDone { endLine(at: size) } else { bodyStart = size }
        if segStart >= 0 {
            segments.append(Segment(offset: segStart, length: size - segStart, firstLine: segLine,
                                    firstRow: segRow, rows: segRows))
        }
        // The header: strip a BOM and a CR, validate UTF-8, split.
        var h = headerBytes[...]
        if h.starts(with: [0xEF, 0xBB, 0xBF]) { h = h.dropFirst(3) }
        if h.last == UInt8(ascii: "\r") { h = h.dropLast() }
        if h.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            if rows == 0 { throw DataError(file: name, kind: .emptyFile) }
            throw DataError(file: name, line: 1, kind: .other("the header line is empty"))
        }
        guard String(validating: h, as: UTF8.self) != nil else {
            throw DataError(file: name, line: 1, kind: .invalidUTF8)
        }
        let delim: UInt8
        if let d = delimiter {
            delim = d
        } else if h.contains(UInt8(ascii: ";")) {
            delim = UInt8(ascii: ";")
        } else if h.contains(UInt8(ascii: ",")) {
            delim = UInt8(ascii: ",")
        } else if schema.count == 1 {
            delim = UInt8(ascii: ";")
        } else {
            throw DataError(file: name, line: 1, kind: .ambiguousDelimiter)
        }
        let header = try splitHeader(Array(h), delimiter: delim, file: name)
        return Index(header: header, delimiter: delim, rows: rows, segments: segments, bytes: size)
    }

    private func splitHeader(_ bytes: [UInt8], delimiter: UInt8, file: String) throws -> [String] {
        var names: [String] = []
        var i = 0
        let n = bytes.count
        while true {
            var field: [UInt8] = []
            if i < n && bytes[i] == UInt8(ascii: "\"") {
                i += 1
                var closed = false
                while i < n {
                    if bytes[i] == UInt8(ascii: "\"") {
                        if i + 1 < n && bytes[i + 1] == UInt8(ascii: "\"") { field.append(bytes[i]); i += 2; continue }
                        closed = true; i += 1; break
                    }
                    field.append(bytes[i]); i += 1
                }
                if !closed {
                    throw DataError(file: file, line: 1, field: names.count + 1, kind: .unterminatedQuote)
                }
                if i < n && bytes[i] != delimiter {
                    throw DataError(file: file, line: 1, field: names.count + 1,
                                    kind: .unexpectedAfterQuote(String(decoding: bytes[i...].prefix(20), as: UTF8.self)))
                }
            } else {
                while i < n && bytes[i] != delimiter { field.append(bytes[i]); i += 1 }
            }
            names.append(String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespaces))
            if i >= n { break }
            i += 1 // the delimiter
        }
        return names
    }
}

/// What one segment's parse produced besides the values.
struct SegmentResult {
    var error: DataError?
    /// Per column (schema index), the segment-local dictionary (used by text columns only).
    var dictionaries: [LocalDictionary] = []
}

/// A small dictionary for text cells. Codes of up to 7 bytes (all the real ones: `W`, `XX`, `8A`,
/// `54`) are keyed by their packed bytes in an open-addressing table, so a lookup is a multiply and
/// a compare, with no allocation; longer codes go through a `String` key.
struct LocalDictionary {
    var strings: [String] = []
    private var keys = [UInt64](repeating: 0, count: 128)     // 0 = free slot
    private var slots = [Int32](repeating: 0, count: 128)
    private var used = 0
    private var long: [String: Int] = [:]

    /// The index of the cell's text, inserting it when new; nil for invalid UTF-8.
    @inline(__always)
    mutating func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if bytes.count <= 7 {
            var key = UInt64(bytes.count) << 56
            for k in 0..<bytes.count { key |= UInt64(bytes[k]) << (8 * UInt64(k)) }
            let mask = keys.count - 1
            var h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
            while true {
                let k = keys[h]
                if k == key { return Int(slots[h]) }
                if k == 0 { break }
                h = (h + 1) & mask
            }
            guard let s = String(validating: bytes, as: UTF8.self) else { return nil }
            strings.append(s)
            keys[h] = key
            slots[h] = Int32(strings.count - 1)
            used += 1
            if used * 2 > keys.count { grow() }
            return strings.count - 1
        }
        guard let s = String(validating: bytes, as: UTF8.self) else { return nil }
        if let i = long[s] { return i }
        strings.append(s)
        long[s] = strings.count - 1
        return strings.count - 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldSlots = slots
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        slots = [Int32](repeating: 0, count: oldKeys.count * 2)
        let mask = keys.count - 1
        for (k, v) in zip(oldKeys, oldSlots) where k != 0 {
            var h = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
            while keys[h] != 0 { h = (h + 1) & mask }
            keys[h] = k
            slots[h] = v
        }
    }
}

/// Pass 2: parses complete rows from a byte buffer into the result matrix.
struct RowParser: Sendable {
    let file: String
    let header: [String]
    /// For each field of a line, the schema column it goes to, or -1 to skip.
    let fileToSchema: [Int]
    let isText: [Bool]
    let delimiter: UInt8
    let columns: Int

    func parse(_ bytes: UnsafeBufferPointer<UInt8>, firstLine: Int, firstRow: Int, expectedRows: Int,
               out: UnsafeMutablePointer<Double>, result: inout SegmentResult) {
        // Per field of a line: the schema column for a numeric cell (>= 0), -1 to skip the field, or
        // -2 for a text column (which goes through `store`). Read through a pointer in the hot loop.
        let fastTable = fileToSchema.map { c in c < 0 ? -1 : (isText[c] ? -2 : c) }
        fastTable.withUnsafeBufferPointer { table in
            parseRows(bytes, table: table.baseAddress!, firstLine: firstLine, firstRow: firstRow,
                      expectedRows: expectedRows, out: out, result: &result)
        }
    }

    private func parseRows(_ bytes: UnsafeBufferPointer<UInt8>, table: UnsafePointer<Int>, firstLine: Int,
                           firstRow: Int, expectedRows: Int,
                           out: UnsafeMutablePointer<Double>, result: inout SegmentResult) {
        let n = bytes.count
        let base = bytes.baseAddress!
        let expected = fileToSchema.count
        var i = 0
        var line = firstLine
        var row = firstRow
        let quote = UInt8(ascii: "\""), nl = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var unquoted = [UInt8]()


        while i < n && row < firstRow + expectedRows {
            // Find the line's end; skip blank lines (as pass 1 did).
            let end = memchr(base + i, Int32(nl), n - i).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? n
            var lineEnd = end
            if lineEnd > i && base[lineEnd - 1] == cr { lineEnd -= 1 }
            var blank = true
            for k in i..<end where base[k] != cr { blank = false; break }
            if blank { i = end + 1; line += 1; continue }

            let rowOut = out + row * columns
            var field = 0
            var p = i
            while true {
                // One field: [p, fieldEnd) raw or unquoted into `unquoted`.
                var cellStart = p, cellEnd = p
                var quoted = false
                // Fast path: an unquoted plain number ("3", "-1", "2.0") in a numeric column,
                // parsed while scanning for the delimiter.
                if field < expected {
                    let col = table[field]
                    if col >= 0 {
                        var q = p
                        var neg = false
                        if q < lineEnd && base[q] == UInt8(ascii: "-") { neg = true; q += 1 }
                        var m: UInt64 = 0
                        var nd = 0
                        while q < lineEnd, base[q] &- 48 < 10, nd < 15 { m = m &* 10 &+ UInt64(base[q] &- 48); q += 1; nd += 1 }
                        // Fractional digits; "2.0" (the common case) needs no division.
                        var frac = 0
                        var f: UInt64 = 0
                        if nd > 0 && q < lineEnd && base[q] == UInt8(ascii: ".") {
                            q += 1
                            while q < lineEnd, base[q] &- 48 < 10, nd < 15 { f = f &* 10 &+ UInt64(base[q] &- 48); q += 1; nd += 1; frac += 1 }
                        }
                        if nd > 0 && (q == lineEnd || base[q] == delimiter) {
                            var v = Double(m)
                            if f != 0 { v = Double(m &* NumberParser.pow10Int[frac] &+ f) / NumberParser.pow10[frac] }
                            rowOut[col] = neg ? -v : v
                            field += 1
                            p = q
                            if p >= lineEnd { break }
                            p += 1
                            if p == lineEnd {
                                if field < expected, fileToSchema[field] >= 0 { rowOut[fileToSchema[field]] = .nan }
                                field += 1
                                break
                            }
                            continue
                        }
                    }
                }
                if p < lineEnd && base[p] == quote {
                    quoted = true
                    unquoted.removeAll(keepingCapacity: true)
                    var q = p + 1
                    var closed = false
                    while q < lineEnd {
                        if base[q] == quote {
                            if q + 1 < lineEnd && base[q + 1] == quote { unquoted.append(quote); q += 2; continue }
                            closed = true; q += 1; break
                        }
                        unquoted.append(base[q]); q += 1
                    }
                    if !closed { result.error = error(.unterminatedQuote, line: line, field: field); return }
                    if q < lineEnd && base[q] != delimiter {
                        var stop = q
                        while stop < lineEnd && base[stop] != delimiter && stop - q < 20 { stop += 1 }
                        result.error = error(.unexpectedAfterQuote(String(decoding: UnsafeBufferPointer(start: base + q, count: stop - q), as: UTF8.self)), line: line, field: field)
                        return
                    }
                    p = q
                } else {
                    while p < lineEnd && base[p] != delimiter { p += 1 }
                    cellEnd = p
                }
                if field < expected {
                    let col = fileToSchema[field]
                    if col >= 0 {
                        let problem: DataError.Kind?
                        if quoted {
                            problem = unquoted.withUnsafeBufferPointer {
                                store($0, col: col, rowOut: rowOut, dictionaries: &result.dictionaries)
                            }
                        } else {
                            problem = store(UnsafeBufferPointer(start: base + cellStart, count: cellEnd - cellStart),
                                            col: col, rowOut: rowOut, dictionaries: &result.dictionaries)
                        }
                        if let problem { result.error = error(problem, line: line, field: field); return }
                    }
                }
                field += 1
                if p >= lineEnd { break }
                p += 1  // the delimiter
                cellStart = p
                if p == lineEnd { // a trailing delimiter: one more, empty, field
                    if field < expected, fileToSchema[field] >= 0 {
                        rowOut[fileToSchema[field]] = .nan
                    }
                    field += 1
                    break
                }
            }
            if field != expected {
                result.error = error(.raggedRow(expected: expected, found: field), line: line, field: nil)
                return
            }
            row += 1
            line += 1
            i = end + 1
        }
    }

    /// The error for a bad cell or row, placed by line and (0-based) field.
    private func error(_ kind: DataError.Kind, line: Int, field: Int?) -> DataError {
        let col = field.flatMap { $0 < header.count ? header[$0] : nil }
        return DataError(file: file, line: line, column: col, field: field.map { $0 + 1 }, kind: kind)
    }

    /// Stores one cell; returns what is wrong with it, or nil when it is fine.
    @inline(__always)
    private func store(_ cell: UnsafeBufferPointer<UInt8>, col: Int, rowOut: UnsafeMutablePointer<Double>,
                       dictionaries: inout [LocalDictionary]) -> DataError.Kind? {
        // Trim spaces.
        var lo = 0, hi = cell.count
        while lo < hi && cell[lo] == UInt8(ascii: " ") { lo += 1 }
        while hi > lo && cell[hi - 1] == UInt8(ascii: " ") { hi -= 1 }
        if lo == hi { rowOut[col] = .nan; return nil }
        let trimmed = UnsafeBufferPointer(rebasing: cell[lo..<hi])
        if isText[col] {
            // Text codes: a number written as a float ("1.0") keeps its integer spelling.
            let idx: Int?
            if trimmed.contains(UInt8(ascii: ".")), let v = NumberParser.parse(trimmed), v.isFinite,
               v == v.rounded(), abs(v) < 1e15 {
                let s = Array(String(Int(v)).utf8)
                idx = s.withUnsafeBufferPointer { dictionaries[col].index(of: $0) }
            } else {
                idx = dictionaries[col].index(of: trimmed)
            }
            guard let idx else { return .invalidUTF8 }
            rowOut[col] = Double(idx)
            return nil
        }
        guard let v = NumberParser.parse(trimmed) else {
            if String(validating: trimmed, as: UTF8.self) == nil { return .invalidUTF8 }
            return .notANumber(String(decoding: trimmed.prefix(40), as: UTF8.self))
        }
        guard v.isFinite else { return .notFinite(String(decoding: trimmed.prefix(40), as: UTF8.self)) }
        rowOut[col] = v
        return nil
    }
}

/// Decimal number parsing from bytes: `-1`, `3`, `2.0`, `963.0`, `1e5`, `+4`. No `inf`/`nan` words.
enum NumberParser {
    @inline(__always)
    static func parse(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = s.count
        if n == 0 { return nil }
        var i = 0
        var negative = false
        if s[0] == UInt8(ascii: "-") || s[0] == UInt8(ascii: "+") { negative = s[0] == UInt8(ascii: "-"); i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fracDigits = 0
        var sawDigit = false
        while i < n, s[i] &- 48 < 10 {
            if digits < 18 { mantissa = mantissa &* 10 &+ UInt64(s[i] &- 48); if mantissa > 0 { digits += 1 } } else { return slow(s) }
            sawDigit = true
            i += 1
        }
        if i < n && s[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, s[i] &- 48 < 10 {
                if digits < 18 { mantissa = mantissa &* 10 &+ UInt64(s[i] &- 48); if mantissa > 0 { digits += 1 }; fracDigits += 1 } else { return slow(s) }
                sawDigit = true
                i += 1
            }
        }
        if !sawDigit { return nil }
        if i < n {
            if s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") { return slow(s) }
            return nil
        }
        // Exact when the mantissa fits 2^53 and the power of ten is exactly representable.
        var v = Double(mantissa)
        if fracDigits > 0 {
            if mantissa > (1 << 53) || fracDigits > 22 { return slow(s) }
            v /= pow10[fracDigits]
        }
        return negative ? -v : v
    }

    static let pow10: [Double] = (0...22).map { Double("1e\($0)")! }
    static let pow10Int: [UInt64] = (0...18).map { k in (0..<k).reduce(UInt64(1)) { a, _ in a * 10 } }

    /// The general path through strtod for exponents and long mantissas; syntax checked first.
    static func slow(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        // [sign] digits [. digits] [e [sign] digits]
        var i = 0
        let n = s.count
        func digitsRun() -> Int { let st = i; while i < n, s[i] &- 48 < 10 { i += 1 }; return i - st }
        if i < n && (s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+")) { i += 1 }
        var count = digitsRun()
        if i < n && s[i] == UInt8(ascii: ".") { i += 1; count += digitsRun() }
        if count == 0 { return nil }
        if i < n && (s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+")) { i += 1 }
            if digitsRun() == 0 { return nil }
        }
        if i != n { return nil }
        let text = String(decoding: s, as: UTF8.self)
        return strtod(text, nil)
    }
}

/// A read-only input: a file opened with O_RDONLY (never written), or bytes in memory.
final class InputFile: @unchecked Sendable {
    private let fd: Int32
    private let memory: [UInt8]?
    let size: Int

    init(path: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            let reason = String(cString: strerror(errno))
            throw DataError(file: path, kind: .cannotOpen(reason: reason.lowercased()))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DataError(file: path, kind: .isDirectory) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw DataError(file: path, kind: .cannotOpen(reason: String(cString: strerror(errno)).lowercased()))
        }
        self.fd = fd
        self.memory = nil
        self.size = Int(st.st_size)
    }

    init(bytes: [UInt8]) {
        fd = -1
        memory = bytes
        size = bytes.count
    }

    /// Reads `count` bytes at `offset` into `buffer` (grown as needed); returns the count read.
    @discardableResult
    func read(offset: Int, count: Int, into buffer: inout [UInt8]) throws -> Int {
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        if let memory {
            buffer.withUnsafeMutableBufferPointer { dst in
                for k in 0..<count { dst[k] = memory[offset + k] }
            }
            return count
        }
        var done = 0
        try buffer.withUnsafeMutableBytes { dst in
            while done < count {
                let r = pread(fd, dst.baseAddress! + done, count - done, off_t(offset + done))
                if r < 0 {
                    if errno == EINTR { continue }
                    throw DataError(file: "", kind: .cannotOpen(reason: String(cString: strerror(errno))))
                }
                if r == 0 { break }
                done += r
            }
        }
        return done
    }

    func close() { if fd >= 0 { _ = Glibc.close(fd) } }
}
