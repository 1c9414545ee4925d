import SegmentCore

/// Where the population and the customers lie on the first two principal components: counts on a
/// grid over the population's central 99% of each axis (the 0.5% and 99.5% quantiles), for the
/// report's map. People outside that window are counted in the edge cells.
public struct PCDensity: Codable, Sendable, Equatable {
    /// The PC1 and PC2 ranges the grid covers.
    public var pc1: [Double]
    public var pc2: [Double]
    public var columns: Int
    public var rows: Int
    /// Counts per cell, row-major, row 0 at the top (the highest PC2), column 0 at the lowest PC1.
    public var population: [Int]
    public var customers: [Int]

    /// `nil` when there are fewer than two components or no rows.
    public static func make(population: Matrix, customers: Matrix, columns: Int = 40, rows: Int = 28) -> PCDensity? {
        // (A store in memory reads nothing, so it cannot fail; nor can a group of one.)
        try! make(population: RowStore(population), customers: customers, group: nil, columns: columns, rows: rows)
    }

    /// As `make` on a matrix, from a store in memory or spilled. Under `group`, the population's
    /// rows are spread over it (rank r holding `DistanceStep.ownRows`): the quantiles are found by
    /// counting (the same values as from every row), and the cells' counts are added. Every rank
    /// gets the same map.
    public static func make(population: RowStore, customers: Matrix, group: (any ProcessGroup)?,
                            columns: Int = 40, rows: Int = 28) throws -> PCDensity? {
        guard population.columns >= 2, population.rows > 0 else { return nil }
        let spread = group.flatMap { $0.size > 1 ? $0 : nil }
        let own = DistanceStep.ownRows(population.rows, spread).rows
        // This process's rows' first two components.
        var pcs = [[Double]](repeating: [], count: 2)
        for c in 0..<2 { pcs[c].reserveCapacity(own.count) }
        try population.forEachBlock(rows: 65_536, of: own) { range, m, first in
            for r in first..<(first + range.count) { pcs[0].append(m[r, 0]); pcs[1].append(m[r, 1]) }
        }
        let n = population.rows
        // (A column at a time: one sorted copy of a column is held at once.)
        let q = try pcs.map { try orderStatistics($0, at: [Int(Double(n - 1) * 0.005), Int(Double(n - 1) * 0.995)], of: spread) }
        func range(_ c: Int) -> [Double] {
            let lo = q[c][0], hi = q[c][1]
            return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5]
        }
        let r1 = range(0), r2 = range(1)
        func counts(_ x: [[Double]]) -> [Int] {
            var out = [Int](repeating: 0, count: columns * rows)
            for i in x[0].indices {
                let a = (x[0][i] - r1[0]) / (r1[1] - r1[0]), b = (x[1][i] - r2[0]) / (r2[1] - r2[0])
                guard a.isFinite, b.isFinite else { continue }
                let c = min(columns - 1, max(0, Int(a * Double(columns))))
                let r = rows - 1 - min(rows - 1, max(0, Int(b * Double(rows))))
                out[r * columns + c] += 1
            }
            return out
        }
        var population = counts(pcs)
        if let spread { population = try spread.summed(population, for: .map) }
        let customerPCs = customers.columns >= 2 ? (0..<2).map { c in (0..<customers.rows).map { customers[$0, c] } } : nil
        return PCDensity(pc1: r1, pc2: r2, columns: columns, rows: rows, population: population,
                         customers: customerPCs.map(counts) ?? [Int](repeating: 0, count: columns * rows))
    }

    /// The values of ranks `at` (0-based, in ascending order) among every rank's `values`: with
    /// one process by sorting, over a group by halving the range of the values' order-preserving
    /// bit patterns (64 rounds of counts, both quantiles at once). Both give the same values, bit for
    /// bit.
    static func orderStatistics(_ values: [Double], at: [Int], of group: (any ProcessGroup)?) throws -> [Double] {
        // Doubles as unsigned integers in the same order (-0 just below +0).
        func key(_ x: Double) -> UInt64 { x.sign == .minus ? ~x.bitPattern : x.bitPattern | (1 << 63) }
        func value(_ k: UInt64) -> Double { Double(bitPattern: k & (1 << 63) != 0 ? k & ~(1 << 63) : ~k) }
        var keys = values.map(key)
        keys.sort()
        guard let group else { return at.map { value(keys[$0]) } }
        // For each rank wanted: the least key with more than `at` keys at or below it.
        var lo = [UInt64](repeating: 0, count: at.count), hi = [UInt64](repeating: .max, count: at.count)
        while zip(lo, hi).contains(where: { $0 < $1 }) {
            let mid = zip(lo, hi).map { $0 + ($1 - $0) / 2 }
            // Keys at or below each middle, here, then over the group.
            let below = try group.summed(mid.map { m -> Int in
                var l = 0, h = keys.count
                while l < h { let c = (l + h) / 2; if keys[c] <= m { l = c + 1 } else { h = c } }
                return l
            }, for: .map)
            for i in at.indices where lo[i] < hi[i] {
                if below[i] > at[i] { hi[i] = mid[i] } else { lo[i] = mid[i] + 1 }
            }
        }
        return lo.map(value)
    }
}
