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
        // Sixty-four rows at a time (one word of every column's bit set; the rows stay in cache while
        // each column is tested), word ranges split between the cores. `flat` is word-major.
        let kc = candidates.count
        let flat = RowBlocks(rows: words, threads: ProcessInfoCompat.activeProcessorCount, minRows: 64)
            .fill(width: kc, repeating: UInt64(0)) { block, out in
                // Eight words' rows decoded at a time.
                let rows = (block.lowerBound * 64)..<min(n, block.upperBound * 64)
                table.codes.forEachTile(of: rows, tileRows: 512) { tileRows, cells in
                    var first = tileRows.lowerBound
                    while first < tileRows.upperBound {
                        let last = min(tileRows.upperBound, first + 64)
                        let i = first / 64 - block.lowerBound
                        for (k, c) in candidates.enumerated() {
                            var mask: UInt64 = 0
                            for r in first..<last where resolvers[c].isMissing(cells[(r - tileRows.lowerBound) * p + c]) {
                                mask |= 1 << UInt64(r - first)
                            }
                            out[i * kc + k] = mask
                        }
                        first = last
                    }
                }
            }
        let bits = (0..<kc).map { k in (0..<words).map { flat[$0 * kc + k] } }
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
        let n = table.rowCount
        let isHigh = perRow.map { Int($0) > threshold }
        // Columns are independent: each core takes every other column, and goes down each column
        // (stored contiguously) a run of rows at a time.
        let step = min(ProcessInfoCompat.activeProcessorCount, max(1, kept.count))
        let perWorker = Parallel.map(step, workers: step) { w -> [(Int, GroupDifference)] in
            let mine = Array(stride(from: w, to: kept.count, by: step))
            var low = [CodeHistogram](repeating: CodeHistogram(), count: mine.count), high = low
            var lowMiss = [Int](repeating: 0, count: mine.count), highMiss = lowMiss
            let run = 4_096
            var cells = [Double](repeating: 0, count: run)
            for (m, k) in mine.enumerated() {
                let c = kept[k]
                var tile = 0
                while tile < n {
                    let tileEnd = min(n, tile + run)
                    table.codes.decode(column: c, rows: tile..<tileEnd, into: &cells)
                    for r in tile..<tileEnd {
                        let v = cells[r - tile]
                        if resolvers[c].isMissing(v) {
                            if isHigh[r] { highMiss[m] += 1 } else { lowMiss[m] += 1 }
                        } else if isHigh[r] {
                            high[m].add(v)
                        } else {
                            low[m].add(v)
                        }
                    }
                    tile = tileEnd
                }
            }
            return mine.enumerated().map { m, k in
                let c = kept[k]
                let tv: Double? = high[m].total >= 30 && low[m].total >= 30 ? low[m].totalVariation(high[m]) : nil
                let lowRows = low[m].total + lowMiss[m], highRows = high[m].total + highMiss[m]
                return (k, GroupDifference(column: table.schema.features[c].name, totalVariation: tv,
                                           missingShareLow: lowRows > 0 ? Double(lowMiss[m]) / Double(lowRows) : 0,
                                           missingShareHigh: highRows > 0 ? Double(highMiss[m]) / Double(highRows) : 0))
            }
        }
        var results = [GroupDifference?](repeating: nil, count: kept.count)
        for (k, d) in perWorker.joined() { results[k] = d }
        return results.map { $0! }.sorted { ($0.totalVariation ?? -1) > ($1.totalVariation ?? -1) }
    }
}

/// Counts of values: small integers in an array, anything else in a dictionary.
struct CodeHistogram {
    static let low = -16, size = 4_112
    var small = [Int](repeating: 0, count: CodeHistogram.size)
    var other: [Double: Int] = [:]
    var total = 0

    @inline(__always)
    mutating func add(_ v: Double) {
        total += 1
        if let i = Int(exactly: v), i >= Self.low, i < Self.low + Self.size { small[i - Self.low] += 1 } else { other[v, default: 0] += 1 }
    }

    func totalVariation(_ o: CodeHistogram) -> Double {
        var s = 0.0
        let a = Double(total), b = Double(o.total)
        for i in 0..<Self.size where small[i] != 0 || o.small[i] != 0 {
            s += abs(Double(small[i]) / a - Double(o.small[i]) / b)
        }
        for k in Set(other.keys).union(o.other.keys) {
            s += abs(Double(other[k] ?? 0) / a - Double(o.other[k] ?? 0) / b)
        }
        return s / 2
    }
}
