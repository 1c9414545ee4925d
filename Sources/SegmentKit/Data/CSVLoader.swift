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
