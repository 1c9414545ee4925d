import SegmentCore
import SegmentData
/// Principal component analysis as scikit-learn's covariance path: the covariance of the centred
/// data by the backend's Gram product (SYRK), its top eigenpairs by the backend's symmetric solver
/// (`dsyevr` on OpenBLAS), descending, negative eigenvalues clipped to 0, signs made deterministic
/// (each component's largest-magnitude loading is positive), explained-variance ratio over the trace.
public struct PCA: Sendable {
    /// How many components to keep.
    public enum Components: Codable, Sendable, Equatable, CustomStringConvertible {
        case count(Int)
        /// The fewest components whose cumulative explained-variance ratio reaches this fraction.
        case varianceFraction(Double)

        public var description: String {
            switch self {
            case let .count(k): return "\(k) components"
            case let .varianceFraction(f): return "components explaining \(f * 100)% of the variance"
            }
        }

        /// `{"count": 30}` or `{"varianceFraction": 0.9}` (before format 3: `{"count": {"_0": 30}}`).
        private enum Keys: String, CodingKey { case count, varianceFraction }
        private enum PayloadKeys: String, CodingKey { case _0 }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            switch self {
            case let .count(k): try c.encode(k, forKey: .count)
            case let .varianceFraction(f): try c.encode(f, forKey: .varianceFraction)
            }
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            if c.contains(.count) {
                if let k = try? c.decode(Int.self, forKey: .count) { self = .count(k); return }
                self = .count(try c.nestedContainer(keyedBy: PayloadKeys.self, forKey: .count).decode(Int.self, forKey: ._0))
            } else {
                if let f = try? c.decode(Double.self, forKey: .varianceFraction) { self = .varianceFraction(f); return }
                self = .varianceFraction(try c.nestedContainer(keyedBy: PayloadKeys.self, forKey: .varianceFraction)
                    .decode(Double.self, forKey: ._0))
            }
        }
    }

    public var components: Components
    public init(components: Components) { self.components = components }

    public struct Model: Codable, Sendable, Equatable {
        public let mean: [Double]
        /// p x k, component j in column j.
        public let components: Matrix
        public let explainedVariance: [Double]
        public let explainedVarianceRatio: [Double]
        /// Every eigenvalue (descending), for the scree plot.
        public let allEigenvalues: [Double]
        public let totalVariance: Double

        public var count: Int { components.columns }
        public var features: Int { components.rows }

        /// (x - mean) · W, computed in row chunks through the backend.
        public func transform(_ x: Matrix, backend: any LinearAlgebraBackend) throws -> Matrix {
            precondition(x.columns == features, "the matrix has \(x.columns) columns, the PCA \(features)")
            var out = try backend.multiply(x, .none, components, .none)
            // Subtract mean · W from every row.
            var shift = [Double](repeating: 0, count: count)
            for j in 0..<count { for i in 0..<features { shift[j] += mean[i] * components[i, j] } }
            out.subtractFromEveryRow(shift)
            return out
        }

        /// z · Wᵀ + mean.
        public func inverseTransform(_ z: Matrix, backend: any LinearAlgebraBackend) throws -> Matrix {
            var out = try backend.multiply(z, .none, components, .transpose)
            out.addToEveryRow(mean)
            return out
        }

        /// The features with the largest positive and negative weights in component `j`.
        public func topLoadings(_ j: Int, names: [String], count n: Int = 5) -> (positive: [(String, Double)], negative: [(String, Double)]) {
            let column = (0..<features).map { components[$0, j] }
            let up = rankDescending(column).map { (names[$0], column[$0]) }
            let down = rankDescending(column) { -$0 }.map { (names[$0], column[$0]) }
            return (Array(up.prefix(n).filter { $0.1 > 0 }), Array(down.prefix(n).filter { $0.1 < 0 }))
        }
    }

    /// Fits on `x` (no NaN). Throws when `x` holds a NaN (the eigen-solver reports it).
    public func fit(_ x: Matrix, backend: any LinearAlgebraBackend) throws -> Model {
        let n = x.rows
        guard n >= 2 else {
            throw LinearAlgebraError.shapeMismatch(routine: "PCA", detail: "needs at least 2 rows, got \(n)")
        }
        let (mean, _) = columnMoments(x, threads: backend.threads)
        return try fit(gram: try backend.gram(x, alpha: 1 / Double(n - 1)), mean: mean, rows: n, backend: backend)
    }

    /// Fits from XᵀX / (n - 1) and the column means of an X of `rows` rows (gathered over row
    /// blocks of an X that never exists whole).
    package func fit(gram: Matrix, mean: [Double], rows n: Int, backend: any LinearAlgebraBackend) throws -> Model {
        let p = gram.rows
        guard n >= 2 else {
            throw LinearAlgebraError.shapeMismatch(routine: "PCA", detail: "needs at least 2 rows, got \(n)")
        }
        // C = (XᵀX - n μμᵀ) / (n - 1): no centred copy of X is made.
        var c = gram
        for i in 0..<p { for j in 0..<p { c[i, j] -= Double(n) / Double(n - 1) * mean[i] * mean[j] } }
        if let at = c.firstNaN {
            throw LinearAlgebraError.nanInInput(routine: "PCA covariance (feature \(at.row))", row: nil, column: at.column)
        }
        let eig = try backend.symmetricEigen(c, range: .all)
        let values = eig.values.map { max($0, 0) }
        let total = values.reduce(0, +)
        let ratios = values.map { total > 0 ? $0 / total : 0 }
        let k: Int
        switch components {
        case let .count(want):
            k = max(1, min(want, p))
        case let .varianceFraction(f):
            var acc = 0.0, kk = 0
            for r in ratios { kk += 1; acc += r; if acc >= f - 1e-12 { break } }
            k = max(1, kk)
        }
        var w = Matrix(rows: p, columns: k)
        for j in 0..<k {
            // Deterministic sign: the largest-magnitude loading is positive (of loadings tied to nine
            // digits, the first feature's), so both backends give the same signs.
            let loadings = (0..<p).map { eig.vectors[$0, j] }
            let sign: Double = p > 0 && loadings[rankDescending(loadings, by: abs)[0]] < 0 ? -1 : 1
            for i in 0..<p { w[i, j] = sign * eig.vectors[i, j] }
        }
        return Model(mean: mean, components: w, explainedVariance: Array(values.prefix(k)),
                     explainedVarianceRatio: Array(ratios.prefix(k)), allEigenvalues: values, totalVariance: total)
    }
}
