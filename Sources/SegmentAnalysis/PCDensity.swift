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
        guard population.columns >= 2, population.rows > 0 else { return nil }
        func range(_ c: Int) -> [Double] {
            let v = (0..<population.rows).map { population[$0, c] }.sorted()
            let lo = v[Int(Double(v.count - 1) * 0.005)], hi = v[Int(Double(v.count - 1) * 0.995)]
            return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5]
        }
        let r1 = range(0), r2 = range(1)
        func counts(_ x: Matrix) -> [Int] {
            var out = [Int](repeating: 0, count: columns * rows)
            for i in 0..<x.rows {
                let a = (x[i, 0] - r1[0]) / (r1[1] - r1[0]), b = (x[i, 1] - r2[0]) / (r2[1] - r2[0])
                guard a.isFinite, b.isFinite else { continue }
                let c = min(columns - 1, max(0, Int(a * Double(columns))))
                let r = rows - 1 - min(rows - 1, max(0, Int(b * Double(rows))))
                out[r * columns + c] += 1
            }
            return out
        }
        return PCDensity(pc1: r1, pc2: r2, columns: columns, rows: rows, population: counts(population),
                         customers: customers.columns >= 2 ? counts(customers) : [Int](repeating: 0, count: columns * rows))
    }
}
