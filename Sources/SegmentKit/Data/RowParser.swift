#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

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
