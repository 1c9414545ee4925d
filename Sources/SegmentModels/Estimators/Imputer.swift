import SegmentCore
import SegmentData
/// Fills the NaNs of each column with a statistic of the column fitted on the population.
public struct Imputer: Sendable {
    public enum Strategy: String, Codable, Sendable, CaseIterable {
        case mean, median
        case mostFrequent = "most-frequent"
    }

    public var strategy: Strategy
    public init(strategy: Strategy = .median) { self.strategy = strategy }

    /// The fitted fill values, one per column.
    public struct Model: Codable, Sendable, Equatable {
        public var strategy: Strategy
        public var fill: [Double]
        /// Columns with no value at all in the population (filled with 0).
        public var emptyColumns: [Int]

        /// Replaces every NaN of `x` with its column's fill value, in place.
        public func transform(_ x: inout Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) {
            precondition(x.columns == fill.count, "the matrix has \(x.columns) columns, the imputer \(fill.count)")
            let p = x.columns, n = x.rows
            let workers = max(1, min(threads, n / 8192 + 1))
            fill.withUnsafeBufferPointer { f in
                let fBox = UncheckedSendable(f.baseAddress!)
                x.withUnsafeMutableBufferPointer { buf in
                    let box = UncheckedSendable(buf.baseAddress!)
                    parallelFor(workers) { w in
                        for i in (n * w / workers)..<(n * (w + 1) / workers) {
                            let row = box.value + i * p
                            for j in 0..<p where row[j].isNaN { row[j] = fBox.value[j] }
                        }
                    }
                }
            }
        }
    }

    /// Fits the fill values on `x` (NaN = missing).
    public func fit(_ x: Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) -> Model {
        let p = x.columns
        var fill = [Double](repeating: 0, count: p)
        var empty: [Int] = []
        switch strategy {
        case .mean:
            let m = ColumnScan.run(x, histograms: false, threads: threads).moments
            for j in 0..<p {
                if m.count[j] == 0 { empty.append(j) } else { fill[j] = m.mean[j] }
            }
        case .median, .mostFrequent:
            // Per column: exact, via counts of distinct values (codes are few) or a sort.
            let columns = ColumnScan.run(x, histograms: true, threads: threads).values
            for j in 0..<p {
                guard let v = strategy == .median ? columns[j].median : columns[j].mode else { empty.append(j); continue }
                fill[j] = v
            }
        }
        return Model(strategy: strategy, fill: fill, emptyColumns: empty)
    }
}

/// The distribution of one column's non-NaN values: distinct values with counts.
struct ColumnValues {
    var counts: [Double: Int] = [:]
    var total = 0

    var mode: Double? {
        // Most frequent; ties go to the smallest value (as scikit-learn does).
        counts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key
    }

    var median: Double? {
        guard total > 0 else { return nil }
        let sorted = counts.sorted { $0.key < $1.key }
        func at(_ rank: Int) -> Double {
            var seen = 0
            for (v, c) in sorted { seen += c; if seen > rank { return v } }
            return sorted.last!.key
        }
        return total % 2 == 1 ? at(total / 2) : (at(total / 2 - 1) + at(total / 2)) / 2
    }
}
