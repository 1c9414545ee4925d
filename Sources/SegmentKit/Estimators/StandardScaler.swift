/// Centres each column and divides by its population standard deviation (ddof = 0, as
/// scikit-learn). A constant column gets scale 1, not a division by zero.
public struct StandardScaler: Sendable {
    public init() {}

    public struct Model: Codable, Sendable, Equatable {
        public var mean: [Double]
        public var scale: [Double]
        /// Columns whose variance was zero (scale set to 1).
        public var constantColumns: [Int]

        /// (x - mean) / scale, in place.
        public func transform(_ x: inout Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) {
            Preprocessing.transform(&x, fill: nil, mean: mean, scale: scale, inverse: false, threads: threads)
        }

        /// x * scale + mean, in place.
        public func inverseTransform(_ x: inout Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) {
            Preprocessing.transform(&x, fill: nil, mean: mean, scale: scale, inverse: true, threads: threads)
        }
    }

    /// Fits mean and scale on `x` (which must hold no NaN: impute first).
    public func fit(_ x: Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) -> Model {
        let (mean, m2) = columnMoments(x, threads: threads)
        let n = Double(max(x.rows, 1))
        var scale = [Double](repeating: 1, count: x.columns)
        var constant: [Int] = []
        for j in 0..<x.columns {
            let sd = (m2[j] / n).squareRoot()
            // Relative test: a column whose spread is rounding noise around its mean is constant.
            if sd <= 1e-12 * max(1, abs(mean[j])) || !sd.isFinite { constant.append(j) } else { scale[j] = sd }
        }
        return Model(mean: mean, scale: scale, constantColumns: constant)
    }
}

/// Column counts, means and sums of squared deviations of the non-NaN values, by blocks combined in
/// a fixed order (Chan et al.'s pairwise update), so the result does not depend on the thread count.
func columnMoments(_ x: Matrix, threads: Int) -> (mean: [Double], m2: [Double]) {
    let m = nanMoments(x, threads: threads)
    return (m.mean, m.m2)
}

struct Moments { var count: [Double]; var mean: [Double]; var m2: [Double] }

func nanMoments(_ x: Matrix, threads: Int) -> Moments {
    ColumnScan.run(x, histograms: false, threads: threads).moments
}

/// One pass over a matrix collecting, per column, the count, the mean and the sum of squared
/// deviations of the non-NaN values (shifted sums: each column is shifted by its first row's value,
/// so the variance does not suffer from cancellation), and optionally the distribution of values
/// (small integers counted in arrays, anything else in a dictionary). Blocks of rows are combined
/// in a fixed order, so the result does not depend on the thread count.
enum ColumnScan {
    struct Result { var moments: Moments; var values: [ColumnValues] }

    static let histogramLow = -16, histogramSize = 4_112

    static func run(_ x: Matrix, histograms: Bool, threads: Int) -> Result {
        let n = x.rows, p = x.columns
        let blockRows = 16_384
        let blocks = max(1, (n + blockRows - 1) / blockRows)
        var shift = [Double](repeating: 0, count: p)
        if n > 0 { for j in 0..<p where !x[0, j].isNaN { shift[j] = x[0, j] } }
        var sums = [Double](repeating: 0, count: blocks * p), squares = sums, counts = sums
        let workers = max(1, min(threads, blocks))
        let hSize = histograms ? histogramSize : 0
        var hist = [Int32](repeating: 0, count: workers * p * hSize)
        var others = [[Double: Int]](repeating: [:], count: histograms ? workers * p : 0)
        x.withUnsafeBufferPointer { buf in
            let box = UncheckedSendable(buf.baseAddress!)
            shift.withUnsafeBufferPointer { sh in
                let shBox = UncheckedSendable(sh.baseAddress!)
                sums.withUnsafeMutableBufferPointer { sb in
                    squares.withUnsafeMutableBufferPointer { qb in
                        counts.withUnsafeMutableBufferPointer { cb in
                            hist.withUnsafeMutableBufferPointer { hb in
                                others.withUnsafeMutableBufferPointer { ob in
                                    let sBox = UncheckedSendable(sb.baseAddress!), qBox = UncheckedSendable(qb.baseAddress!)
                                    let cBox = UncheckedSendable(cb.baseAddress!)
                                    let hBox = UncheckedSendable(hb.baseAddress), oBox = UncheckedSendable(ob.baseAddress)
                                    parallelFor(workers) { w in
                                        let h = histograms ? hBox.value! + w * p * hSize : nil
                                        var b = w
                                        while b < blocks {
                                            let s = sBox.value + b * p, q = qBox.value + b * p, c = cBox.value + b * p
                                            for i in (b * blockRows)..<min(n, (b + 1) * blockRows) {
                                                let row = box.value + i * p
                                                for j in 0..<p {
                                                    let v = row[j]
                                                    if v.isNaN { continue }
                                                    let d = v - shBox.value[j]
                                                    s[j] += d
                                                    q[j] += d * d
                                                    c[j] += 1
                                                    if let h {
                                                        let k = v - Double(histogramLow)
                                                        if k >= 0, k < Double(histogramSize), k == k.rounded(.towardZero) {
                                                            h[j * hSize + Int(k)] &+= 1
                                                        } else {
                                                            oBox.value![w * p + j][v, default: 0] += 1
                                                        }
                                                    }
                                                }
                                            }
                                            b += workers
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var count = [Double](repeating: 0, count: p), sum = count, sq = count
        for b in 0..<blocks { for j in 0..<p { count[j] += counts[b * p + j]; sum[j] += sums[b * p + j]; sq[j] += squares[b * p + j] } }
        var mean = [Double](repeating: 0, count: p), m2 = mean
        for j in 0..<p where count[j] > 0 {
            mean[j] = shift[j] + sum[j] / count[j]
            m2[j] = max(0, sq[j] - sum[j] * sum[j] / count[j])
        }
        var values: [ColumnValues] = []
        if histograms {
            values = (0..<p).map { j in
                var cv = ColumnValues()
                cv.total = Int(count[j])
                for k in 0..<hSize {
                    var c = 0
                    for w in 0..<workers { c += Int(hist[(w * p + j) * hSize + k]) }
                    if c > 0 { cv.counts[Double(k + histogramLow)] = c }
                }
                for w in 0..<workers { for (v, c) in others[w * p + j] { cv.counts[v, default: 0] += c } }
                return cv
            }
        }
        return Result(moments: Moments(count: count, mean: mean, m2: m2), values: values)
    }
}

/// Imputation and scaling fitted from one statistics pass and applied in one pass over the matrix.
public enum Preprocessing {
    /// Fits the imputer and the scaler on `x` and transforms it in place: NaN -> fill value, then
    /// (x - mean) / scale. The scaler's statistics are those of the imputed matrix, derived
    /// exactly from the non-missing moments and the fill values (no second pass).
    public static func fitTransform(_ x: inout Matrix, strategy: Imputer.Strategy,
                                    threads: Int = ProcessInfoCompat.activeProcessorCount) -> (Imputer.Model, StandardScaler.Model) {
        let n = Double(x.rows), p = x.columns
        // One statistics pass (moments, and value counts for median/most frequent), one transform pass.
        let scan = ColumnScan.run(x, histograms: strategy != .mean, threads: threads)
        let moments = scan.moments
        var fill = [Double](repeating: 0, count: p)
        var empty: [Int] = []
        switch strategy {
        case .mean:
            for j in 0..<p { if moments.count[j] == 0 { empty.append(j) } else { fill[j] = moments.mean[j] } }
        case .median, .mostFrequent:
            let columns = scan.values
            for j in 0..<p {
                guard let v = strategy == .median ? columns[j].median : columns[j].mode else { empty.append(j); continue }
                fill[j] = v
            }
        }
        var mean = [Double](repeating: 0, count: p), scale = [Double](repeating: 1, count: p)
        var constant: [Int] = []
        for j in 0..<p {
            let c = moments.count[j], q = n - c
            let m = c > 0 ? (c * moments.mean[j] + q * fill[j]) / max(n, 1) : fill[j]
            let m2 = moments.m2[j] + c * (moments.mean[j] - m) * (moments.mean[j] - m) + q * (fill[j] - m) * (fill[j] - m)
            mean[j] = m
            let sd = (m2 / max(n, 1)).squareRoot()
            if sd <= 1e-12 * max(1, abs(m)) || !sd.isFinite { constant.append(j) } else { scale[j] = sd }
        }
        transform(&x, fill: fill, mean: mean, scale: scale, inverse: false, threads: threads)
        return (Imputer.Model(strategy: strategy, fill: fill, emptyColumns: empty),
                StandardScaler.Model(mean: mean, scale: scale, constantColumns: constant))
    }

    /// Applies fitted models in one pass: NaN -> fill (when given), then scaling (or its inverse).
    public static func transform(_ x: inout Matrix, fill: [Double]?, mean: [Double], scale: [Double], inverse: Bool,
                                 threads: Int = ProcessInfoCompat.activeProcessorCount) {
        precondition(x.columns == mean.count, "the matrix has \(x.columns) columns, the model \(mean.count)")
        let p = x.columns, n = x.rows
        let workers = max(1, min(threads, n / 8192 + 1))
        let f = fill ?? [Double](repeating: .nan, count: p)
        let useFill = fill != nil
        let inv = scale.map { 1 / $0 }
        f.withUnsafeBufferPointer { fb in
            mean.withUnsafeBufferPointer { mb in
                scale.withUnsafeBufferPointer { sb in
                    inv.withUnsafeBufferPointer { ib in
                        let fB = UncheckedSendable(fb.baseAddress!), mB = UncheckedSendable(mb.baseAddress!)
                        let sB = UncheckedSendable(sb.baseAddress!), iB = UncheckedSendable(ib.baseAddress!)
                        x.withUnsafeMutableBufferPointer { buf in
                            let box = UncheckedSendable(buf.baseAddress!)
                            parallelFor(workers) { w in
                                for i in (n * w / workers)..<(n * (w + 1) / workers) {
                                    let row = box.value + i * p
                                    if inverse {
                                        for j in 0..<p { row[j] = row[j] * sB.value[j] + mB.value[j] }
                                    } else if useFill {
                                        for j in 0..<p {
                                            let v = row[j].isNaN ? fB.value[j] : row[j]
                                            row[j] = (v - mB.value[j]) * iB.value[j]
                                        }
                                    } else {
                                        for j in 0..<p { row[j] = (row[j] - mB.value[j]) * iB.value[j] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
