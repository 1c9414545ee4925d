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

    /// `rows`: every rank's rows; `perRow`: this rank's rows' missing counts (`table`'s rows).
    /// `ranks`: the other processes of an `mpirun`, each holding its own rows: the counts below are
    /// gathered and added, so every rank makes the assessment one process makes of every row.
    init(table: RawTable, rows n: Int, recipe: CleaningRecipe, missingCounts: [Int], perRow: [UInt16], histogram: [Int],
         resolvers: [ColumnResolver], keptIndices: [Int], threads: Int, ranks: (any ProcessGroup)? = nil) throws {
        let schema = table.schema
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
        highMissingRows = histogram[min(histogram.count, recipe.rowThreshold + 1)...].reduce(0, +)
        lowMissingRows = n - highMissingRows
        coMissingGroups = try Self.groups(table, rows: n, resolvers: resolvers, missingCounts: missingCounts, ranks: ranks)
        groupDifferences = try Self.differences(table, kept: keptIndices, resolvers: resolvers, perRow: perRow,
                                                threshold: recipe.rowThreshold, ranks: ranks)
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

    /// `n`: every rank's rows; `missingCounts`: every rank's. Each rank intersects its own rows'
    /// missing sets, and the intersections' sizes are added over the ranks.
    static func groups(_ table: RawTable, rows n: Int, resolvers: [ColumnResolver], missingCounts: [Int],
                       ranks: (any ProcessGroup)? = nil) throws -> [CoMissingGroup] {
        let p = table.codes.columns
        let candidates = (0..<p).filter { missingCounts[$0] > 0 && missingCounts[$0] < n }
        let words = (table.rowCount + 63) / 64
        // A bit per row for each candidate column (each column in one pass, by its codes).
        let bits = Parallel.map(candidates.count, workers: ProcessInfoCompat.activeProcessorCount, schedule: .dynamic) { k in
            table.codes.bits(column: candidates[k]) { resolvers[candidates[k]].isMissing($0) }
        }
        // Every pair's intersection, a < b, row by row of the upper triangle.
        let m = candidates.count
        var intersections = Parallel.map(m, workers: ProcessInfoCompat.activeProcessorCount, schedule: .dynamic) { a in
            ((a + 1)..<max(a + 1, m)).map { b in
                var inter = 0
                for w in 0..<words { inter += (bits[a][w] & bits[b][w]).nonzeroBitCount }
                return inter
            }
        }.flatMap { $0 }
        intersections = try ranks?.summed(intersections) ?? intersections
        // Single linkage on Jaccard >= 0.9.
        var parent = Array(0..<candidates.count)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { x = parent[x] }; return x }
        var linkJaccard: [Int: Double] = [:]
        var pair = 0
        for a in 0..<candidates.count {
            for b in (a + 1)..<max(a + 1, candidates.count) {
                let inter = intersections[pair]
                pair += 1
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
        // The groups in a fixed order (by first member), and the rows missing in all of a group's
        // columns counted on each rank and added.
        let linked = members.values.filter { $0.count >= 2 }.sorted { $0[0] < $1[0] }
        var inAll = linked.map { ks in
            var all = bits[ks[0]]
            for k in ks.dropFirst() { for w in 0..<words { all[w] &= bits[k][w] } }
            return all.reduce(0) { $0 + $1.nonzeroBitCount }
        }
        inAll = try ranks?.summed(inAll) ?? inAll
        var out: [CoMissingGroup] = []
        for (g, ks) in linked.enumerated() {
            out.append(CoMissingGroup(columns: ks.map { table.schema.features[candidates[$0]].name },
                                      missingCounts: ks.map { missingCounts[candidates[$0]] },
                                      rowsMissingInAll: inAll[g],
                                      minimumJaccard: ks.map { linkJaccard[$0] ?? 1 }.min() ?? 1))
        }
        return out.sorted { ($0.rowsMissingInAll, $0.columns.first ?? "") > ($1.rowsMissingInAll, $1.columns.first ?? "") }
    }

    static func differences(_ table: RawTable, kept: [Int], resolvers: [ColumnResolver], perRow: [UInt16],
                            threshold: Int, ranks: (any ProcessGroup)? = nil) throws -> [GroupDifference] {
        let group = perRow.map { Int($0) > threshold ? UInt8(1) : 0 }
        // Columns are independent: each is counted per code, apart for the low- and the
        // high-missing rows, in one pass down the column (on each rank, then added).
        let cores = min(ProcessInfoCompat.activeProcessorCount, max(1, kept.count))
        let countedByColumn = try ValueCounts.gathered(Parallel.map(kept.count, workers: cores, schedule: .dynamic) { k in
            ValueCounts(table, column: kept[k], group: group, groups: 2)
        }, over: ranks)
        let differences = kept.indices.map { k -> GroupDifference in
            let c = kept[k]
            let counted = countedByColumn[k]
            // The present (not missing) values' counts in each group, aligned by value, ascending.
            var low: [Int] = [], high: [Int] = []
            // An empty cell is missing (`isMissing(.nan)` holds for every column).
            var lowMiss = counted.empty[0], highMiss = counted.empty[1]
            for (i, v) in counted.values.enumerated() {
                if resolvers[c].isMissing(v) {
                    lowMiss += counted.counts[0][i]
                    highMiss += counted.counts[1][i]
                } else {
                    low.append(counted.counts[0][i])
                    high.append(counted.counts[1][i])
                }
            }
            let lowPresent = low.reduce(0, +), highPresent = high.reduce(0, +)
            // Total variation distance between the two groups' distributions of present values.
            let tv: Double? = highPresent >= 30 && lowPresent >= 30
                ? zip(low, high).reduce(0.0) { $0 + abs(Double($1.0) / Double(lowPresent) - Double($1.1) / Double(highPresent)) } / 2
                : nil
            let lowRows = lowPresent + lowMiss, highRows = highPresent + highMiss
            return GroupDifference(column: table.schema.features[c].name, totalVariation: tv,
                                   missingShareLow: lowRows > 0 ? Double(lowMiss) / Double(lowRows) : 0,
                                   missingShareHigh: highRows > 0 ? Double(highMiss) / Double(highRows) : 0)
        }
        return differences.sorted { ($0.totalVariation ?? -1) > ($1.totalVariation ?? -1) }
    }
}
