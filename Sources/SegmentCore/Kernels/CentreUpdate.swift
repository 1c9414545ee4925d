/// One finished k-means run (one of `nInit`), as the iterations leave it: what the estimator turns
/// into its fitted model.
package struct KMeansRun {
    package var centers: Matrix
    /// Sum of squared distances to the assigned centres, recomputed exactly.
    package var inertia: Double
    package var iterations: Int
    package var converged: Bool
    /// Empty clusters moved to far rows, over all iterations.
    package var relocated: Int
    /// The inertia of every assignment step (Lloyd only; empty for Hamerly).
    package var inertiaHistory: [Double]
    package var labels: [Int32]
    package var squaredDistances: [Double]

    package init(centers: Matrix, inertia: Double, iterations: Int, converged: Bool, relocated: Int,
                 inertiaHistory: [Double], labels: [Int32], squaredDistances: [Double]) {
        self.centers = centers
        self.inertia = inertia
        self.iterations = iterations
        self.converged = converged
        self.relocated = relocated
        self.inertiaHistory = inertiaHistory
        self.labels = labels
        self.squaredDistances = squaredDistances
    }
}

/// The update step shared by both ways of iterating (Lloyd, Hamerly).
package enum CentreUpdate {
    /// Each centre moves to the mean of its rows (`sums`
    /// over `counts`); an empty cluster moves to one of the rows farthest from their centres, ranked
    /// by `farness` (one value per row, larger is farther; only asked for when a cluster is empty),
    /// whose values `row(i)` gives. Returns the new centres and how many clusters were relocated.
    package static func update(sums: Matrix, counts: [Int], row: (Int) throws -> [Double],
                               farness: () throws -> [Double]) throws -> (centers: Matrix, relocated: Int) {
        let k = sums.rows, d = sums.columns
        var next = Matrix(rows: k, columns: d)
        var empty: [Int] = []
        for j in 0..<k {
            if counts[j] == 0 { empty.append(j); continue }
            for t in 0..<d { next[j, t] = sums[j, t] / Double(counts[j]) }
        }
        if !empty.isEmpty {
            let far = try farness()
            let order = (0..<far.count).sorted { far[$0] > far[$1] || (far[$0] == far[$1] && $0 < $1) }
            for (m, j) in empty.enumerated() where m < order.count {
                let row = try row(order[m])
                for t in 0..<d { next[j, t] = row[t] }
            }
        }
        return (next, empty.count)
    }
}
