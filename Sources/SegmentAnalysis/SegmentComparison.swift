import Foundation
import SegmentCore
import SegmentData
import SegmentModels

/// Customers against the population, group by group: each cluster, and the high-missing rows as a
/// group of their own. Shares are of all rows of each file.
public struct SegmentComparison: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        /// The cluster number, or nil for the high-missing group.
        public var cluster: Int?
        public var name: String
        public var populationCount: Int
        public var customerCount: Int
        public var populationShare: Double
        public var customerShare: Double
        /// customerShare / populationShare with a 95% confidence interval (log-ratio normal
        /// approximation; 0.5 added to zero counts).
        public var ratio: Double
        public var ratioLow: Double
        public var ratioHigh: Double
        /// customerShare - populationShare (percentage points / 100) with a 95% Wald interval.
        public var difference: Double
        public var differenceLow: Double
        public var differenceHigh: Double
        /// "over", "under" or "neutral" by `SegmentComparison.rule`.
        public var representation: String
    }

    public var groups: [Group]
    public var populationRows: Int
    public var customerRows: Int
    public static let overThreshold = 1.5
    public static let rule = "over-represented: ratio >= 1.5 and its 95% interval above 1; under-represented: ratio <= 1/1.5 and its interval below 1; otherwise neutral"

    public var over: [Group] { groups.filter { $0.representation == "over" }.sorted { $0.ratio > $1.ratio } }
    public var under: [Group] { groups.filter { $0.representation == "under" }.sorted { $0.ratio < $1.ratio } }

    /// `populationLabels`/`customerLabels`: a cluster per row, or -1 for a high-missing row.
    public init(k: Int, populationLabels: [Int32], customerLabels: [Int32]) {
        populationRows = populationLabels.count
        customerRows = customerLabels.count
        var pc = [Int](repeating: 0, count: k + 1), cc = pc
        for l in populationLabels { pc[l < 0 ? k : Int(l)] += 1 }
        for l in customerLabels { cc[l < 0 ? k : Int(l)] += 1 }
        let np = Double(max(1, populationRows)), nc = Double(max(1, customerRows))
        groups = (0...k).map { j in
            let p = Double(pc[j]) / np, c = Double(cc[j]) / nc
            // Log-ratio interval; 0.5 continuity correction when a count is zero.
            let pa = max(Double(pc[j]), 0.5) / np, ca = max(Double(cc[j]), 0.5) / nc
            let ratio = p > 0 ? c / p : (c > 0 ? .infinity : 1)
            let se = ((1 - ca) / (nc * ca) + (1 - pa) / (np * pa)).squareRoot()
            let lr = log(ca / pa)
            let lo = exp(lr - 1.96 * se), hi = exp(lr + 1.96 * se)
            let dse = (c * (1 - c) / nc + p * (1 - p) / np).squareRoot()
            let rep: String
            if ratio >= Self.overThreshold && lo > 1 { rep = "over" } else if ratio <= 1 / Self.overThreshold && hi < 1 { rep = "under" } else { rep = "neutral" }
            return Group(cluster: j < k ? j : nil, name: j < k ? "segment \(j)" : "high-missing rows",
                         populationCount: pc[j], customerCount: cc[j], populationShare: p, customerShare: c,
                         ratio: ratio, ratioLow: lo, ratioHigh: hi, difference: c - p,
                         differenceLow: c - p - 1.96 * dse, differenceHigh: c - p + 1.96 * dse, representation: rep)
        }
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
