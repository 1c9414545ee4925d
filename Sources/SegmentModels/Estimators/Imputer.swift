import SegmentCore

/// Fills the NaNs of each column with a statistic of the column fitted on the population.
public struct Imputer: Estimator, Sendable {
    public enum Strategy: String, Codable, Sendable, CaseIterable {
        case mean, median
        case mostFrequent = "most-frequent"
    }

    public var strategy: Strategy
    public init(strategy: Strategy = .median) { self.strategy = strategy }

    /// The fitted fill values, one per column.
    public struct Model: Codable, Sendable, Equatable {
        public let strategy: Strategy
        public let fill: [Double]
        /// Columns with no value at all in the population (filled with 0).
        public let emptyColumns: [Int]

        public init(strategy: Strategy, fill: [Double], emptyColumns: [Int]) {
            self.strategy = strategy
            self.fill = fill
            self.emptyColumns = emptyColumns
        }

        /// Replaces every NaN of `x` with its column's fill value, in place.
        public func transform(_ x: inout Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) {
            precondition(x.columns == fill.count, "the matrix has \(x.columns) columns, the imputer \(fill.count)")
            ColumnTransform.apply(&x, fill: fill, mean: nil, scale: nil, inverse: false, threads: threads)
        }
    }

    /// Fits the fill values on `x` (NaN = missing).
    public func fit(_ x: Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) -> Model {
        // Median and most frequent: exact, via counts of distinct values (codes are few).
        model(from: ColumnScan.run(x, histograms: strategy != .mean, threads: threads))
    }

    /// The fill values from one statistics pass: the one place the fill rule lives. A column with
    /// no value at all is filled with 0 and listed.
    func model(from scan: ColumnScan.Result) -> Model {
        let p = scan.moments.count.count
        var fill = [Double](repeating: 0, count: p)
        var empty: [Int] = []
        for j in 0..<p {
            let value: Double?
            switch strategy {
            case .mean: value = scan.moments.count[j] == 0 ? nil : scan.moments.mean[j]
            case .median: value = scan.values[j].median
            case .mostFrequent: value = scan.values[j].mode
            }
            if let value { fill[j] = value } else { empty.append(j) }
        }
        return Model(strategy: strategy, fill: fill, emptyColumns: empty)
    }
}
