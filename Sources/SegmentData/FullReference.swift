/// Published facts about the full capstone data (aggregates only, from public notebooks; see
/// `../shared/reference/full` in the project's workspace): the four files' columns, their missing
/// shares and blocks, describe() statistics, value counts, and the two DIAS spreadsheets as rows.
/// The full-layout generator draws from them; `segment check --layout full` compares against them.
public enum FullReference {
    public static let populationRows = 891_221
    public static let customerRows = 191_652
    public static let mailoutTrainRows = 42_962
    public static let mailoutTestRows = 42_833
    public static let mailoutTrainPositives = 532

    public enum File: String, CaseIterable, Sendable {
        case population = "azdias", customers, mailoutTrain = "mailout_train", mailoutTest = "mailout_test"
    }

    public struct Column: Sendable {
        public var name: String
        public var dtype: String
        /// Position in each file (nil: not in that file). MAILOUT_TEST has the population's order.
        public var populationPosition: Int?
        public var customersPosition: Int?
        public var mailoutTrainPosition: Int?
        /// Missing share (0...1) per file, when published.
        public var missing: [File: Double]
        /// Columns with the same id share their missing rows in the population (0: never missing).
        public var block: Int?
        public var min: Double?, p25: Double?, median: Double?, p75: Double?, max: Double?, mean: Double?, std: Double?
        public var customersMin: Double?, customersMax: Double?, customersMean: Double?
    }

    public static let columns: [Column] = {
        rows(columnsCSV).map { f in
            func d(_ i: Int) -> Double? { Double(f[i]) }
            var missing: [File: Double] = [:]
            for (i, file) in [(6, File.population), (7, .customers), (8, .mailoutTrain), (9, .mailoutTest)] {
                if let v = d(i) { missing[file] = v / 100 }
            }
            return Column(name: f[3], dtype: f[4], populationPosition: Int(f[0]), customersPosition: Int(f[1]),
                          mailoutTrainPosition: Int(f[2]), missing: missing, block: Int(f[10]),
                          min: d(11), p25: d(12), median: d(13), p75: d(14), max: d(15), mean: d(16), std: d(17),
                          customersMin: d(18), customersMax: d(19), customersMean: d(20))
        }
    }()

    public static let columnsByName: [String: Column] = Dictionary(uniqueKeysWithValues: columns.map { ($0.name, $0) })

    /// The header of each file, in order.
    public static func header(_ file: File) -> [String] {
        let position: (Column) -> Int? = {
            switch file {
            case .population, .mailoutTest: return { $0.populationPosition }
            case .customers: return { $0.customersPosition }
            case .mailoutTrain: return { $0.mailoutTrainPosition }
            }
        }()
        return columns.compactMap { c in position(c).map { ($0, c.name) } }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Published value counts: file -> column -> [(value, count)] (for the population, complete lists
    /// whose counts add up to the non-null count).
    public static let valueCounts: [String: [String: [(value: String, count: Double)]]] = {
        var out: [String: [String: [(String, Double)]]] = [:]
        for f in rows(valueCountsCSV) {
            guard let n = Double(f[3]) else { continue }
            out[f[0], default: [:]][f[1], default: []].append((f[2], n))
        }
        return out
    }()

    /// The Values spreadsheet as rows: attribute, description (all lines joined), value cell text,
    /// meaning, whether the meaning came from a merged cell, and the spreadsheet row.
    public struct AttributeRow: Sendable {
        public var attribute: String, description: String, value: String, meaning: String
        public var fromMergedCell: Bool
        public var row: Int
    }

    public static let attributeRows: [AttributeRow] = rows(attributesCSV).map {
        AttributeRow(attribute: $0[0], description: $0[1], value: $0[2], meaning: $0[3], fromMergedCell: $0[4] == "1",
                     row: Int($0[5]) ?? 0)
    }

    /// What a code of a column means, from the published Values spreadsheet ("top earners" for
    /// LP_STATUS_GROB 5, "upper middleclass" for CAMEO_DEUG_2015 2). Two columns list their fine
    /// codes under merged group cells (LP_FAMILIE_GROB, LP_STATUS_GROB; xlsx_layout.md) while the
    /// data holds the group numbers 1...5: there code n is the n-th distinct meaning.
    public static func codeMeaning(column: String, code: String) -> String? {
        // The data's D19_* columns are the spreadsheet's D19_*_RZ attributes.
        guard let rows = attributeRowsByColumn[column] ?? attributeRowsByColumn[column + "_RZ"] else { return nil }
        if rows.contains(where: \.fromMergedCell) {
            var distinct: [String] = []
            for r in rows where Int(r.value).map({ $0 > 0 }) == true && !distinct.contains(r.meaning) { distinct.append(r.meaning) }
            guard let n = Int(code), n >= 1, n <= distinct.count else { return nil }
            return distinct[n - 1]
        }
        return rows.first { r in r.value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == code } }?.meaning
    }

    /// The first and last named codes of a column's scale (unknown codes left out), for saying
    /// which way a difference leans.
    public static func scaleEnds(column: String) -> (first: (Int, String), last: (Int, String))? {
        guard let rows = attributeRowsByColumn[column] ?? attributeRowsByColumn[column + "_RZ"],
              !rows.contains(where: \.fromMergedCell) else { return nil }
        let named = rows.compactMap { r -> (Int, String)? in
            guard let v = Int(r.value), v >= 0, !r.meaning.lowercased().hasPrefix("unknown") else { return nil }
            return (v, r.meaning)
        }.sorted { $0.0 < $1.0 }
        guard let first = named.first, let last = named.last, first.0 < last.0 else { return nil }
        return (first, last)
    }

    static let attributeRowsByColumn: [String: [AttributeRow]] = Dictionary(grouping: attributeRows, by: \.attribute)

    /// The Information Levels spreadsheet as rows (the attribute cell's raw text: a few hold two names).
    public struct LevelRow: Sendable {
        public var level: String, attribute: String, description: String, notes: String
        public var fromMergedCell: Bool
        public var row: Int
    }

    public static let levelRows: [LevelRow] = rows(levelsCSV).map {
        LevelRow(level: $0[0], attribute: $0[1], description: $0[2], notes: $0[3], fromMergedCell: $0[4] == "1",
                 row: Int($0[5]) ?? 0)
    }

    /// The body rows of an embedded table, split on tabs (the header row skipped).
    static func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n", omittingEmptySubsequences: true).dropFirst().map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
