import SegmentCore

/// Centres each column and divides by its population standard deviation (ddof = 0, as
/// scikit-learn). A constant column gets scale 1, not a division by zero.
public struct StandardScaler: Estimator, Sendable {
    public init() {}

    public struct Model: Codable, Sendable, Equatable {
        public let mean: [Double]
        public let scale: [Double]
        /// Columns whose variance was zero (scale set to 1).
        public let constantColumns: [Int]

        public init(mean: [Double], scale: [Double], constantColumns: [Int]) {
            self.mean = mean
            self.scale = scale
            self.constantColumns = constantColumns
        }

        /// The scaler of columns with these means and sums of squared deviations over `rows` rows:
        /// the one place the zero-variance rule lives. A column whose standard deviation is rounding
        /// noise around its mean (relative 1e-12), or not finite, is constant: scale 1.
        public init(mean: [Double], m2: [Double], rows: Double) {
            var scale = [Double](repeating: 1, count: mean.count)
            var constant: [Int] = []
            for j in mean.indices {
                let sd = (m2[j] / max(rows, 1)).squareRoot()
                if sd <= 1e-12 * max(1, abs(mean[j])) || !sd.isFinite { constant.append(j) } else { scale[j] = sd }
            }
            self.init(mean: mean, scale: scale, constantColumns: constant)
        }

        /// (x - mean) / scale, in place.
        public func transform(_ x: inout Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) {
            ColumnTransform.apply(&x, fill: nil, mean: mean, scale: scale, inverse: false, threads: threads)
        }

        /// x * scale + mean, in place.
        public func inverseTransform(_ x: inout Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) {
            ColumnTransform.apply(&x, fill: nil, mean: mean, scale: scale, inverse: true, threads: threads)
        }
    }

    /// Fits mean and scale on `x` (which must hold no NaN: impute first).
    public func fit(_ x: Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) -> Model {
        let (mean, m2) = columnMoments(x, threads: threads)
        return Model(mean: mean, m2: m2, rows: Double(x.rows))
    }

    /// Imputes and scales in one statistics pass and one transform pass: the imputer's fill values
    /// and this scaler's statistics of the *imputed* matrix, derived exactly from the non-missing
    /// moments and the fill values (no second statistics pass), then `x` transformed in place.
    /// The same models as `imputer.fit`, `transform`, `fit`, `transform` in turn, up to rounding.
    public func fitTransform(_ x: inout Matrix, imputing imputer: Imputer,
                             threads: Int = ProcessInfoCompat.activeProcessorCount) -> (Imputer.Model, Model) {
        let scan = ColumnScan.run(x, histograms: imputer.strategy != .mean, threads: threads)
        let (imputed, model) = Self.fit(scan, rows: x.rows, imputing: imputer)
        Self.transform(&x, imputer: imputed, scaler: model, threads: threads)
        return (imputed, model)
    }

    /// The imputer and the scaler from one scan of the unimputed values (of a matrix scanned whole
    /// or in parts): each column's moments after its missing cells take the fill value.
    package static func fit(_ scan: ColumnScan.Result, rows: Int, imputing imputer: Imputer) -> (Imputer.Model, Model) {
        let n = Double(rows), p = scan.moments.count.count
        let moments = scan.moments
        let imputed = imputer.model(from: scan)
        var mean = [Double](repeating: 0, count: p), m2 = mean
        for j in 0..<p {
            let c = moments.count[j], q = n - c, fill = imputed.fill[j]
            let m = c > 0 ? (c * moments.mean[j] + q * fill) / max(n, 1) : fill
            m2[j] = moments.m2[j] + c * (moments.mean[j] - m) * (moments.mean[j] - m) + q * (fill - m) * (fill - m)
            mean[j] = m
        }
        return (imputed, Model(mean: mean, m2: m2, rows: n))
    }

    /// Applies a fitted imputer and scaler in one pass over `x`: NaN -> fill, then (x - mean) / scale.
    public static func transform(_ x: inout Matrix, imputer: Imputer.Model, scaler: Model,
                                 threads: Int = ProcessInfoCompat.activeProcessorCount) {
        ColumnTransform.apply(&x, fill: imputer.fill, mean: scaler.mean, scale: scaler.scale, inverse: false,
                              threads: threads)
    }
}
