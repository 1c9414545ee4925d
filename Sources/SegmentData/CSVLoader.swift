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
    /// The processes of an `mpirun` (nil, or one process: this one reads the whole file). Each rank
    /// counts and parses only its own byte range of the file: a contiguous run of the ~8 MiB
    /// chunks the file is cut into at line starts, found alike by every rank. The ranks then
    /// gather their row counts (to number the lines), their first error (every rank throws the
    /// first in the file), their text codes (every rank builds the same dictionaries) and, unless
    /// `keepsOwnRows`, their compact chunks, so that every rank joins the same table, to the bit, as
    /// one process reading the whole file. Every rank must load the same files in the same order.
    public var group: (any ProcessGroup)?
    /// Under a group: each rank keeps only the rows it parsed (a table of `fileRowCount` rows
    /// holding rows `firstRow ..<`, see `RawTable`), instead of gathering every rank's codes. The
    /// dictionaries are still every rank's, so a code has the same index on every rank.
    public var keepsOwnRows = false
    /// Bytes per chunk of the file (the units of the ranks' byte ranges). The files' results do not
    /// depend on it; `SEGMENT_CSV_CHUNK_BYTES` lowers it, so the tests can split a small file.
    public var chunkBytes = CSVLoader.defaultChunkBytes

    static let defaultChunkBytes: Int = {
        let given = ProcessInfo.processInfo.environment["SEGMENT_CSV_CHUNK_BYTES"].flatMap(Int.init)
        return Swift.max(4_096, Swift.min(given ?? (1 << 23), 1 << 23))
    }()

    /// The group when it has other ranks than this one.
    var ranks: (any ProcessGroup)? { group.flatMap { $0.size > 1 ? $0 : nil } }

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
        // This process's rows (all of them, unless the ranks of a group share the file out).
        let own = index.own
        let workers = min(threads, own.count)
        let (segments, first, rest) = workers == 0 ? ([], [], []) :
            try Self.plan(index.segments.map { var s = $0; s.firstRow -= own.lowerBound; return s },
                          rows: own.count, workers: workers, firstRows: segmentRows, base: file.base, name: name)
        let parser = RowParser(file: name, header: header, fileToSchema: fileToSchema, isText: isText,
                               delimiter: delim, columns: p, fastPath: fastPath)
        let bytes = UncheckedSendable(file.base)
        let size = file.size
        let textColumns = (0..<p).filter { isText[$0] }
        var results = [SegmentResult?](repeating: nil, count: segments.count)
        var chunks = [CodeColumns.Chunk?](repeating: nil, count: segments.count)
        // Or, when the table goes to a spill file, where each segment's codes were written.
        let held = keepsOwnRows && ranks != nil ? own.count : index.rows
        let spill = try spillDirectory(held * p).map { try CodeColumns.ChunkSpill(directory: $0, workers: workers) }
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
        var seeds = [[String]](repeating: [], count: p)
        do {
            if workers > 0 {
                parseSegments(first, seeds: seeds)
                // The first error in file order wins, whichever worker found it: an error in a later
                // worker's first rows waits until the rows before it are parsed.
                for s in first[0] { if let e = results[s]?.error { throw e } }
                seeds = (0..<p).map { col in Set(first.joined().flatMap { results[$0]!.dictionaries[col].strings }).sorted() }
                parseSegments(rest, seeds: seeds)
                for r in results { if let e = r?.error { throw e } }
                if let spillFailure { throw spillFailure }
            }
        } catch {
            // Every rank must meet the same error, the first in the file (whichever rank found it).
            guard let ranks else { throw error }
            try Self.agree(on: error, ranks: ranks, name: name)
        }
        if let ranks { try Self.agree(on: nil, ranks: ranks, name: name) }

        // Each text column's dictionary: its distinct codes, sorted (every rank's, when the ranks
        // share the file out). Segment-local indices are remapped where they differ from the
        // final ones.
        var found: [[String]] = textColumns.map { col in
            var all = Set(seeds[col])
            for s in rest.joined() { all.formUnion(results[s]!.dictionaries[col].strings[seeds[col].count...]) }
            return all.count == seeds[col].count ? seeds[col] : all.sorted()
        }
        // And, when they do, how many segments each rank parsed.
        var segmentCounts = [segments.count]
        if let ranks {
            let gathered = try Self.gather(Found(segments: segments.count, codes: found), ranks: ranks)
            segmentCounts = gathered.map(\.segments)
            found = textColumns.indices.map { i in Set(gathered.flatMap { $0.codes[i] }).sorted() }
        }
        var dictionaries: [Int: [String]] = [:]
        for (i, col) in textColumns.enumerated() {
            let sorted = found[i]
            dictionaries[col] = sorted
            let global = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
            for s in segments.indices {
                let map = results[s]!.dictionaries[col].strings.map { global[$0]! }
                if map.indices.allSatisfy({ map[$0] == $0 }) { continue }
                if spill != nil { spilled[s]!.remap(column: col, map) } else { chunks[s]!.remap(column: col, map) }
            }
        }
        if let ranks, !keepsOwnRows {
            // Every rank's chunks, in file order.
            let offset = segmentCounts[..<ranks.rank].reduce(0, +), total = segmentCounts.reduce(0, +)
            var allChunks = [CodeColumns.Chunk?](repeating: nil, count: spill == nil ? total : 0)
            var allSpilled = [CodeColumns.SpilledChunk?](repeating: nil, count: spill == nil ? 0 : total)
            for s in segments.indices {
                if spill != nil { allSpilled[offset + s] = spilled[s] } else { allChunks[offset + s] = chunks[s] }
            }
            chunks = []
            try Self.exchange(segments.count, offset: offset, ranks: ranks, budget: spill == nil ? 256 << 20 : 32 << 20,
                              chunk: { s in try spill.map { try $0.read(spilled[s]!) } ?? allChunks[offset + s]! },
                              receive: { index, chunk in
                                  if let spill { allSpilled[index] = try spill.write(chunk, worker: 0) } else { allChunks[index] = chunk }
                              })
            chunks = allChunks
            spilled = allSpilled
        }
        let codes: CodeColumns
        if chunks.isEmpty && spilled.isEmpty {
            // No rows here (a rank whose byte range holds none): the columns, empty.
            codes = CodeColumns(chunks: [CodeColumns.Chunk(rowMajor: [], rows: 0, columns: p)], threads: 1)
        } else if let spill {
            codes = try CodeColumns(joining: spilled.map { $0! }, from: spill, directory: spill.directory, threads: threads)
        } else {
            var parts = chunks.map { $0! }
            chunks = []
            codes = CodeColumns(consuming: &parts, threads: threads)
        }
        var table = RawTable(source: name, schema: schema, codes: codes, dictionaries: dictionaries,
                             ignoredColumns: ignored, bytes: index.bytes)
        if ranks != nil && keepsOwnRows {
            table.isRankPart = true
            table.firstRow = own.lowerBound
            table.fileRowCount = index.rows
        }
        return table
    }

    // MARK: - the ranks of a group

    /// What a rank found in its byte range: how many segments, and each text column's codes.
    struct Found: Codable {
        var segments: Int
        var codes: [[String]]
    }

    /// Every rank's `value`, in rank order.
    static func gather<T: Codable>(_ value: T, ranks: any ProcessGroup) throws -> [T] {
        try ranks.allGather(Array(try JSONEncoder().encode(value)), for: .inputRows)
            .map { try JSONDecoder().decode(T.self, from: Data($0)) }
    }

    /// Gathers every rank's error (nil: none) and throws the first rank's, on every rank: the ranks'
    /// byte ranges are in file order, so that is the first error in the file. An error that is
    /// not about the file's contents (a spill that cannot be written) is told as the rank's.
    static func agree(on error: Error?, ranks: any ProcessGroup, name: String) throws {
        struct Reported: Codable { var error: DataError? }
        let mine = error.map { ($0 as? DataError) ?? DataError(file: name, kind: .other("rank \(ranks.rank) of \(ranks.size): \($0)")) }
        for reported in try gather(Reported(error: mine), ranks: ranks) {
            if let first = reported.error { throw first }
        }
    }

    /// Sends this rank's `count` chunks (`chunk(s)`, its chunk `s`, whose index in the file is
    /// `offset + s`) to every other rank and hands each chunk received to `receive`, in gathers of
    /// about `budget` bytes from each rank, until no rank has any left.
    static func exchange(_ count: Int, offset: Int, ranks: any ProcessGroup, budget: Int,
                         chunk: (Int) throws -> CodeColumns.Chunk,
                         receive: (Int, CodeColumns.Chunk) throws -> Void) throws {
        var next = 0
        while true {
            var batch: [(index: Int, chunk: CodeColumns.Chunk)] = []
            var bytes = 0
            while next < count && (batch.isEmpty || bytes < budget) {
                let part = try chunk(next)
                batch.append((offset + next, part))
                bytes += part.byteCount
                next += 1
            }
            let parts = try ranks.allGather(CodeColumns.pack(batch), for: .inputRows)
            if parts.allSatisfy(\.isEmpty) { return }
            for (r, part) in parts.enumerated() where r != ranks.rank {
                for (index, received) in CodeColumns.unpack(part) { try receive(index, received) }
            }
        }
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
        /// The file's data rows.
        var rows: Int
        /// The rows this process parses (all of them, unless a group's ranks share them out), and
        /// their segments.
        var own: Range<Int>
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
        let chunkBytes = self.chunkBytes
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

        // This process's chunks: all of them, or its rank's share (whole chunks, so its byte range
        // begins at a line start).
        let mine = ranks?.share(of: starts.count - 1) ?? 0..<(starts.count - 1)
        let segmentRows = self.segmentRows
        let bytes = UncheckedSendable(base)
        let chunks = Parallel.map(mine.count, workers: threads, schedule: .dynamic) { i in
            let c = mine.lowerBound + i
            let counted = Self.countLines(bytes.value, from: starts[c], to: starts[c + 1], segmentRows: segmentRows)
            // Counted: its pages need not stay mapped until the parse reads them again (they stay in
            // the page cache). Kept, a whole 1 GB file was resident at once, the full layout's peak.
            file.release(offset: starts[c], length: starts[c + 1] - starts[c])
            return counted
        }
        // Number the lines and rows in file order (after the earlier ranks' lines and rows).
        var line = 2, rows = 0, total: Int?
        if let ranks {
            let counts = try Self.gather([chunks.reduce(0) { $0 + $1.lines }, chunks.reduce(0) { $0 + $1.rows }], ranks: ranks)
            for earlier in counts[..<ranks.rank] { line += earlier[0]; rows += earlier[1] }
            total = counts.reduce(0) { $0 + $1[1] }
        }
        let firstRow = rows
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
            if (total ?? rows) == 0 { throw DataError(file: name, kind: .emptyFile) }
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
        return Index(header: header, delimiter: delim, rows: total ?? rows, own: firstRow..<rows, segments: segments, bytes: size)
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
