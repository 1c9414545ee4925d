import Foundation
import SegmentCore

/// L2-regularised logistic regression, fitted by Newton's method (iteratively reweighted least
/// squares): the penalised Hessian, built by SYRK over row blocks, is factored by the backend's
/// Cholesky (LAPACK `dpotrf` on OpenBLAS) and the factor reused while it serves (see `fit`); a
/// Hessian that is not positive definite (no penalty and collinear features) falls back to the
/// eigensolver's pseudo-inverse.
///
/// Used for a per-person customer-likeness score: customers against the population, the two
/// classes weighted equally, so `exp(decision)` estimates the ratio of the customer density to the
/// population density at a person's place — the same quantity a segment's ratio averages over the
/// segment.
public struct LogisticRegression: Sendable {
    /// The penalty λ on the coefficients (not the intercept), on the loss summed over rows with
    /// weights that add up to the row count: scikit-learn's `C = 1 / λ`.
    public var l2: Double
    public var maxIterations: Int
    /// Stop when the largest Newton step is below this.
    public var tolerance: Double
    public var threads: Int

    public init(l2: Double = 1, maxIterations: Int = 50, tolerance: Double = 1e-8,
                threads: Int = ProcessInfoCompat.activeProcessorCount) {
        self.l2 = l2
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.threads = max(1, threads)
    }

    public struct Model: Codable, Sendable, Equatable {
        public let intercept: Double
        public let coefficients: [Double]
        public let iterations: Int

        /// `x · coefficients + intercept` per row, over `threads` row blocks.
        public func decision(_ x: Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) -> [Double] {
            decision(x, rows: 0..<x.rows, threads: threads)
        }

        /// `decision` of rows `rows` of `x`.
        public func decision(_ x: Matrix, rows: Range<Int>, threads: Int = ProcessInfoCompat.activeProcessorCount) -> [Double] {
            precondition(x.columns == coefficients.count, "LogisticRegression: \(x.columns) columns for \(coefficients.count) coefficients")
            let values = x.storage, p = x.columns, first = rows.lowerBound
            return RowBlocks(rows: rows.count, threads: threads).fill(repeating: 0.0) { block, out in
                let cells = values.span
                for (i, b) in block.enumerated() {
                    let r = first + b
                    var s = intercept
                    for j in 0..<p { s += cells[r * p + j] * coefficients[j] }
                    out[i] = s
                }
            }
        }

        /// `decision` of every row of a store, read a block at a time.
        public func decision(_ x: RowStore, threads: Int = ProcessInfoCompat.activeProcessorCount) throws -> [Double] {
            if let matrix = x.matrix { return decision(matrix, threads: threads) }
            var out: [Double] = []
            out.reserveCapacity(x.rows)
            var buffer = Matrix(rows: 0, columns: 0)
            for start in stride(from: 0, to: x.rows, by: 65_536) {
                let range = start..<min(x.rows, start + 65_536)
                out += try x.withRows(range, buffer: &buffer) { m, first in
                    decision(m, rows: first..<(first + range.count), threads: threads)
                }
            }
            return out
        }
    }

    public enum FitError: Error, Equatable, CustomStringConvertible {
        case oneClass
        case shape(rows: Int, labels: Int)

        public var description: String {
            switch self {
            case .oneClass: return "logistic regression: both classes are needed"
            case let .shape(rows, labels): return "logistic regression: \(rows) rows but \(labels) labels"
            }
        }
    }

    /// Fits customers (`positives`) against the population (`negatives`), the two classes weighted
    /// equally (each class's weights add up to half the rows).
    public func fit(negatives: Matrix, positives: Matrix, backend: any LinearAlgebraBackend) throws -> Model {
        try fit(negatives: RowStore(negatives), positives: RowStore(positives), backend: backend)
    }

    /// As `fit` on matrices, on rows in memory or spilled to a file (the same bits).
    public func fit(negatives: RowStore, positives: RowStore, backend: any LinearAlgebraBackend) throws -> Model {
        let p = negatives.columns, d = p + 1
        guard positives.columns == p else { throw FitError.shape(rows: positives.columns, labels: p) }
        guard negatives.rows > 0, positives.rows > 0 else { throw FitError.oneClass }
        for store in [negatives, positives] {
            if let matrix = store.matrix { try backend.checkFinite(matrix, routine: "logistic regression input"); continue }
            try store.forEachBlock(rows: 65_536) { _, block in try backend.checkFinite(block, routine: "logistic regression input") }
        }
        // A start from an eighth of the larger class (every eighth row; the smaller class whole),
        // solved loosely: Newton from zero spends most of its Hessians (8 on the mail-out's
        // 42,962 x 449) far from the optimum, where a much smaller Hessian serves as well; from the
        // start, the full problem needs few. The optimum is the full problem's (the stopping rule is
        // on its own Newton step), so only the last bits move. Newton on the mail-out: 1.62 s from
        // zero, 1.04 s from the start. (An eighth was faster than a quarter or a sixteenth, measured
        // with the start's penalty scaled down; see below.)
        let zero = [Double](repeating: 0, count: d)
        var start = zero
        var startIterations = 0
        let larger = max(negatives.rows, positives.rows)
        if larger >= Self.warmStartRows {
            let thin = { (m: RowStore) in m.rows == larger ? RowStore(try m.everyRow(8)) : m }
            let (sn, sp) = try (thin(negatives), thin(positives))
            // The same penalty on an eighth of the data: a more regularised problem, whose optimum lies
            // between zero and the full one. (Scaling the penalty down with the rows aims closer, but
            // on a cross-validation fold of the mail-out, 340 positives and 449 features, that
            // problem was nearly separable and the full Newton from its optimum did not converge.)
            let stage = try newton(negatives: sn, positives: sp, l2: l2, from: start,
                                   tolerance: Self.warmStartTolerance, backend: backend)
            if stage.converged {
                start = stage.beta
                startIterations = stage.iterations
            }
        }
        var full = try newton(negatives: negatives, positives: positives, l2: l2, from: start, tolerance: tolerance,
                              backend: backend)
        if !full.converged && startIterations > 0 {
            // Newton has no line search: from a start it cannot use, it starts again from zero.
            let again = try newton(negatives: negatives, positives: positives, l2: l2, from: zero, tolerance: tolerance,
                                   backend: backend)
            full = (again.beta, full.iterations + again.iterations, again.converged)
        }
        return Model(intercept: full.beta[p], coefficients: Array(full.beta[0..<p]),
                     iterations: startIterations + full.iterations)
    }

    /// Larger classes than this get the thinned start (see `fit`).
    static let warmStartRows = 16_384
    /// The thinned start stops at this Newton step: close enough for the full problem's quadratic
    /// convergence, loose enough to cost few iterations.
    static let warmStartTolerance = 1e-3

    /// Newton's method from `beta` (coefficients, then the intercept) on the weighted loss.
    func newton(negatives: RowStore, positives: RowStore, l2: Double, from start: [Double], tolerance: Double,
                backend: any LinearAlgebraBackend) throws -> (beta: [Double], iterations: Int, converged: Bool) {
        let p = negatives.columns, d = p + 1
        let n = Double(negatives.rows + positives.rows)
        let parts = [(x: negatives, label: 0.0, weight: n / 2 / Double(negatives.rows)),
                     (x: positives, label: 1.0, weight: n / 2 / Double(positives.rows))]
        var beta = start
        let blockRows = 16_384
        var iterations = 0
        var converged = false
        // Newton's method with the Hessian's Cholesky factor kept while it serves (a chord or
        // Shamanskii step): the SYRK that builds the Hessian is nearly all of an iteration's cost,
        // the gradient a small part of it. The factor is rebuilt on the first step and whenever a
        // step shrank by less than a quarter against the one before; near the optimum the old
        // Hessian is close to the true one and the steps keep shrinking fast. The optimum is the
        // same (the gradient is exact every step), so the coefficients match a plain Newton solve.
        var factor: CholeskyFactor?
        var previousStep = Double.infinity
        var scaled = Matrix(rows: 0, columns: d)
        var buffer = Matrix(rows: 0, columns: 0)
        for _ in 0..<maxIterations {
            iterations += 1
            let refresh = factor == nil
            let model = Model(intercept: beta[p], coefficients: Array(beta[0..<p]), iterations: iterations)
            // Gradient (and, on a refresh, the Hessian) of the weighted loss, the Hessian by SYRK on
            // row blocks scaled by sqrt(s p (1 - p)), with a column for the intercept; blocks in a
            // fixed order.
            var gradient = [Double](repeating: 0, count: d)
            var hessian = Matrix(rows: refresh ? d : 0, columns: refresh ? d : 0)
            for part in parts {
                let n = part.x.rows
                // Block by block (the part's own matrix when in memory, else read into `buffer`):
                // the rows' values, the gradient's chunk sums and the Hessian's blocks are each
                // taken in row order, so the bits do not depend on where the rows are.
                var start = 0
                while start < n {
                    let end = min(n, start + blockRows)
                    try part.x.withRows(start..<end, buffer: &buffer) { xm, first in
                        let rows = end - start
                        let eta = model.decision(xm, rows: first..<(first + rows), threads: threads)
                        var residual = [Double](repeating: 0, count: rows), root = residual
                        for r in 0..<rows {
                            let prob = 1 / (1 + exp(-eta[r]))
                            residual[r] = part.weight * (prob - part.label)
                            root[r] = (part.weight * prob * (1 - prob)).squareRoot()
                        }
                        // Xᵀ r over fixed chunks of rows in parallel, the chunks' sums added in chunk order:
                        // the same bits whatever the thread count (a threaded GEMV splits the sum by threads).
                        let chunk = 4_096, chunks = (rows + chunk - 1) / chunk
                        let cells = xm.storage
                        let partial = Parallel.map(chunks, workers: threads) { c -> [Double] in
                            var g = [Double](repeating: 0, count: d)
                            let x = cells.span
                            for r in (c * chunk)..<min(rows, (c + 1) * chunk) {
                                let e = residual[r], from = (first + r) * p
                                for j in 0..<p { g[j] += e * x[from + j] }
                                g[p] += e
                            }
                            return g
                        }
                        for g in partial { for j in 0..<d { gradient[j] += g[j] } }
                        guard refresh else { return }
                        // One buffer for every full block (a fresh 60 MB block each time was page
                        // faults more than arithmetic); the last, shorter block gets its own.
                        if scaled.rows != rows { scaled = Matrix(rows: rows, columns: d) }
                        RowBlocks(rows: rows, threads: threads).fill(&scaled) { block, out in
                            let x = cells.span
                            for (i, r) in block.enumerated() {
                                let w = root[r], from = (first + r) * p, to = i * d
                                for j in 0..<p { out[to + j] = w * x[from + j] }
                                out[to + p] = w
                            }
                        }
                        try backend.gram(scaled, alpha: 1, beta: 1, into: &hessian)
                    }
                    start = end
                }
            }
            for j in 0..<p { gradient[j] += l2 * beta[j] }
            var step: [Double]
            if refresh {
                for j in 0..<p { hessian[j, j] += l2 }
                do {
                    factor = try backend.cholesky(hessian)
                    step = factor!.solve(gradient)
                } catch LinearAlgebraError.notPositiveDefinite {
                    step = try Self.pseudoInverseStep(hessian, gradient, backend: backend)
                }
            } else {
                step = factor!.solve(gradient)
            }
            for j in 0..<d { beta[j] -= step[j] }
            let size = step.map(abs).max()!
            if size < tolerance { converged = true; break }
            if !size.isFinite { break }
            if size > 0.25 * previousStep { factor = nil }
            previousStep = size
        }
        return (beta, iterations, converged)
    }

    /// `H⁺ g` through the eigendecomposition, dropping the directions H does not determine.
    static func pseudoInverseStep(_ hessian: Matrix, _ gradient: [Double], backend: any LinearAlgebraBackend) throws -> [Double] {
        let eigen = try backend.symmetricEigen(hessian, range: .all)
        var step = [Double](repeating: 0, count: gradient.count)
        for k in 0..<eigen.values.count where eigen.values[k] > 1e-12 * max(1, eigen.values[0]) {
            let v = eigen.vector(k)
            let coefficient = zip(v, gradient).map(*).reduce(0, +) / eigen.values[k]
            for j in 0..<step.count { step[j] += coefficient * v[j] }
        }
        return step
    }

    /// The cross-validated ROC AUC of the fit on `folds` seeded folds of a seeded sample of up to
    /// `sample` rows of each class: one AUC per fold.
    public func crossValidatedAUC(negatives: Matrix, positives: Matrix, folds: Int = 5, sample: Int = 100_000,
                                  seed: UInt64, backend: any LinearAlgebraBackend) throws -> [Double] {
        try crossValidatedAUC(negatives: RowStore(negatives), positives: positives, folds: folds, sample: sample,
                              seed: seed, backend: backend)
    }

    /// As `crossValidatedAUC` on matrices, with the negatives in memory or spilled to a file.
    public func crossValidatedAUC(negatives: RowStore, positives: Matrix, folds: Int = 5, sample: Int = 100_000,
                                  seed: UInt64, backend: any LinearAlgebraBackend) throws -> [Double] {
        let neg = try negatives.rows(at: seededSample(rows: negatives.rows, size: min(sample, negatives.rows), seed: seed))
        let pos = positives.rows(at: seededSample(rows: positives.rows, size: min(sample, positives.rows), seed: seed &+ 1))
        var rng = SplitMix64.stream(seed: seed, 0xF01D)
        let negFold = (0..<neg.rows).map { _ in rng.nextInt(below: folds) }
        let posFold = (0..<pos.rows).map { _ in rng.nextInt(below: folds) }
        // Every fold's training part needs both classes, and its held-out part one of each to rank.
        for f in 0..<folds where !posFold.contains(f) || !negFold.contains(f) { _ = f; return [] }
        return try (0..<folds).map { f in
            let model = try fit(negatives: neg.rows(at: negFold.indices.filter { negFold[$0] != f }),
                                positives: pos.rows(at: posFold.indices.filter { posFold[$0] != f }), backend: backend)
            let heldNeg = neg.rows(at: negFold.indices.filter { negFold[$0] == f })
            let heldPos = pos.rows(at: posFold.indices.filter { posFold[$0] == f })
            return Self.rocAUC(model.decision(heldNeg) + model.decision(heldPos),
                               labels: [Bool](repeating: false, count: heldNeg.rows) + [Bool](repeating: true, count: heldPos.rows))
        }
    }

    /// The area under the ROC curve (`Metrics.rocAUC`).
    public static func rocAUC(_ scores: [Double], labels: [Bool]) -> Double { Metrics.rocAUC(scores, labels: labels) }
}
