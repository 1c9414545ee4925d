import Foundation
import SegmentCore
import SegmentData

/// `segment check` for a full-layout file: how close it is to the published facts of the file it
/// stands for (told from its header: population, customers, MAILOUT_TRAIN or MAILOUT_TEST).
///
/// - each column's missing share against the published one (pass: within 0.5 percentage points);
/// - each published missing block: its columns empty in exactly the same rows (pass: identical);
/// - each published marginal (value counts, `8` and `8.0` counted as one code) by total variation
///   distance (pass: at most 0.02).
///
/// One streaming pass over the file (read in blocks, never held whole); the cells are not typed.
public struct FullDataCheck: Codable, Sendable {
    public struct MissingDeviation: Codable, Sendable {
        public var column: String
        public var published: Double
        public var observed: Double
        public var points: Double { abs(observed - published) * 100 }
    }
    public struct Block: Codable, Sendable {
        public var publishedMissingCount: Int
        public var columns: [String]
        /// Columns whose empty rows differ from the block's first column's.
        public var differing: [String]
    }
    public struct Marginal: Codable, Sendable {
        public var column: String
        public var totalVariation: Double
        public var worstValue: String
    }

    public var file: String
    public var kind: String
    public var rows: Int
    public var missing: [MissingDeviation]
    public var blocks: [Block]
    public var marginals: [Marginal]

    public static let missingTolerancePoints = 0.5
    public static let totalVariationTolerance = 0.02

    public var worstMissingPoints: Double { missing.map(\.points).max() ?? 0 }
    public var brokenBlocks: [Block] { blocks.filter { !$0.differing.isEmpty } }
    public var worstTotalVariation: Double { marginals.map(\.totalVariation).max() ?? 0 }
    public var passes: Bool {
        worstMissingPoints <= Self.missingTolerancePoints && brokenBlocks.isEmpty
            && worstTotalVariation <= Self.totalVariationTolerance
    }

    /// Which published file a header is (nil: none of them).
    public static func kind(of header: [String]) -> FullReference.File? {
        for f: FullReference.File in [.customers, .mailoutTrain, .population] where FullReference.header(f) == header { return f }
        return nil
    }

    /// `kind`: which published file to compare with; nil tells it from the header (MAILOUT_TEST has
    /// the population's header: told by a file name with MAILOUT and TEST in it).
    public static func run(path: String, kind: FullReference.File? = nil) throws -> FullDataCheck {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(file: path, kind: .cannotOpen(reason: "no such file or not readable"))
        }
        defer { try? handle.close() }
        var scanner = Scanner(file: path)
        scanner.forcedKind = kind
        let name = (path as NSString).lastPathComponent.uppercased()
        if kind == nil && name.contains("MAILOUT") && name.contains("TEST") { scanner.forcedKind = .mailoutTest }
        while let chunk = try handle.read(upToCount: 16 << 20), !chunk.isEmpty {
            try chunk.withUnsafeBytes { try scanner.feed(UnsafeRawBufferPointer($0)) }
        }
        try scanner.finish()
        return try scanner.result()
    }

    /// Per column: empty cells, a hash of the set of empty rows, and code counts.
    struct Scanner {
        let file: String
        var header: [String] = []
        var kind: FullReference.File?
        var forcedKind: FullReference.File?
        var pending: [UInt8] = []
        var rows = 0
        var empty: [Int] = []
        var emptyHash: [UInt64] = []
        var counted: [Bool] = []
        var small: [[Int]] = []           // codes -16 ..< 4096
        var other: [[String: Int]] = []

        init(file: String) { self.file = file }

        mutating func feed(_ bytes: UnsafeRawBufferPointer) throws {
            var start = 0
            for i in 0..<bytes.count where bytes[i] == 0x0A {
                if pending.isEmpty {
                    try line(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
                } else {
                    pending += bytes[start..<i]
                    let l = pending
                    pending = []
                    try l.withUnsafeBytes { try line($0) }
                }
                start = i + 1
            }
            pending += bytes[start...]
        }

        mutating func finish() throws {
            if !pending.isEmpty {
                let l = pending
                pending = []
                try l.withUnsafeBytes { try line($0) }
            }
            if header.isEmpty { throw DataError(file: file, kind: .emptyFile) }
        }

        mutating func line(_ raw: UnsafeRawBufferPointer) throws {
            var bytes = raw
            if let last = bytes.last, last == 0x0D { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
            if header.isEmpty {
                header = String(decoding: bytes, as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false).map(String.init)
                guard let k = forcedKind.flatMap({ FullReference.header($0) == header ? $0 : nil }) ?? FullDataCheck.kind(of: header) else {
                    throw DataError(file: file, line: 1, kind: .other(
                        "the header is not one of the published full-layout files' (\(header.count) columns; the population has 366, customers 369, MAILOUT_TRAIN 367)"))
                }
                kind = k
                let p = header.count
                empty = [Int](repeating: 0, count: p)
                emptyHash = [UInt64](repeating: 0, count: p)
                let dataset = k.rawValue
                counted = header.map { FullReference.valueCounts[dataset]?[$0] != nil }
                small = header.indices.map { counted[$0] ? [Int](repeating: 0, count: 4112) : [] }
                other = Array(repeating: [:], count: p)
                return
            }
            if bytes.isEmpty { return }
            let row = rows
            rows += 1
            // A row's own hash: the empty rows of two columns hash alike only if they are the same set.
            var h = UInt64(truncatingIfNeeded: row) &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
            var c = 0, fieldStart = 0
            let n = bytes.count
            var i = 0
            while i <= n {
                if i == n || bytes[i] == UInt8(ascii: ";") {
                    guard c < header.count else {
                        throw DataError(file: file, line: row + 2, kind: .raggedRow(expected: header.count, found: c + 1))
                    }
                    if i == fieldStart {
                        empty[c] += 1
                        emptyHash[c] &+= h
                    } else if counted[c] {
                        count(UnsafeRawBufferPointer(rebasing: bytes[fieldStart..<i]), column: c)
                    }
                    c += 1
                    fieldStart = i + 1
                }
                i += 1
            }
            if c != header.count {
                throw DataError(file: file, line: row + 2, kind: .raggedRow(expected: header.count, found: c))
            }
        }

        mutating func count(_ field: UnsafeRawBufferPointer, column c: Int) {
            // Small integers (`8`, `8.0`, `-1`) through a table; anything else by its text.
            var value = 0, negative = false, i = 0, digits = 0
            if field.first == UInt8(ascii: "-") { negative = true; i = 1 }
            while i < field.count, field[i] >= 48, field[i] <= 57, digits < 6 { value = value * 10 + Int(field[i] - 48); i += 1; digits += 1 }
            if digits > 0 && (i == field.count || (i + 2 == field.count && field[i] == UInt8(ascii: ".") && field[i + 1] == UInt8(ascii: "0"))) {
                let v = negative ? -value : value
                if v >= -16 && v < 4096 { small[c][v + 16] += 1; return }
            }
            other[c][Code(token: String(decoding: field, as: UTF8.self)).description, default: 0] += 1
        }

        func result() throws -> FullDataCheck {
            guard let kind else { throw DataError(file: file, kind: .emptyFile) }
            let n = max(rows, 1)
            var missing: [MissingDeviation] = []
            for (c, name) in header.enumerated() {
                guard let published = FullReference.columnsByName[name]?.missing[kind] else { continue }
                missing.append(MissingDeviation(column: name, published: published, observed: Double(empty[c]) / Double(n)))
            }
            missing.sort { $0.points > $1.points || ($0.points == $1.points && $0.column < $1.column) }
            // Blocks (published for the population): columns of one block empty in the same rows.
            var blocks: [Block] = []
            if kind == .population {
                let index = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
                let groups = Dictionary(grouping: FullReference.columns.filter { ($0.block ?? 0) > 0 && index[$0.name] != nil }, by: { $0.block! })
                for key in groups.keys.sorted() {
                    let cols = groups[key]!.map(\.name)
                    guard cols.count > 1 else { continue }
                    let first = index[cols[0]]!
                    let differing = cols.dropFirst().filter {
                        let c = index[$0]!
                        return empty[c] != empty[first] || emptyHash[c] != emptyHash[first]
                    }
                    blocks.append(Block(publishedMissingCount: key, columns: cols, differing: Array(differing)))
                }
            }
            var marginals: [Marginal] = []
            for (c, name) in header.enumerated() where counted[c] {
                guard let published = FullReference.valueCounts[kind.rawValue]?[name] else { continue }
                var pub: [String: Double] = [:]
                for (v, k) in published where v != "NaN" && !v.isEmpty { pub[Code(token: v).description, default: 0] += k }
                var obs: [String: Double] = [:]
                for (i, k) in small[c].enumerated() where k > 0 { obs[String(i - 16), default: 0] += Double(k) }
                for (v, k) in other[c] { obs[v, default: 0] += Double(k) }
                let pTotal = pub.values.reduce(0, +), oTotal = obs.values.reduce(0, +)
                guard pTotal > 0, oTotal > 0 else { continue }
                var tv = 0.0, worst = ("", -1.0)
                for key in Set(pub.keys).union(obs.keys) {
                    let d = abs((pub[key] ?? 0) / pTotal - (obs[key] ?? 0) / oTotal)
                    tv += d
                    if d > worst.1 || (d == worst.1 && key < worst.0) { worst = (key, d) }
                }
                marginals.append(Marginal(column: name, totalVariation: tv / 2, worstValue: worst.0))
            }
            marginals.sort { $0.totalVariation > $1.totalVariation || ($0.totalVariation == $1.totalVariation && $0.column < $1.column) }
            return FullDataCheck(file: file, kind: kind.rawValue, rows: rows, missing: missing, blocks: blocks, marginals: marginals)
        }
    }

    public func summary(top: Int) -> String {
        var lines = ["\(file): \(rows) rows, the published \(kind) file's \(FullReference.header(FullReference.File(rawValue: kind)!).count) columns"]
        lines.append(String(format: "missing shares: %d columns compared, worst %.2f points off (tolerance %.1f)",
                            missing.count, worstMissingPoints, Self.missingTolerancePoints))
        for m in missing.prefix(top) where m.points > 0.05 {
            lines.append(String(format: "  %@ %.2f%% (published %.2f%%)", m.column, m.observed * 100, m.published * 100))
        }
        if !blocks.isEmpty {
            lines.append("missing blocks: \(blocks.count) compared, \(brokenBlocks.count) with columns empty in other rows")
            for b in brokenBlocks.prefix(top) { lines.append("  block of \(b.publishedMissingCount): \(b.differing.joined(separator: ", "))") }
        }
        if !marginals.isEmpty {
            lines.append(String(format: "marginals: %d columns compared, worst total variation %.4f (tolerance %.2f)",
                                marginals.count, worstTotalVariation, Self.totalVariationTolerance))
            for m in marginals.prefix(top) where m.totalVariation > 0.005 {
                lines.append(String(format: "  %@ %.4f (most off at %@)", m.column, m.totalVariation, m.worstValue))
            }
        }
        lines.append(passes ? "PASS: matches the published facts" : "FAIL: does not match the published facts (see the lines above)")
        return lines.joined(separator: "\n")
    }
}
