import Foundation
import SegmentCore

/// Which data layout a file has: the 85-column subset or the full capstone layout (366 columns).
public enum DataLayout: String, Codable, Sendable, CaseIterable {
    case subset, full

    /// Told from a header: every subset column present and nothing beyond them is the subset;
    /// otherwise the full layout (any file of that shape, with or without metadata).
    public static func detect(header: [String]) -> DataLayout {
        let names = Set(header)
        let subset = FeatureSchema.azdias.names
        if subset.allSatisfy(names.contains) && names.count <= subset.count + 1 { return .subset }
        return .full
    }
}

/// How one data column of a full-layout file was typed, and why: what `schema.json`, the report and
/// `segment describe` show column by column.
public struct ColumnDecision: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        case userMapping = "--column-type"
        case featureSummary = "feature summary"
        case metadata = "DIAS metadata"
        case inferred = "inferred from the data"
        case unplaced = "not placed"

        public static let allOrdered: [Source] = [.userMapping, .featureSummary, .metadata, .inferred, .unplaced]
    }
    public var column: String
    public var type: FeatureType?
    public var source: Source
    /// How the column's name was matched to the metadata (exact, `_RZ`, documented spelling, absent).
    public var metadataMatch: DIASMetadata.Match
    public var metadataName: String?
    public var reason: String
    public var missingCodes: [String]
}

/// Builds the schema of a full-layout file: each column typed from (in order) the user's mapping,
/// the published feature summary (the 85 subset columns), the DIAS metadata, or the data itself;
/// a column no rule can place is reported and left out.
///
/// Rules for a column the metadata describes (its codes, their meanings):
/// - a `…` value or a meaning "numeric value" -> numeric;
/// - text codes (`1A`, `O`/`W`) -> categorical; two meaningful codes -> categorical (binary);
/// - meanings that name an order (very high ... very low, none, shares, activity, likelihood,
///   ages, counts) on most codes -> ordinal; otherwise categorical;
/// - codes meaning "unknown" / "no classification possible" are missing; codes in the data that the
///   metadata does not list (`X`, `XX`, `LP_*` 0) are undocumented, hence missing (the cleaning
///   recipe finds them in each file it reads).
///
/// Rules for a column it does not describe (from the first `sampleRows` rows):
/// - the id column (`LNR`, or `idColumn`) -> id: carried into every per-person output, never a feature;
/// - `YYYY-MM-DD...` text -> date (used as its year);
/// - other text with at most 50 distinct values -> categorical; more -> not placed (free text);
/// - two distinct values -> categorical (binary); non-integers or more than 30 distinct integers ->
///   numeric; 3-30 distinct integers -> ordinal (assumed: a small coded scale), said in the reason;
/// - empty in the sample -> not placed.
/// A numeric column whose non-zero values are all years (1800-2100) has 0 as its missing code
/// (`GEBURTSJAHR`).
public struct SchemaInference: Sendable {
    public var metadata: DIASMetadata?
    /// The published feature summary (the 85 subset columns), whose types take precedence.
    public var summary: FeatureSchema?
    public var userTypes: [String: FeatureType]
    public var idColumn: String
    public var sampleRows: Int = 20_000

    public init(metadata: DIASMetadata?, summary: FeatureSchema? = .azdias, userTypes: [String: FeatureType] = [:],
                idColumn: String = "LNR") {
        self.metadata = metadata
        self.summary = summary
        self.userTypes = userTypes
        self.idColumn = idColumn
    }

    /// Columns that are never features of the population: the customers' extra columns and the
    /// mail-out response (kept aside and summarised per segment instead).
    public static let asideColumns: Set<String> = ["PRODUCT_GROUP", "CUSTOMER_GROUP", "ONLINE_PURCHASE", "RESPONSE"]

    public struct Result: Sendable {
        public var schema: FeatureSchema
        public var decisions: [ColumnDecision]
    }

    /// Types the columns of a population file.
    public func infer(path: String, delimiter: UInt8? = nil) throws -> Result {
        let sample = try ColumnSample.read(path: path, rows: sampleRows, delimiter: delimiter)
        for name in userTypes.keys where !sample.header.contains(name) {
            throw DataError(file: path, line: 1, kind: .other("--column-type names '\(name)', which the header does not have"))
        }
        return infer(sample)
    }

    public func infer(_ sample: ColumnSample) -> Result {
        var features: [Feature] = []
        var decisions: [ColumnDecision] = []
        for (c, name) in sample.header.enumerated() where !Self.asideColumns.contains(name) {
            let stats = sample.stats[c]
            let described = metadata?.attribute(forColumn: name)
            let match = described?.1 ?? .absent
            var decision = ColumnDecision(column: name, type: nil, source: .unplaced, metadataMatch: match,
                                          metadataName: described?.0.name, reason: "", missingCodes: [])
            var feature: Feature?
            let level = described?.0.informationLevel ?? summary?[name]?.informationLevel ?? ""
            let textSeen = stats.textValues.count > 0
            if let t = userTypes[name] {
                var missing = described?.0.missingCodes ?? summary?[name]?.missingCodes ?? []
                if t == .numeric || t == .ordinal { missing += stats.textValues.sorted().map { Code.text($0) } }
                feature = Feature(name: name, informationLevel: level, type: t, missingCodes: missing, isText: textSeen || t == .date,
                                  validCodes: t == .categorical || t == .ordinal ? described?.0.validCodes : nil)
                decision.source = .userMapping
                decision.reason = "mapped by the user"
            } else if name == idColumn {
                feature = Feature(name: name, informationLevel: level, type: .id, missingCodes: [], isText: textSeen)
                decision.source = .inferred
                decision.reason = "the person id: carried into the per-person outputs"
            } else if let known = summary?[name] {
                // The published typing of the subset columns; the metadata's unknown codes added.
                var missing = known.missingCodes
                for code in described?.0.missingCodes ?? [] where !missing.contains(code) { missing.append(code) }
                for t in stats.textValues.sorted() where !textCodeIsValid(t, known) && !missing.contains(.text(t)) {
                    missing.append(.text(t))
                }
                feature = Feature(name: name, informationLevel: known.informationLevel, type: known.type, missingCodes: missing,
                                  isText: textSeen || known.isText)
                decision.source = .featureSummary
                decision.reason = "typed as in the published feature summary"
            } else if let (attr, _) = described {
                let (type, why) = Self.type(of: attr, stats: stats)
                var missing = attr.missingCodes
                let valid = attr.validCodes
                // Text in a column whose codes are numbers (`X` in CAMEO_DEUG_2015) is undocumented.
                for t in stats.textValues.sorted() where !valid.contains(.text(t)) && !missing.contains(.text(t)) {
                    missing.append(.text(t))
                }
                if type == .numeric, Self.looksLikeYears(stats), !missing.contains(.number(0)) { missing.append(.number(0)) }
                feature = Feature(name: name, informationLevel: level, type: type, missingCodes: missing, isText: textSeen,
                                  validCodes: type == .numeric || valid.isEmpty ? nil : valid)
                decision.source = .metadata
                decision.reason = why
            } else {
                let (type, why) = Self.inferFromData(stats, sampleRows: sample.rows)
                decision.reason = why
                if let type {
                    var missing: [Code] = []
                    if type == .numeric, Self.looksLikeYears(stats) { missing.append(.number(0)) }
                    feature = Feature(name: name, informationLevel: level, type: type, missingCodes: missing,
                                      isText: textSeen || type == .date)
                    decision.source = .inferred
                }
            }
            if var f = feature {
                if f.meaning == nil, let d = described?.0.description, !d.isEmpty { f.meaning = d }
                decision.type = f.type
                decision.missingCodes = f.missingCodes.map(\.description)
                if f.type == .numeric, f.missingCodes.contains(.number(0)), Self.looksLikeYears(stats) {
                    decision.reason += "; 0 is missing (a year column)"
                }
                features.append(f)
            }
            decisions.append(decision)
        }
        return Result(schema: FeatureSchema(features: features), decisions: decisions)
    }

    private func textCodeIsValid(_ t: String, _ f: Feature) -> Bool {
        // Text codes of a text column of the summary (CAMEO_DEU_2015's `1A`) are valid unless listed missing.
        f.isText && !f.missingCodes.contains(.text(t)) && Int(t) == nil && f.type != .numeric
            && t.count <= 3 && t != "X" && t != "XX"
    }

    /// The type the metadata implies, with the reason.
    static func type(of a: DIASMetadata.Attribute, stats: ColumnSample.Stats) -> (FeatureType, String) {
        if a.isNumeric { return (.numeric, "the metadata calls it a numeric value") }
        let valid = a.validCodes
        if valid.contains(where: { $0.number == nil }) { return (.categorical, "text codes in the metadata") }
        if valid.count <= 2 { return (.categorical, "two codes in the metadata: binary") }
        let meanings = a.values.filter { v in v.codes.contains { valid.contains($0) } }.map(\.meaning)
        let ordered = meanings.filter(Self.namesAnOrder).count
        if Double(ordered) >= 0.6 * Double(max(1, meanings.count)) {
            return (.ordinal, "the metadata's meanings are ordered (\(ordered) of \(meanings.count) name a level)")
        }
        return (.categorical, "the metadata's meanings are names, not levels")
    }

    /// Words that put a code on a scale.
    static func namesAnOrder(_ meaning: String) -> Bool {
        let m = " " + meaning.lowercased() + " "
        let words = ["very", "high", "low", "average", "most", "least", "more", "less", "none", "no ", "share",
                     "activity", "likely", "probab", "poor", "good", "young", "old", "elder", "wealth", "rich",
                     "small", "large", "big", "dens", "far", "near", "close", "distance", "strong", "weak",
                     "top", "bottom", "mainly", "frequent", "rare", "month", "year", "days", "-", "<", ">",
                     "inhabitants", "households", "persons", "buildings", "cars", "affinity", "prosperous",
                     "1st", "2nd", "3rd", "extremely", "slightly", "upper", "lower", "middle", "mid"]
        if m.contains(where: \.isNumber) { return true }
        return words.contains { m.contains($0) }
    }

    static func inferFromData(_ s: ColumnSample.Stats, sampleRows: Int) -> (FeatureType?, String) {
        if s.nonEmpty == 0 { return (nil, "empty in the first \(sampleRows) rows: give --column-type to keep it") }
        if !s.textValues.isEmpty {
            if s.dateCount * 10 >= s.nonEmpty * 9 { return (.date, "YYYY-MM-DD dates: used as the year") }
            if s.textOverflow || s.textValues.count + s.numbers.count > 50 {
                return (nil, "free text (more than 50 distinct values): give --column-type to keep it")
            }
            return (.categorical, "text codes (\(s.textValues.count + s.numbers.count) distinct)")
        }
        let distinct = s.numbersOverflow ? Int.max : s.numbers.count
        if distinct == 1 { return (nil, "a single value in the first \(sampleRows) rows: nothing to learn from it") }
        if distinct == 2 { return (.categorical, "two values: binary") }
        if s.nonIntegral > 0 { return (.numeric, "decimal values") }
        if distinct > 30 { return (.numeric, "more than 30 distinct integers: a count or measure") }
        return (.ordinal, "\(distinct) distinct small integers, no metadata: assumed an ordered scale")
    }

    static func looksLikeYears(_ s: ColumnSample.Stats) -> Bool {
        guard s.textValues.isEmpty, !s.numbersOverflow || s.minNonZero >= 1800 else { return false }
        return s.minNonZero >= 1800 && s.maxValue <= 2100 && s.maxValue >= 1800
    }
}

/// The first rows of a file, column by column: what type inference looks at.
public struct ColumnSample: Sendable {
    public struct Stats: Sendable {
        public var nonEmpty = 0
        public var nonIntegral = 0
        public var dateCount = 0
        public var textValues: Set<String> = []
        public var textOverflow = false
        public var numbers: Set<Double> = []
        public var numbersOverflow = false
        public var minNonZero = Double.infinity
        public var maxValue = -Double.infinity
    }

    public var header: [String]
    public var rows: Int
    public var stats: [Stats]

    static let distinctCap = 256

    /// Reads the header and up to `rows` data rows (at most 64 MiB) of a `;`- or `,`-separated file.
    /// Reads the header and up to `rows` data rows: in 1 MiB blocks until that many lines are in,
    /// at most 64 MiB (16 MiB for the header alone, the CSV reader's limit), so telling a file's
    /// layout reads only its first line.
    public static func read(path: String, rows: Int, delimiter: UInt8? = nil) throws -> ColumnSample {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw DataError(file: path, kind: .isDirectory)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(file: path, kind: .cannotOpen(reason: "no such file or not readable"))
        }
        defer { try? handle.close() }
        let cap = rows == 0 ? 16 << 20 : 64 << 20
        var bytes: [UInt8] = []
        var lines = 0
        var ended = false
        while bytes.count < cap {
            guard let chunk = try? handle.read(upToCount: min(1 << 20, cap - bytes.count)), !chunk.isEmpty else { ended = true; break }
            lines += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            bytes += chunk
            if lines > rows { break }
        }
        if rows == 0, lines == 0, !ended {
            throw DataError(file: path, line: 1, kind: .other("the header line is longer than 16 MiB"))
        }
        return try parse(bytes, file: path, rows: rows, delimiter: delimiter, complete: ended)
    }

    /// `complete`: the bytes are the whole file (otherwise the last, partial line is left out).
    public static func parse(_ bytes: [UInt8], file: String, rows maxRows: Int, delimiter: UInt8? = nil,
                             complete: Bool = true) throws -> ColumnSample {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)[...]
        guard var headerLine = lines.popFirst() else { throw DataError(file: file, kind: .emptyFile) }
        if headerLine.starts(with: [0xEF, 0xBB, 0xBF]) { headerLine = headerLine.dropFirst(3) }
        let delim = delimiter ?? (headerLine.contains(UInt8(ascii: ";")) ? UInt8(ascii: ";") : UInt8(ascii: ","))
        let header = split(headerLine, delim).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces) }
        var stats = [Stats](repeating: Stats(), count: header.count)
        // A file read in part ends in a partial line: leave it out.
        if !complete, bytes.last != UInt8(ascii: "\n"), !lines.isEmpty { lines = lines.dropLast() }
        var n = 0
        for line in lines {
            if n >= maxRows { break }
            let fields = split(line, delim)
            if fields.count == 1 && fields[0].allSatisfy({ $0 == 13 || $0 == 32 }) { continue }
            n += 1
            for (c, f) in fields.enumerated() where c < header.count {
                var t = f[...]
                while let l = t.last, l == 13 || l == 32 { t = t.dropLast() }
                while let h = t.first, h == 32 { t = t.dropFirst() }
                if t.first == UInt8(ascii: "\""), t.last == UInt8(ascii: "\""), t.count >= 2 { t = t.dropFirst().dropLast() }
                if t.isEmpty { continue }
                stats[c].nonEmpty += 1
                let s = String(decoding: t, as: UTF8.self)
                if let d = Double(s), d.isFinite, s.first != "." {
                    if d != d.rounded() { stats[c].nonIntegral += 1 }
                    if d != 0 { stats[c].minNonZero = min(stats[c].minNonZero, d) }
                    stats[c].maxValue = max(stats[c].maxValue, d)
                    if !stats[c].numbersOverflow {
                        stats[c].numbers.insert(d)
                        if stats[c].numbers.count > distinctCap { stats[c].numbersOverflow = true; stats[c].numbers = [] }
                    }
                } else {
                    if isDate(t) { stats[c].dateCount += 1 }
                    if !stats[c].textOverflow {
                        stats[c].textValues.insert(s)
                        if stats[c].textValues.count > distinctCap { stats[c].textOverflow = true }
                    }
                }
            }
        }
        return ColumnSample(header: header, rows: n, stats: stats)
    }

    static func split(_ line: ArraySlice<UInt8>, _ delim: UInt8) -> [ArraySlice<UInt8>] {
        line.split(separator: delim, omittingEmptySubsequences: false)
    }

    /// `YYYY-MM-DD` at the start.
    static func isDate(_ t: ArraySlice<UInt8>) -> Bool {
        guard t.count >= 10 else { return false }
        let b = Array(t.prefix(10))
        func digit(_ i: Int) -> Bool { b[i] >= 48 && b[i] <= 57 }
        return digit(0) && digit(1) && digit(2) && digit(3) && b[4] == 45 && digit(5) && digit(6) && b[7] == 45 && digit(8) && digit(9)
    }

    /// The year of a `YYYY-MM-DD...` text, or nil.
    public static func year(_ text: String) -> Int? {
        let u = Array(text.utf8)
        guard isDate(u[...]) else { return nil }
        return Int(String(decoding: u.prefix(4), as: UTF8.self))
    }
}
