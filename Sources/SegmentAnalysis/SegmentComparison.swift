import Foundation
import SegmentCore
import SegmentData
import SegmentModels

/// Customers against the population, group by group: each cluster, and the high-missing rows as a
/// group of their own.
///
/// A segment's shares are taken among the people the clusters describe (the low-missing rows of each
/// file), so that a file with more high-missing rows does not dilute every ratio: customers are often
/// 26% high-missing against the population's 10%, which multiplies every ratio taken over all rows by
/// about 0.83. The same shares over all rows are kept beside them (`...OfAll`). The high-missing group
/// is a data-coverage finding, not a segment: its shares are of all rows, and the over/under rule does
/// not apply to it (`representation` is "coverage").
public struct SegmentComparison: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        /// The cluster number, or nil for the high-missing group.
        public let cluster: Int?
        public let name: String
        public let populationCount: Int
        public let customerCount: Int
        /// Shares among the characterised (low-missing) rows of each file; for the high-missing
        /// group, among all rows.
        public let populationShare: Double
        public let customerShare: Double
        /// customerShare / populationShare with a 95% confidence interval (log-ratio normal
        /// approximation; 0.5 added to zero counts).
        public let ratio: Double
        public let ratioLow: Double
        public let ratioHigh: Double
        /// customerShare - populationShare (percentage points / 100) with a 95% Wald interval.
        public let difference: Double
        public let differenceLow: Double
        public let differenceHigh: Double
        /// "over", "under" or "neutral" by `SegmentComparison.rule`; "coverage" for the high-missing group.
        public let representation: String
        /// The shares and ratio over all rows of each file (the high-missing rows in the denominators).
        public let populationShareOfAll: Double
        public let customerShareOfAll: Double
        public let ratioOfAll: Double
    }

    /// A segment worth mailing: over-represented among customers, ranked by its ratio.
    public struct Target: Codable, Sendable, Equatable {
        public let rank: Int
        public let cluster: Int
        public let ratio: Double
        public let ratioLow: Double
        public let ratioHigh: Double
        /// People of the population file in the segment, and their share of all its rows: whom a
        /// mail-out to the segment reaches.
        public let populationCount: Int
        public let populationShareOfAll: Double
        /// Customers per 100 people of the segment, at the two files' scale (customer rows in the
        /// segment / population rows in the segment x 100); `SegmentComparison.customersPerHundred`
        /// is the same over all characterised rows, the rate of a mail-out to everyone.
        public let customersPerHundred: Double
        /// Mailing this segment and every higher-ranked one: the share of all population rows
        /// reached, and the share of all customers who look like them.
        public let cumulativePopulationShareOfAll: Double
        public let cumulativeCustomerShareOfAll: Double
    }

    /// Clusters 0..<k, then the high-missing group.
    public let groups: [Group]
    public let populationRows: Int
    public let customerRows: Int
    /// The rows the clusters describe (low-missing), per file.
    public let populationCharacterisedRows: Int
    public let customerCharacterisedRows: Int
    /// Customers per 100 characterised people, at the files' scale: the rate of an untargeted mail-out.
    public let customersPerHundred: Double
    /// The over-represented segments, highest ratio first.
    public let targets: [Target]

    public static let overThreshold = 1.5
    public static let rule = "shares among the people the segments describe (low-missing rows); over-represented: ratio >= 1.5 and its 95% interval above 1; under-represented: ratio <= 1/1.5 and its interval below 1; otherwise neutral"

    public var segments: ArraySlice<Group> { groups.dropLast() }
    public var highMissing: Group { groups[groups.count - 1] }
    public var over: [Group] { groups.filter { $0.representation == "over" }.sorted { $0.ratio > $1.ratio } }
    public var under: [Group] { groups.filter { $0.representation == "under" }.sorted { $0.ratio < $1.ratio } }

    /// `populationLabels`/`customerLabels`: a cluster per row, or -1 for a high-missing row.
    public init(k: Int, populationLabels: [Int32], customerLabels: [Int32]) {
        populationRows = populationLabels.count
        customerRows = customerLabels.count
        var pc = [Int](repeating: 0, count: k + 1), cc = pc
        for l in populationLabels { pc[l < 0 ? k : Int(l)] += 1 }
        for l in customerLabels { cc[l < 0 ? k : Int(l)] += 1 }
        populationCharacterisedRows = populationRows - pc[k]
        customerCharacterisedRows = customerRows - cc[k]
        let np = Double(populationRows), nc = Double(customerRows)
        let lp = Double(populationCharacterisedRows), lc = Double(customerCharacterisedRows)
        groups = (0...k).map { j in
            let isSegment = j < k
            // Segments are compared among the characterised rows; the high-missing group among all.
            let (basePopulation, baseCustomers) = isSegment ? (lp, lc) : (np, nc)
            let share = Self.shares(pc[j], cc[j], basePopulation, baseCustomers)
            let all = Self.shares(pc[j], cc[j], np, nc)
            let rep: String
            if !isSegment {
                rep = "coverage"
            } else if share.ratio >= Self.overThreshold && share.low > 1 {
                rep = "over"
            } else if share.ratio <= 1 / Self.overThreshold && share.high < 1 {
                rep = "under"
            } else {
                rep = "neutral"
            }
            return Group(cluster: isSegment ? j : nil, name: isSegment ? "segment \(j)" : "high-missing rows",
                         populationCount: pc[j], customerCount: cc[j],
                         populationShare: share.population, customerShare: share.customer,
                         ratio: share.ratio, ratioLow: share.low, ratioHigh: share.high,
                         difference: share.difference, differenceLow: share.differenceLow,
                         differenceHigh: share.differenceHigh, representation: rep,
                         populationShareOfAll: all.population, customerShareOfAll: all.customer, ratioOfAll: all.ratio)
        }
        customersPerHundred = lp > 0 ? 100 * lc / lp : .nan
        var reach = 0.0, captured = 0.0
        let ranked = groups.filter { $0.representation == "over" }.sorted { ($0.ratio, -$0.cluster!) > ($1.ratio, -$1.cluster!) }
        targets = ranked.enumerated().map { i, g in
            reach += g.populationShareOfAll
            captured += g.customerShareOfAll
            return Target(rank: i + 1, cluster: g.cluster!, ratio: g.ratio, ratioLow: g.ratioLow, ratioHigh: g.ratioHigh,
                          populationCount: g.populationCount, populationShareOfAll: g.populationShareOfAll,
                          customersPerHundred: g.populationCount > 0 ? 100 * Double(g.customerCount) / Double(g.populationCount) : .nan,
                          cumulativePopulationShareOfAll: reach, cumulativeCustomerShareOfAll: captured)
        }
    }

    /// Shares of `populationCount` of `populationBase` and `customerCount` of `customerBase`, their
    /// ratio with its log-ratio interval, and their difference with its Wald interval.
    static func shares(_ populationCount: Int, _ customerCount: Int, _ populationBase: Double, _ customerBase: Double)
        -> (population: Double, customer: Double, ratio: Double, low: Double, high: Double,
            difference: Double, differenceLow: Double, differenceHigh: Double) {
        let np = max(1, populationBase), nc = max(1, customerBase)
        let p = Double(populationCount) / np, c = Double(customerCount) / nc
        // Log-ratio interval; 0.5 continuity correction when a count is zero.
        let pa = max(Double(populationCount), 0.5) / np, ca = max(Double(customerCount), 0.5) / nc
        let ratio = p > 0 ? c / p : (c > 0 ? .infinity : 1)
        let se = ((1 - ca) / (nc * ca) + (1 - pa) / (np * pa)).squareRoot()
        let lr = log(ca / pa)
        let dse = (c * (1 - c) / nc + p * (1 - p) / np).squareRoot()
        return (p, c, ratio, exp(lr - 1.96 * se), exp(lr + 1.96 * se), c - p, c - p - 1.96 * dse, c - p + 1.96 * dse)
    }
}

/// The adjusted Rand index of two labelings (Hubert & Arabie): 1 for identical partitions, about 0
/// for independent ones.
public func adjustedRandIndex(_ a: [Int], _ b: [Int]) -> Double {
    precondition(a.count == b.count)
    let n = a.count
    guard n > 1 else { return 1 }
    var table: [Int: [Int: Int]] = [:]
    var ra: [Int: Int] = [:], rb: [Int: Int] = [:]
    for i in 0..<n {
        table[a[i], default: [:]][b[i], default: 0] += 1
        ra[a[i], default: 0] += 1
        rb[b[i], default: 0] += 1
    }
    func c2(_ x: Int) -> Double { Double(x) * Double(x - 1) / 2 }
    let index = table.values.reduce(0.0) { $0 + $1.values.reduce(0.0) { $0 + c2($1) } }
    let sa = ra.values.reduce(0.0) { $0 + c2($1) }, sb = rb.values.reduce(0.0) { $0 + c2($1) }
    let expected = sa * sb / c2(n)
    let maximum = (sa + sb) / 2
    guard maximum != expected else { return 1 }
    return (index - expected) / (maximum - expected)
}
