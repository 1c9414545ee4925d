#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SegmentCore

/// Loads the `;`-separated demographics files (`Udacity_AZDIAS_Subset.csv` and friends) fast.
///
/// Two passes over the file's bytes (mapped read-only, see `InputFile`), neither of which builds a
/// `String` per cell:
/// 1. a parallel scan counts the data rows and records the byte offset of every `segmentRows`-th
///    row, so the rows can be shared out in segments whose line numbers are known;
/// 2. the segments are parsed in parallel, each worker taking an equal share of the rows (`plan`),
///    each segment into the worker's buffer of doubles and from there into compact columns
///    (`CodeColumns`), which are joined at the end, each column's parts released as soon as it is
///    joined. Peak memory is about the compact table plus a column and a segment's doubles per
///    worker; the mapped file's pages are dropped as they are parsed. With `spillDirectory`, each
///    segment's compact columns are written to a spill file as soon as they are made, and the
///    table is read from files, mapped: the load then holds a few segments, not the table.
///
/// Format: a header row; `;` or `,` as delimiter (detected from the header, or given); cells are
/// integers, decimals (`2.0`), empty (missing), or text codes, optionally in double quotes (`""`
/// inside quotes is a quote). A quoted field may not span lines. CRLF endings, a UTF-8 BOM, blank
/// lines and a missing final newline are accepted. Errors are `DataError`s with file, line and column;
/// when several rows are bad, the first in the file is reported.
public struct CSVLoader: Sendable {
    /// The delimiter a header's fields still hold when the file was split on another one (`';'` in
    /// the one field of a `;` file read with `,`), as the messages name it; nil when none.
    public static func otherDelimiter(in header: [String], than used: UInt8?) -> String? {
        let others: [(UInt8, String)] = [(UInt8(ascii: ","), "','"), (UInt8(ascii: ";"), "';'"), (UInt8(ascii: "\t"), "a tab")]
        return others.first { o in o.0 != used && header.contains { $0.utf8.contains(o.0) } }?.1
    }

    public var schema: FeatureSchema
    /// The delimiter, or nil to detect it from the header.
    public var delimiter: UInt8?
    public var threads: Int
    /// Data rows per parallel segment.
    public var segmentRows: Int = 16_384
    /// Whether plain rows go through the fast parser (the tests and the fuzzer compare it with the
    /// exact one).
    @_spi(Testing) public var fastPath = true
    /// Where the table's cells go instead of memory, given the least they will take (a byte a
    /// cell): a folder for spill files (`CodeColumns.ChunkSpill`: each worker writes its segments'
    /// codes as soon as they are parsed, and the table is joined into files it is read from,
    /// mapped), or nil to hold them.
    public var spillDirectory: @Sendable (Int) -> String? = { _ in nil }

    public init(schema: FeatureSchema, delimiter: UInt8? = nil, threads: Int = ProcessInfoCompat.activeProcessorCount) {
        self.schema = schema
        self.delimiter = delimiter
        self.threads = max(1, threads)
    }

    /// Loads a file.
    public func load(path: String) throws -> RawTable {
        let file = try InputFile(path: path)
        defer { file.close() }
        return try load(checking: file, name: path)
    }

    /// Loads an open file, then checks it did not change while it was read.
    func load(checking file: InputFile, name: String) throws -> RawTable {
        do {
            let table = try load(file, name: name)
            try file.checkUnchanged(name: name)
            return table
        } catch {
            // Whatever the parse made of a file cut short under it, the change is the reason.
            try file.checkUnchanged(name: name)
            throw error
        }
    }

    /// Loads a file whose schema came from a sample of its first rows: a column found to hold text
    /// further down (`X` after 20,000 rows of digits) is made a text column and the file read again
    /// (at most 20 times); any other error is thrown as is. Returns the table, whose schema says
    /// which columns turned out to be text.
    public func loadWidening(path: String) throws -> RawTable {
        var loader = self
        for _ in 0..<20 {
            do {
                return try loader.load(path: path)
            } catch let e as DataError {
                guard case .notANumber = e.kind, let name = e.column, let c = loader.schema.index(of: name),
                      !loader.schema.features[c].isText else { throw e }
                var features = loader.schema.features
                features[c].isText = true
                loader.schema = FeatureSchema(features: features)
            }
        }
        return try loader.load(path: path)
    }

    /// Loads from bytes in memory (tests, fuzzing); `name` is used in messages.
    public func load(bytes: [UInt8], name: String) throws -> RawTable {
        let file = InputFile(bytes: bytes)
        defer { file.close() }
        return try load(file, name: name)
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
        if !missing.isEmpty {
            // No schema column found and the header's fields hold another delimiter: the delimiter
            // given (or told) is the wrong one, which a list of every column would not say.
            if missing.count == schema.count, let other = Self.otherDelimiter(in: header, than: delim) {
                throw DataError(file: name, line: 1, kind: .wrongDelimiter(found: other))
            }
            throw DataError(file: name, line: 1, kind: .missingColumns(missing))
        }
        if index.rows == 0 { throw DataError(file: name, line: 1, kind: .headerOnly) }

        let p = schema.count
        let isText = schema.features.map(\.isText)
        let workers = min(threads, index.rows)
        let (segments, first, rest) = try Self.plan(index.segments, rows: index.rows, workers: workers, firstRows: segmentRows,
                                               base: file.base, name: name)
        let parser = RowParser(file: name, header: header, fileToSchema: fileToSchema, isText: isText,
                               delimiter: delim, columns: p, fastPath: fastPath)
        let bytes = UncheckedSendable(file.base)
        let size = file.size
        let textColumns = (0..<p).filter { isText[$0] }
        var results = [SegmentResult?](repeating: nil, count: segments.count)
        var chunks = [CodeColumns.Chunk?](repeating: nil, count: segments.count)
        // Or, when the table goes to a spill file, where each segment's codes were written.
        let spill = try spillDirectory(index.rows * p).map { try CodeColumns.ChunkSpill(directory: $0, workers: workers) }
        var spilled = [CodeColumns.SpilledChunk?](repeating: nil, count: segments.count)
        var spillFailure: Error?

        // The first `segmentRows` rows of each worker's share are parsed first, and the text codes
        // found there (sorted) seed every other segment's dictionaries. Codes in the seeds then
        // have the same index in every later segment, and where no segment finds a new code the
        // indices are already the final ones: only the segments whose local indices differ (the
        // first ones, mostly) have their text columns remapped.
        func parseSegments(_ plans: [[Int]], seeds: [[String]]) {
            let seeds = UncheckedSendable(seeds)
            // Each worker parses a segment into its own buffer of doubles (every cell is written
            // by the parser: a row with a missing field is an error), then stores it compactly.
            let parsed = Parallel.map(plans.count, workers: plans.count) { w in
                var buffer: [Double] = []
                return plans[w].map { s -> (SegmentResult, CodeColumns.Chunk?, Result<CodeColumns.SpilledChunk, Error>?) in
                    let seg = segments[s]
                    if buffer.count < seg.rows * p { buffer = [Double](repeating: 0, count: seg.rows * p) }
                    var result = SegmentResult(dictionaries: seeds.value.map { LocalDictionary(seeds: $0) })
                    buffer.withUnsafeMutableBufferPointer { out in
                        parser.parse(UnsafeBufferPointer(start: bytes.value + seg.offset, count: seg.length),
                                     readable: size - seg.offset, firstLine: seg.firstLine, firstRow: 0,
                                     expectedRows: seg.rows, out: out.baseAddress!, result: &result)
                    }
                    // Read once: its pages need not stay beside the table.
                    file.release(offset: seg.offset, length: seg.length)
                    let chunk = result.error == nil ? CodeColumns.Chunk(rowMajor: buffer, rows: seg.rows, columns: p) : nil
                    if let spill, let chunk { return (result, nil, Result { try spill.write(chunk, worker: w) }) }
                    return (result, chunk, nil)
                }
            }
            for (w, plan) in plans.enumerated() {
                for (i, s) in plan.enumerated() {
                    let written: Result<CodeColumns.SpilledChunk, Error>?
                    (results[s], chunks[s], written) = parsed[w][i]
                    switch written {
                    case let .success(part): spilled[s] = part
                    case let .failure(error): spillFailure = spillFailure ?? error
                    case nil: break
                    }
                }
            }
        }
        parseSegments(first, seeds: Array(repeating: [], count: p))
        // The first error in file order wins, whichever worker found it: an error in a later
        // worker's first rows waits until the rows before it are parsed.
        for s in first[0] { if let e = results[s]?.error { throw e } }
        let seeds = (0..<p).map { col in Set(first.joined().flatMap { results[$0]!.dictionaries[col].strings }).sorted() }
        parseSegments(rest, seeds: seeds)
        for r in results { if let e = r?.error { throw e } }
        if let spillFailure { throw spillFailure }

        // Each text column's dictionary: its distinct codes, sorted. Segment-local indices are
        // remapped where they differ from the final ones.
        var dictionaries: [Int: [String]] = [:]
        for col in textColumns {
            var all = Set(seeds[col])
            for s in rest.joined() { all.formUnion(results[s]!.dictionaries[col].strings[seeds[col].count...]) }
            let sorted = all.count == seeds[col].count ? seeds[col] : all.sorted()
            dictionaries[col] = sorted
            let global = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
            for s in segments.indices {
                let map = results[s]!.dictionaries[col].strings.map { global[$0]! }
                if map.indices.allSatisfy({ map[$0] == $0 }) { continue }
                if spill != nil { spilled[s]!.remap(column: col, map) } else { chunks[s]!.remap(column: col, map) }
            }
        }
        let codes: CodeColumns
        if let spill {
            codes = try CodeColumns(joining: spilled.map { $0! }, from: spill, directory: spill.directory, threads: threads)
        } else {
            var parts = chunks.map { $0! }
            chunks = []
            codes = CodeColumns(consuming: &parts, threads: threads)
        }
        return RawTable(source: name, schema: schema, codes: codes, dictionaries: dictionaries,
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

    /// Shares the rows out: worker `w` gets rows `w * rows / workers ..< (w + 1) * rows / workers`,
    /// the segments that hold them, in file order, the first of them `firstRows` rows long (or
    /// the whole share, if shorter). Segments are cut where a share or a first segment ends.
    /// Returns the segments (still in file order) and, for each worker, the indices of the
    /// segments holding its first rows and of the rest.
    ///
    /// Equal shares of rows rather than every other segment: the segments are not all the same
    /// size (each 8 MiB chunk ends in a short one), and dealt out in turn they left one worker
    /// 4 ms behind the other on the customers file. The first segments are the same length for
    /// the same reason: they are parsed on their own, before the rest (see `load`).
    ///
    /// The bytes are read a second time here; if they no longer hold the rows the first pass
    /// counted (the file was cut short or rewritten under the reader), that is `changedWhileRead`.
    static func plan(_ segments: [Segment], rows: Int, workers: Int, firstRows: Int,
                     base: UnsafePointer<UInt8>, name: String) throws -> (segments: [Segment], first: [[Int]], rest: [[Int]]) {
        let shareStarts = (0...workers).map { $0 * rows / workers }
        var cuts: [Int] = []     // the rows a segment must start at, ascending
        for w in 0..<workers {
            if w > 0 { cuts.append(shareStarts[w]) }
            if shareStarts[w] + firstRows < shareStarts[w + 1] { cuts.append(shareStarts[w] + firstRows) }
        }
        var pieces: [Segment] = []
        var first = [[Int]](repeating: [], count: workers), rest = first
        var w = 0, c = 0
        func add(_ seg: Segment) {
            while seg.firstRow >= shareStarts[w + 1] { w += 1 }
            if seg.firstRow < shareStarts[w] + firstRows { first[w].append(pieces.count) } else { rest[w].append(pieces.count) }
            pieces.append(seg)
        }
        for var seg in segments {
            while c < cuts.count && cuts[c] <= seg.firstRow { c += 1 }
            while c < cuts.count && cuts[c] < seg.firstRow + seg.rows {
                // The first `cuts[c] - firstRow` rows, then the rest from the next row's start.
                let head = countLines(base, from: seg.offset, to: seg.offset + seg.length,
                                      segmentRows: cuts[c] - seg.firstRow).segments
                guard head.count >= 2, head[0].rows == cuts[c] - seg.firstRow else {
                    throw DataError(file: name, kind: .changedWhileRead)
                }
                add(Segment(offset: seg.offset, length: head[0].length, firstLine: seg.firstLine,
                            firstRow: seg.firstRow, rows: head[0].rows))
                seg = Segment(offset: head[1].offset, length: seg.offset + seg.length - head[1].offset,
                              firstLine: seg.firstLine + head[1].firstLine, firstRow: cuts[c], rows: seg.rows - head[0].rows)
                c += 1
            }
            add(seg)
        }
        return (pieces, first, rest)
    }

    /// Pass 1: find the header, count the data rows, cut the file into segments at row boundaries.
    ///
    /// The body is cut into chunks of a few MiB, each starting at a line start, and the chunks are
    /// counted in parallel; their line and row counts are then summed in file order, so numbering
    /// does not depend on the thread count. Segments never cross a chunk.
    private func scan(_ file: InputFile, name: String) throws -> Index {
        let size = file.size
        if size == 0 { throw DataError(file: name, kind: .emptyFile) }
        let base = file.base
        let nl = UInt8(ascii: "\n")
        let headerEnd = memchr(base, Int32(nl), size).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? size
        if headerEnd > 1 << 24 {
            throw DataError(file: name, line: 1, kind: .other("the header line is longer than 16 MiB"))
        }
        let bodyStart = min(size, headerEnd + 1)

        // Chunk starts: every 8 MiB (whatever the thread count), moved forward to a line start.
        let chunkBytes = 1 << 23
        var starts = [bodyStart]
        var nominal = bodyStart + chunkBytes
        while nominal < size {
            let s: Int
            if base[nominal - 1] == nl { s = nominal } else {
                s = memchr(base + nominal, Int32(nl), size - nominal).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) + 1 } ?? size
            }
            if s >= size { break }
            if s > starts.last! { starts.append(s) }
            nominal = s + chunkBytes
        }
        starts.append(size)

        let segmentRows = self.segmentRows
        let bytes = UncheckedSendable(base)
        let chunks = Parallel.map(starts.count - 1, workers: threads, schedule: .dynamic) { c in
            let counted = Self.countLines(bytes.value, from: starts[c], to: starts[c + 1], segmentRows: segmentRows)
            // Counted: its pages need not stay mapped until the parse reads them again (they stay in
            // the page cache). Kept, a whole 1 GB file was resident at once, the full layout's peak.
            file.release(offset: starts[c], length: starts[c + 1] - starts[c])
            return counted
        }
        // Number the lines and rows in file order.
        var line = 2, rows = 0
        var segments: [Segment] = []
        for chunk in chunks {
            for var s in chunk.segments {
                s.firstLine += line
                s.firstRow += rows
                segments.append(s)
            }
            line += chunk.lines
            rows += chunk.rows
        }

        // The header: strip a BOM and a CR, validate UTF-8, split.
        var h = UnsafeBufferPointer(start: base, count: headerEnd)[...]
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

    /// Counts the lines and the rows (lines with anything besides CRs) in `[start, end)`, which
    /// begins at a line start, and cuts them into segments of `segmentRows` rows. Line and row
    /// numbers in the segments are relative to the chunk.
    private static func countLines(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int,
                                   segmentRows: Int) -> (lines: Int, rows: Int, segments: [Segment]) {
        var segments: [Segment] = []
        var line = 0, rows = 0
        var segStart = -1, segLine = 0, segRow = 0, segRows = 0, lastEnd = start
        var i = start
        while i < end {
            let stop = memchr(base + i, Int32(UInt8(ascii: "\n")), end - i)
                .map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? end
            var k = i
            while k < stop && base[k] == UInt8(ascii: "\r") { k += 1 }
            if k < stop {
                if segStart < 0 { segStart = i; segLine = line; segRow = rows; segRows = 0 }
                rows += 1
                segRows += 1
                lastEnd = min(stop + 1, end)
                if segRows == segmentRows {
                    segments.append(Segment(offset: segStart, length: lastEnd - segStart, firstLine: segLine,
                                            firstRow: segRow, rows: segRows))
                    segStart = -1
                }
            }
            line += 1
            i = stop + 1
        }
        if segStart >= 0 {
            segments.append(Segment(offset: segStart, length: lastEnd - segStart, firstLine: segLine,
                                    firstRow: segRow, rows: segRows))
        }
        return (line, rows, segments)
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
