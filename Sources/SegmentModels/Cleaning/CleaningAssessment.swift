import Foundation
import SegmentCore
import SegmentData

/// What the cleaning found in the population, for the reports: missing shares by column, the
/// co-missing groups, the per-row missing histogram and split, and how the two row groups differ.
public struct CleaningAssessment: Codable, Sendable {
    public struct ColumnMissing: Codable, Sendable {
        public var name: String
        public var type: FeatureType
        public var missingCount: Int
        public var missingFraction: Double
        /// Why the column is left out, or nil when it is used.
        public var dropped: String?
    }

    /// Columns that go missing on (nearly) the same rows.
    public struct CoMissingGroup: Codable, Sendable {
        public var columns: [String]
        public var missingCounts: [Int]
        /// Rows missing in every column of the group.
        public var rowsMissingInAll: Int
        /// The smallest Jaccard similarity of the missing-row sets of two linked columns.
        public var minimumJaccard: Double
    }

    /// One kept column compared between the low- and high-missing rows.
    public struct GroupDifference: Codable, Sendable {
        public var column: String
        /// Total variation distance between the code distributions (non-missing cells) of the two
        /// groups; nil when the high-missing group has fewer than 30 values in the column.
        public var totalVariation: Double?
        public var missingShareLow: Double
        public var missingShareHigh: Double
    }

    public var rows: Int
    public var columns: [ColumnMissing]
    public var coMissingGroups: [CoMissingGroup]
    /// `rowHistogram[m]` = rows with m missing values over the kept columns.
    public var rowHistogram: [Int]
    public var rowThreshold: Int
    public var rowThresholdRule: String
    public var lowMissingRows: Int
    public var highMissingRows: Int
    /// Kept columns, most different between the row groups first.
    public var groupDifferences: [GroupDifference]
    /// How each kept column is encoded.
    public var encoding: [String: String]
    public var outputFeatures: Int

    /// Jaccard similarity at or above which two columns are linked into a co-missing group.
    public static let coMissingJaccard = 0.9

    init(table: RawTable, recipe: CleaningRecipe, missingCounts: [Int], perRow: [UInt16], histogram: [Int],
         resolvers: [ColumnResolver], keptIndices: [Int], threads: Int) {
        let schema = table.schema
        let n = table.rowCount
        rows = n
        let droppedBy = Dictionary(recipe.droppedColumns.map { ($0.name, $0.reason.rawValue) }, uniquingKeysWith: { a, _ in a })
        columns = schema.features.enumerated().map { c, f in
            ColumnMissing(name: f.name, type: f.type, missingCount: missingCounts[c],
                          missingFraction: Double(missingCounts[c]) / Double(max(n, 1)), dropped: droppedBy[f.name])
        }
        rowHistogram = histogram
        rowThreshold = recipe.rowThreshold
        rowThresholdRule = recipe.options.rowThreshold == .auto
            ? "auto: the middle of the gap between the two modes of the per-row histogram"
            : "given: --row-threshold \(recipe.options.rowThreshold)"
        highMissingRows = perRow.reduce(0) { $0 + (Int($1) > recipe.rowThreshold ? 1 : 0) }
        lowMissingRows = n - highMissingRows
        coMissingGroups = Self.groups(table, resolvers: resolvers, missingCounts: missingCounts)
        groupDifferences = Self.differences(table, kept: keptIndices, resolvers: resolvers, perRow: perRow,
                                            threshold: recipe.rowThreshold)
        var enc: [String: String] = [:]
        for f in recipe.features {
            switch f.source {
            case let .value(c): enc[c] = "kept as is"
            case let .binary(c, zero, one): enc[c] = zero == one ? "binary (one level: \(zero) -> 0)" : "binary: \(zero) -> 0, \(one) -> 1"
            case let .dummy(c, _): enc[c] = "one-hot, \(recipe.features.filter { $0.source.column == c }.count) levels"
            case let .engineered(c, _): enc[c] = "engineered: " + (EngineeredFeatures.parts(of: c) ?? []).joined(separator: ", ")
            case let .year(c): enc[c] = "date: its year"
            }
        }
        encoding = enc
        outputFeatures = recipe.features.count
    }

    static func groups(_ table: RawTable, resolvers: [ColumnResolver], missingCounts: [Int]) -> [CoMissingGroup] {
        let n = table.rowCount, p = table.codes.columns
        let candidates = (0..<p).filter { missingCounts[$0] > 0 && missingCounts[$0] < n }
        let words = (n + 63) / 64
        // A bit per row for each candidate column (each column in one pass, by its codes).
        let bits = Parallel.map(candidates.count, workers: ProcessInfoCompat.activeProcessorCount, schedule: .dynamic) { k in
            table.codes.bits(column: candidates[k]) { resolvers[candidates[k]].isMissing($0) }
        }
        // Single linkage on Jaccard >= 0.9.
        var parent = Array(0..<candidates.count)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { x = parent[x] }; return x }
        var linkJaccard: [Int: Double] = [:]
        for a in 0..<candidates.count {
            for b in (a + 1)..<max(a + 1, candidates.count) {
                var inter = 0
                for w in 0..<words { inter += (bits[a][w] & bits[b][w]).nonzeroBitCount }
                let union = missingCounts[candidates[a]] + missingCounts[candidates[b]] - inter
                let j = union > 0 ? Double(inter) / Double(union) : 0
                if j >= coMissingJaccard {
                    let ra = find(a), rb = find(b)
                    if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
                    linkJaccard[a] = min(linkJaccard[a] ?? 1, j)
                    linkJaccard[b] = min(linkJaccard[b] ?? 1, j)
                }
            }
        }
        var members: [Int: [Int]] = [:]
        for k in 0..<candidates.count { members[find(k), default: []].append(k) }
        var out: [CoMissingGroup] = []
        for (_, ks) in members where ks.count >= 2 {
            var all = bits[ks[0]]
            for k in ks.dropFirst() { for w in 0..<words { all[w] &= bits[k][w] } }
            out.append(CoMissingGroup(columns: ks.map { table.schema.features[candidates[$0]].name },
                                      missingCounts: ks.map { missingCounts[candidates[$0]] },
                                      rowsMissingInAll: all.reduce(0) { $0 + $1.nonzeroBitCount },
                                      minimumJaccard: ks.map { linkJaccard[$0] ?? 1 }.min() ?? 1))
        }
        return out.sorted { ($0.rowsMissingInAll, $0.columns.first ?? "") > ($1.rowsMissingInAll, $1.columns.first ?? "") }
    }

    static func differences(_ table: RawTable, kept: [Int], resolvers: [ColumnResolver], perRow: [UInt16],
                            threshold: Int) -> [GroupDifference] {
        let group = perRow.map { Int($0) > threshold ? UInt8(1) : 0 }
        // Columns are independent: each is counted per code, apart for the low- and the
        // high-missing rows, in one pass down the column.
        let cores = min(ProcessInfoCompat.activeProcessorCount, max(1, kept.count))
        let differences = Parallel.map(kept.count, workers: cores, schedule: .dynamic) { k -> GroupDifference in
            let c = kept[k]
            let counted = table.codes.valueCounts(column: c, group: group, groups: 2)
            var low = CodeHistogram(), high = CodeHistogram()
            // An empty cell is missing (`isMissing(.nan)` holds for every column).
            var lowMiss = counted.empty[0], highMiss = counted.empty[1]
            for (i, v) in counted.values.enumerated() {
                if resolvers[c].isMissing(v) {
                    lowMiss += counted.counts[0][i]
                    highMiss += counted.counts[1][i]
                } else {
                    low.add(v, count: counted.counts[0][i])
                    high.add(v, count: counted.counts[1][i])
                }
            }
            let tv: Double? = high.total >= 30 && low.total >= 30 ? low.totalVariation(high) : nil
            let lowRows = low.total + lowMiss, highRows = high.total + highMiss
            return GroupDifference(column: table.schema.features[c].name, totalVariation: tv,
                                   missingShareLow: lowRows > 0 ? Double(lowMiss) / Double(lowRows) : 0,
                                   missingShareHigh: highRows > 0 ? Double(highMiss) / Double(highRows) : 0)
        }
        return differences.sorted { ($0.totalVariation ?? -1) > ($1.totalVariation ?? -1) }
    }
}
/// Counts of values: small integers in an array, anything else in a dictionary.
struct CodeHistogram {
    static let low = -16, size = 4_112
    var small = [Int](repeating: 0, count: CodeHistogram.size)
    var other: [Double: Int] = [:]
    var total = 0

    /// Counts `v` `count` times.
    mutating func add(_ v: Double, count: Int = 1) {
        guard count > 0 else { return }
        total += count
        if let i = Int(exactly: v), i >= Self.low, i < Self.low + Self.size { small[i - Self.low] += count } else { other[v, default: 0] += count }
    }

    func totalVariation(_ o: CodeHistogram) -> Double {
        var s = 0.0
        let a = Double(total), b = Double(o.total)
        for i in 0..<Self.size where small[i] != 0 || o.small[i] != 0 {
            s += abs(Double(small[i]) / a - Double(o.small[i]) / b)
        }
        // In order: a Set's order changes from process to process, and with it the sum's last bits.
        for k in Set(other.keys).union(o.other.keys).sorted() {
            s += abs(Double(other[k] ?? 0) / a - Double(o.other[k] ?? 0) / b)
        }
        return s / 2
    }
}
