#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SegmentCore

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

    init() {}

    /// A dictionary that starts with `seeds`, in that order (index i is seeds[i]).
    init(seeds: [String]) {
        for s in seeds {
            var bytes = Array(s.utf8)
            _ = bytes.withUnsafeMutableBufferPointer { index(of: UnsafeBufferPointer($0)) }
        }
    }

    /// The key of a code of 1...7 bytes held in the low bytes of `bytes` (first byte lowest).
    @inline(__always)
    static func key(packed bytes: UInt64, count: Int) -> UInt64 { UInt64(count) << 56 | bytes }

    /// The index of a code by its key, if the dictionary has it.
    @inline(__always)
    func index(ofKey key: UInt64) -> Int? {
        let mask = keys.count - 1
        var h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        while true {
            let k = keys[h]
            if k == key { return Int(slots[h]) }
            if k == 0 { return nil }
            h = (h + 1) & mask
        }
    }

    /// The index of the cell's text, inserting it when new; nil for invalid UTF-8.
    @inline(__always)
    mutating func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if bytes.count <= 7 {
            var packed: UInt64 = 0
            for k in 0..<bytes.count { packed |= UInt64(bytes[k]) << (8 * UInt64(k)) }
            let key = Self.key(packed: packed, count: bytes.count)
            if let i = index(ofKey: key) { return i }
            let mask = keys.count - 1
            var h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
            while keys[h] != 0 { h = (h + 1) & mask }
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
///
/// Two parsers with one meaning. The fast one (`parsePlain`) takes the rows that are plain: no
/// quotes, no blank line, the right number of fields, every cell valid. At the first row that is
/// not plain it stops, and the exact parser (`parseRows`) takes that one line, reporting the error
/// if there is one; then the fast parser goes on. So what is accepted, every value, and every
/// message are the exact parser's; the fast one only decides how soon it hands over, and the tests
/// compare the two on every kind of cell.
struct RowParser: Sendable {
    let file: String
    let header: [String]
    /// For each field of a line, the schema column it goes to, or -1 to skip.
    let fileToSchema: [Int]
    let isText: [Bool]
    let delimiter: UInt8
    let columns: Int
    /// For each field of a line, for the fast parser: the schema column of a numeric field (>= 0),
    /// -1 to skip the field, or -2 - column for a text field.
    private let slots: [Int]
    /// The schema columns of the text fields.
    private let textColumns: [Int]
    /// Whether the fast parser may be used: the delimiter must not be a character of a number.
    let plainAllowed: Bool

    init(file: String, header: [String], fileToSchema: [Int], isText: [Bool], delimiter: UInt8, columns: Int,
         fastPath: Bool = true) {
        self.file = file
        self.header = header
        self.fileToSchema = fileToSchema
        self.isText = isText
        self.delimiter = delimiter
        self.columns = columns
        slots = fileToSchema.map { c in c < 0 ? -1 : (isText[c] ? -2 - c : c) }
        textColumns = fileToSchema.filter { $0 >= 0 && isText[$0] }
        let numberBytes = Array("+-.0123456789eE\"\r\n".utf8)
        plainAllowed = fastPath && !numberBytes.contains(delimiter) && delimiter < 0x80
    }

    /// Parses the `expectedRows` rows in `bytes` (a segment: it starts at a line start) into `out`,
    /// row `firstRow` on. `readable` is how many bytes from the segment's start may be read (to the
    /// end of the file): the fast parser reads a few bytes ahead of a cell, past the segment's end.
    func parse(_ bytes: UnsafeBufferPointer<UInt8>, readable: Int, firstLine: Int, firstRow: Int, expectedRows: Int,
               out: UnsafeMutablePointer<Double>, result: inout SegmentResult) {
        let base = bytes.baseAddress!, n = bytes.count
        if !plainAllowed {
            _ = parseRows(bytes, firstLine: firstLine, firstRow: firstRow, expectedRows: expectedRows, out: out, result: &result)
            return
        }
        var offset = 0, rows = 0, line = firstLine
        slots.withUnsafeBufferPointer { slots in
            NumberParser.pow10.withUnsafeBufferPointer { pow10 in
                NumberParser.pow10Int.withUnsafeBufferPointer { pow10Int in
                    while rows < expectedRows && offset < n {
                        let plain = parsePlain(base + offset, readable: readable - offset, firstRow: firstRow + rows,
                                               expectedRows: expectedRows - rows, slots: slots.baseAddress!,
                                               pow10: pow10.baseAddress!, pow10Int: pow10Int.baseAddress!,
                                               out: out, result: &result)
                        rows += plain.rows
                        line += plain.rows
                        offset += plain.bytes
                        if rows == expectedRows { break }
                        // One line (and any blank lines before it) through the exact parser.
                        let exact = parseRows(UnsafeBufferPointer(start: base + offset, count: n - offset), firstLine: line,
                                              firstRow: firstRow + rows, expectedRows: 1, out: out, result: &result)
                        if result.error != nil || exact.rows == 0 { return }
                        rows += exact.rows
                        line += exact.lines
                        offset += exact.bytes
                    }
                }
            }
        }
    }

    /// The fast parser: parses rows from `base` while they are plain (see the type's comment) and
    /// returns how many it parsed and the bytes they took. It stops at a row start.
    ///
    /// Each row goes in runs (`plainRun`) over the common cells, whose shapes (`shape`) are
    /// recognised from one eight-byte load with no loop; a prototype of the same loop in C parsed
    /// the generated population in half the time of a byte-at-a-time loop (145 against 277 ms on
    /// one core). Eight-byte SWAR number parsing was tried first and was slower than both: these
    /// cells are too short for its fixed cost. The code below the run takes the one cell a run
    /// stops at, and the last field of the row.
    @inline(__always)
    private func parsePlain(_ base: UnsafePointer<UInt8>, readable: Int, firstRow: Int, expectedRows: Int,
                            slots: UnsafePointer<Int>, pow10: UnsafePointer<Double>,
                            pow10Int: UnsafePointer<UInt64>,
                            out: UnsafeMutablePointer<Double>, result: inout SegmentResult) -> (rows: Int, bytes: Int) {
        let last = fileToSchema.count - 1
        let delim = delimiter
        let nl = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), quote = UInt8(ascii: "\""), minus = UInt8(ascii: "-")
        let dot = UInt8(ascii: ".")
        // ".0" and the delimiter, as the three bytes after a leading digit.
        let dotZeroDelim = UInt32(dot) | UInt32(UInt8(ascii: "0")) << 8 | UInt32(delim) << 16
        let dotZeroNL = UInt32(dot) | UInt32(UInt8(ascii: "0")) << 8 | UInt32(nl) << 16
        // The last offset a field may start at: a number cell reads at most 18 bytes past it (the
        // digit loops stop after 15 digits), the shapes and text codes 8.
        let limit = readable - 32
        var p = 0
        var rows = 0
        rows: while rows < expectedRows {
            let rowStart = p
            if p > limit || base[p] == nl || base[p] == cr { break }
            let rowOut = out + (firstRow + rows) * columns
            var field = 0
            while true {
                if field < last && slots[field] != -1 {
                    let run = Self.plainRun(base, from: p, field: field, end: last, limit: limit, slots: slots,
                                            rowOut: rowOut, delimiter: delim)
                    p = run.p
                    field = run.field
                }
                if p > limit { p = rowStart; break rows }
                // Every field but the last ends at a delimiter, the last at LF (CRLF goes the
                // general way below).
                let isLast = field == last
                let term = isLast ? nl : delim
                let dotZeroTerm = isLast ? dotZeroNL : dotZeroDelim
                let slot = slots[field]
                var next = -1      // the offset after the cell's terminator, once the cell is stored
                if slot >= 0 {
                    let w = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)
                    if let (v, length) = Self.shape(w, terminator: term, dotZeroTerminator: dotZeroTerm) {
                        rowOut[slot] = v; next = p &+ length
                    }
                    if next < 0 {
                        // Any other number: [-]digits[.digits], a byte at a time.
                        var q = p
                        let negative = base[q] == minus
                        if negative { q &+= 1 }
                        var m: UInt64 = 0, f: UInt64 = 0
                        var digits = 0, fraction = 0
                        while base[q] &- 48 < 10, digits < 15 { m = m &* 10 &+ UInt64(base[q] &- 48); q &+= 1; digits &+= 1 }
                        if digits > 0 && base[q] == dot {
                            q &+= 1
                            while base[q] &- 48 < 10, digits < 15 {
                                f = f &* 10 &+ UInt64(base[q] &- 48); q &+= 1; digits &+= 1; fraction &+= 1
                            }
                        }
                        if digits > 0 && base[q] == term {
                            // The same value as NumberParser's: all the digits as one integer over 10^k.
                            var v = Double(m)
                            if f != 0 { v = Double(m &* pow10Int[fraction] &+ f) / pow10[fraction] }
                            rowOut[slot] = negative ? -v : v
                            next = q &+ 1
                        }
                    }
                } else if slot < -1 {
                    // A text code of up to 7 plain bytes, or digits spelled as a float ("3.0",
                    // which `store` keys as "3"), that the dictionary has: one probe.
                    let w = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)
                    let n = Self.codeLength(w, delimiter: delim)
                    var end = n      // the terminator's offset from p
                    if n > 0 && n < 6 && UInt8(truncatingIfNeeded: w >> UInt64(8 &* n)) == dot
                        && UInt8(truncatingIfNeeded: w >> UInt64(8 &* (n &+ 1))) == UInt8(ascii: "0")
                        && SWARDigits.allDigits(w, count: n) && (n == 1 || UInt8(truncatingIfNeeded: w) != UInt8(ascii: "0")) {
                        end = n &+ 2
                    }
                    if end < 8 && UInt8(truncatingIfNeeded: w >> UInt64(8 &* end)) == term {
                        let col = -2 - slot
                        if n == 0 {
                            rowOut[col] = .nan; next = p &+ 1
                        } else {
                            let key = LocalDictionary.key(packed: w & ((1 &<< UInt64(8 &* n)) &- 1), count: n)
                            if let i = result.dictionaries[col].index(ofKey: key) {
                                rowOut[col] = Double(i); next = p &+ end &+ 1
                            }
                        }
                    }
                }
                if next < 0 {
                    // Any other cell: find its end, then store it as the exact parser would.
                    if let end = cellEnd(base, from: p, readable: readable, delim: delim),
                       isLast ? base[end] == nl : base[end] == delim {
                        let stop = isLast && end > p && base[end - 1] == cr ? end - 1 : end
                        guard storeCell(base, from: p, to: stop, slot: slot,
                                        rowOut: rowOut, result: &result) else { p = rowStart; break rows }
                        next = end &+ 1
                    } else if base[p] == quote {
                        next = quotedCell(base, at: p, readable: readable, term: term, isLast: isLast, slot: slot,
                                          rowOut: rowOut, result: &result)
                        if next < 0 { p = rowStart; break rows }
                    } else {
                        p = rowStart; break rows
                    }
                }
                p = next
                if isLast { break }
                field &+= 1
            }
            guard resolveTexts(base, rowOut: rowOut, result: &result) else { p = rowStart; break rows }
            rows &+= 1
        }
        return (rows, p)
    }

    /// The commonest cells, from the eight bytes at their start: a digit (`3`), a digit and `.0`
    /// (`2.0`, what a column with empty cells is written as), empty, two digits (`13`, `13.0`) and
    /// `-1` (`-0` is -0.0, as parsed). Returns the value and the bytes up to and including the
    /// terminator, or nil for any other cell. `dotZeroTerminator` is ".0" and the terminator, packed
    /// as the three bytes after a digit.
    @inline(__always)
    private static func shape(_ w: UInt64, terminator term: UInt8, dotZeroTerminator: UInt32) -> (Double, Int)? {
        let b0 = UInt8(truncatingIfNeeded: w), b1 = UInt8(truncatingIfNeeded: w >> 8)
        let d0 = b0 &- 48, d1 = b1 &- 48
        if d0 < 10 {
            if b1 == term { return (Double(d0), 2) }
            if UInt32(truncatingIfNeeded: w >> 8) & 0xFF_FFFF == dotZeroTerminator { return (Double(d0), 4) }
            if d1 < 10 {
                if UInt8(truncatingIfNeeded: w >> 16) == term { return (Double(d0 &* 10 &+ d1), 3) }
                if UInt32(truncatingIfNeeded: w >> 16) & 0xFF_FFFF == dotZeroTerminator { return (Double(d0 &* 10 &+ d1), 5) }
            }
            return nil
        }
        if b0 == term { return (.nan, 1) }
        if b0 == UInt8(ascii: "-") && d1 < 10 && UInt8(truncatingIfNeeded: w >> 16) == term { return (-Double(d1), 3) }
        return nil
    }

    /// The length of the text code at the start of `w`: the bytes before the first delimiter, LF,
    /// CR, quote, space, dot or non-ASCII byte (8 if there is none). A byte loop: per column the
    /// lengths repeat, and a branch-free version measured slower.
    @inline(__always)
    private static func codeLength(_ w: UInt64, delimiter delim: UInt8) -> Int {
        var n = 0
        while n < 8 {
            let c = UInt8(truncatingIfNeeded: w >> UInt64(8 &* n))
            if c == delim || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\"")
                || c == UInt8(ascii: " ") || c == UInt8(ascii: ".") || c >= 0x80 { break }
            n &+= 1
        }
        return n
    }

    /// The tag of an output slot whose text cell `plainRun` has passed over: a signalling NaN
    /// (never a parsed value) with the cell's length in bits 44-47 and its offset below.
    private static let pendingText: UInt64 = 0x7FF4 << 48

    /// Looks up the text cells of a row that `plainRun` passed over; false if one is not valid.
    @inline(__always)
    private func resolveTexts(_ base: UnsafePointer<UInt8>, rowOut: UnsafeMutablePointer<Double>,
                              result: inout SegmentResult) -> Bool {
        for col in textColumns {
            let bits = rowOut[col].bitPattern
            guard bits >> 48 == Self.pendingText >> 48 else { continue }
            let n = Int(truncatingIfNeeded: bits >> 44 & 0xF), at = Int(truncatingIfNeeded: bits & ((1 << 44) - 1))
            let w = UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self)
            let key = LocalDictionary.key(packed: w & ((1 &<< UInt64(8 &* n)) &- 1), count: n)
            if let i = result.dictionaries[col].index(ofKey: key) {
                rowOut[col] = Double(i)
            } else if !storeCell(base, from: at, to: at + n, slot: -2 - col, rowOut: rowOut, result: &result) {
                return false
            }
        }
        return true
    }

    /// The common cells of fields `field..<end` (none of them the last field of the line): the
    /// number shapes, and text cells of up to 7 plain bytes, whose lookup is left to
    /// `resolveTexts`. Returns where it stopped: at `end`, or at the first field it does not take
    /// (a skipped field, or a cell of another shape), which the row loop's general code then takes.
    ///
    /// Kept out of line with only what it needs, so that its loop runs from registers: inside the
    /// row loop, six values per field were reloaded from the stack. The single-thread parse of both
    /// files went from 327-331 to 262-266 ms with its output already faulted in (`make bench`
    /// measures the whole load).
    @inline(never)
    private static func plainRun(_ base: UnsafePointer<UInt8>, from start: Int, field first: Int, end: Int,
                                 limit: Int, slots: UnsafePointer<Int>, rowOut: UnsafeMutablePointer<Double>,
                                 delimiter delim: UInt8) -> (p: Int, field: Int) {
        let dotZeroDelim = UInt32(UInt8(ascii: ".")) | UInt32(UInt8(ascii: "0")) << 8 | UInt32(delim) << 16
        var p = start, field = first
        while field < end && p <= limit {
            let slot = slots[field]
            if slot < 0 {
                // A text cell of a plain code (or empty): its offset and length are left in its
                // output slot, for `resolveTexts` to look up after the row.
                if slot == -1 { break }
                let w = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)
                let n = codeLength(w, delimiter: delim)
                guard n < 8 && UInt8(truncatingIfNeeded: w >> UInt64(8 &* n)) == delim else { break }
                (rowOut + (-2 - slot)).withMemoryRebound(to: UInt64.self, capacity: 1) {
                    $0.pointee = n == 0 ? Double.nan.bitPattern : Self.pendingText | UInt64(n) << 44 | UInt64(p)
                }
                p &+= n &+ 1
                field &+= 1
                continue
            }
            let w = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)
            let v: Double
            if let (value, length) = shape(w, terminator: delim, dotZeroTerminator: dotZeroDelim) {
                v = value; p &+= length
            } else if UInt8(truncatingIfNeeded: w) &- 48 < 10 && UInt8(truncatingIfNeeded: w >> 8) &- 48 < 10 {
                // More digits ("1996.0", "584"): up to 15, then the delimiter or ".0".
                var m: UInt64 = 0, q = p
                while base[q] &- 48 < 10 && q &- p < 15 { m = m &* 10 &+ UInt64(base[q] &- 48); q &+= 1 }
                if base[q] == delim {
                    p = q &+ 1
                } else if UnsafeRawPointer(base + q).loadUnaligned(as: UInt32.self) & 0xFF_FFFF == dotZeroDelim {
                    p = q &+ 3
                } else {
                    break
                }
                v = Double(m)
            } else {
                break
            }
            rowOut[slot] = v
            field &+= 1
        }
        return (p, field)
    }

    /// A quoted cell at `p` for the fast parser: when it has no doubled quote inside and its
    /// closing quote is right before its terminator, its inside is what the exact parser would
    /// unquote it to, and it is stored; returns the offset after the terminator, or -1 to hand the
    /// row to the exact parser. Kept out of line: inlined, it slowed plain files by 5%.
    @inline(never)
    private func quotedCell(_ base: UnsafePointer<UInt8>, at p: Int, readable: Int, term: UInt8, isLast: Bool, slot: Int,
                            rowOut: UnsafeMutablePointer<Double>, result: inout SegmentResult) -> Int {
        let quote = UInt8(ascii: "\""), nl = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var q = p &+ 1
        while q < readable && base[q] != quote && base[q] != nl { q &+= 1 }
        guard q &+ 2 < readable && base[q] == quote else { return -1 }
        let after = base[q &+ 1]
        let end: Int
        if after == term {
            end = q &+ 1
        } else if isLast && after == cr && base[q &+ 2] == nl {
            end = q &+ 2
        } else {
            return -1      // a doubled quote, or text after the closing one
        }
        guard storeCell(base, from: p &+ 1, to: q, slot: slot, rowOut: rowOut, result: &result) else { return -1 }
        return end &+ 1
    }

    /// The end of the unquoted cell at `p` (its delimiter or LF), or nil at a quote or the end.
    @inline(__always)
    private func cellEnd(_ base: UnsafePointer<UInt8>, from p: Int, readable: Int, delim: UInt8) -> Int? {
        var q = p
        while q < readable {
            let c = base[q]
            if c == delim || c == UInt8(ascii: "\n") { return q }
            if c == UInt8(ascii: "\"") { return nil }
            q += 1
        }
        return nil
    }

    /// Stores the cell `[from, to)` of the field with `slot` through `store`; false when the cell
    /// is bad (the exact parser then reports it).
    @inline(__always)
    private func storeCell(_ base: UnsafePointer<UInt8>, from: Int, to: Int, slot: Int,
                           rowOut: UnsafeMutablePointer<Double>, result: inout SegmentResult) -> Bool {
        if slot == -1 { return true }
        return store(UnsafeBufferPointer(start: base + from, count: to - from), col: slot >= 0 ? slot : -2 - slot, rowOut: rowOut,
                     dictionaries: &result.dictionaries) == nil
    }

    /// The exact parser: parses up to `expectedRows` rows (skipping blank lines) and returns the
    /// rows and lines it read and the bytes they took; on a bad row it sets `result.error`.
    private func parseRows(_ bytes: UnsafeBufferPointer<UInt8>, firstLine: Int, firstRow: Int, expectedRows: Int,
                           out: UnsafeMutablePointer<Double>, result: inout SegmentResult) -> (rows: Int, lines: Int, bytes: Int) {
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
            if blank { i = min(end + 1, n); line += 1; continue }

            let rowOut = out + row * columns
            var field = 0
            var p = i
            while true {
                // One field: [cellStart, cellEnd) raw, or unquoted into `unquoted`.
                let cellStart = p
                var cellEnd = p
                var quoted = false
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
                    if !closed { result.error = error(.unterminatedQuote, line: line, field: field); break }
                    if q < lineEnd && base[q] != delimiter {
                        var stop = q
                        while stop < lineEnd && base[stop] != delimiter && stop - q < 20 { stop += 1 }
                        result.error = error(.unexpectedAfterQuote(String(decoding: UnsafeBufferPointer(start: base + q, count: stop - q), as: UTF8.self)), line: line, field: field)
                        break
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
                        if let problem { result.error = error(problem, line: line, field: field); break }
                    }
                }
                field += 1
                if p >= lineEnd { break }
                p += 1  // the delimiter
                if p == lineEnd { // a trailing delimiter: one more, empty, field
                    if field < expected, fileToSchema[field] >= 0 {
                        rowOut[fileToSchema[field]] = .nan
                    }
                    field += 1
                    break
                }
            }
            if result.error != nil { break }
            if field != expected {
                result.error = error(.raggedRow(expected: expected, found: field), line: line, field: nil)
                break
            }
            row += 1
            line += 1
            i = min(end + 1, n)
        }
        return (row - firstRow, line - firstLine, i)
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

/// Byte-parallel tests on the low bytes of a word (first byte lowest).
enum SWARDigits {
    /// Whether the first `count` (0...8) bytes of `w` are all ASCII digits.
    @inline(__always)
    static func allDigits(_ w: UInt64, count: Int) -> Bool {
        let mask: UInt64 = count >= 8 ? ~0 : (1 &<< UInt64(8 &* count)) &- 1
        // Per byte b: b - '0' <= 9 iff (b - 0x30) and (b + 0x46) both keep the high bit clear,
        // computed without carries between bytes on the 7-bit parts.
        let lo = (w & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x4646_4646_4646_4646   // high bit: b >= 0x3A
        let hi = (w & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x5050_5050_5050_5050   // high bit: b >= 0x30
        let ok = ~lo & hi & ~w & 0x8080_8080_8080_8080
        return ok & mask == 0x8080_8080_8080_8080 & mask
    }
}
