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

        /// `decision` of every row of a store (or of rows `rows` of it), read a block at a time.
        public func decision(_ x: RowStore, rows: Range<Int>? = nil,
                             threads: Int = ProcessInfoCompat.activeProcessorCount) throws -> [Double] {
            let rows = rows ?? 0..<x.rows
            if let matrix = x.matrix { return decision(matrix, rows: rows, threads: threads) }
            var out: [Double] = []
            out.reserveCapacity(rows.count)
            try x.forEachBlock(rows: 65_536, of: rows) { range, m, first in
                out += decision(m, rows: first..<(first + range.count), threads: threads)
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
    ///
    /// `group`: the processes of an `mpirun`, over which the negatives are spread: rank r holds
    /// (and reads) only its own rows, `DistanceStep.ownRows`; the positives are whole on every
    /// rank. Each rank sums its share of every class's row blocks, the blocks' partial sums are
    /// gathered, and every rank adds them in block order: the same model as one process's, bit for
    /// bit, on every rank.
    public func fit(negatives: RowStore, positives: RowStore, backend: any LinearAlgebraBackend,
                    group: (any ProcessGroup)? = nil) throws -> Model {
        let p = negatives.columns, d = p + 1
        guard positives.columns == p else { throw FitError.shape(rows: positives.columns, labels: p) }
        guard negatives.rows > 0, positives.rows > 0 else { throw FitError.oneClass }
        let spread = group.flatMap { $0.size > 1 ? $0 : nil }
        // The negatives' rows this process holds: all, or its own.
        let held = DistanceStep.ownRows(negatives.rows, spread).rows
        for (store, rows) in [(negatives, held), (positives, 0..<positives.rows)] {
            if let matrix = store.matrix, rows == 0..<store.rows {
                try backend.checkFinite(matrix, routine: "logistic regression input")
                continue
            }
            try store.forEachBlock(rows: Self.blockRows, of: rows) { range, m, first in
                try backend.checkFinite(m.rows(first..<(first + range.count)), routine: "logistic regression input")
            }
        }
        let classes = [Part(store: negatives, offset: 0, rows: negatives.rows, blockRows: Self.blockRows, label: 0),
                       Part(store: positives, offset: 0, rows: positives.rows, blockRows: Self.blockRows, label: 1)]
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
            // Block b of a thinned class is thinned from block b of the whole one, so the process
            // that holds the one holds the other.
            let thinned = try classes.enumerated().map { c, part -> Part in
                guard part.rows == larger else { return part }
                let rows = c == 0 ? held : 0..<part.rows
                return Part(store: RowStore(try part.store.everyRow(8, of: rows)), offset: (rows.lowerBound + 7) / 8,
                            rows: (part.rows + 7) / 8, blockRows: Self.blockRows / 8, label: part.label)
            }
            // The same penalty on an eighth of the data: a more regularised problem, whose optimum lies
            // between zero and the full one. (Scaling the penalty down with the rows aims closer, but
            // on a cross-validation fold of the mail-out, 340 positives and 449 features, that
            // problem was nearly separable and the full Newton from its optimum did not converge.)
            let stage = try newton(thinned, l2: l2, from: start, tolerance: Self.warmStartTolerance,
                                   backend: backend, group: spread)
            if stage.converged {
                start = stage.beta
                startIterations = stage.iterations
            }
        }
        var full = try newton(classes, l2: l2, from: start, tolerance: tolerance, backend: backend, group: spread)
        if !full.converged && startIterations > 0 {
            // Newton has no line search: from a start it cannot use, it starts again from zero.
            let again = try newton(classes, l2: l2, from: zero, tolerance: tolerance, backend: backend, group: spread)
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
    /// Rows per block of Newton's sums: k-means' chunks (`DistanceStep.chunkRows`), so that the
    /// blocks of the negatives spread over processes are each held by one process.
    static let blockRows = DistanceStep.chunkRows
    /// Rows per chunk of a block's gradient sum.
    static let gradientChunkRows = 4_096

    /// One class of rows in Newton's sums: `rows` rows in blocks of `blockRows`, of which this
    /// process holds rows `offset..<offset + store.rows` (at least the blocks it sums).
    struct Part {
        var store: RowStore
        var offset: Int
        var rows: Int
        var blockRows: Int
        var label: Double

        var blockCount: Int { (rows + blockRows - 1) / blockRows }
        func block(_ b: Int) -> Range<Int> { (b * blockRows)..<min(rows, (b + 1) * blockRows) }
        /// The blocks rank `rank` of `group` sums (`ProcessGroup.share`); all without a group.
        func blocks(rank: Int, of group: (any ProcessGroup)?) -> Range<Int> {
            group.map { type(of: $0).share(of: blockCount, rank: rank, size: $0.size) } ?? 0..<blockCount
        }
    }

    /// Newton's method from `beta` (coefficients, then the intercept) on the weighted loss over
    /// `classes`. Every row block's gradient (in chunks) and Hessian are summed alone, and the
    /// blocks' sums added in a fixed order (class by class, block by block): under `group` each
    /// rank sums its share of the blocks and the sums are gathered, so every rank adds the same
    /// numbers in the same order as one process.
    func newton(_ classes: [Part], l2: Double, from start: [Double], tolerance: Double,
                backend: any LinearAlgebraBackend, group: (any ProcessGroup)?) throws -> (beta: [Double], iterations: Int, converged: Bool) {
        let p = classes[0].store.columns, d = p + 1
        let n = Double(classes.map(\.rows).reduce(0, +))
        let weights = classes.map { n / 2 / Double($0.rows) }
        let rank = group?.rank ?? 0
        for part in classes {
            let mine = part.blocks(rank: rank, of: group)
            precondition(mine.isEmpty || (part.offset <= part.block(mine.lowerBound).lowerBound
                                          && part.block(mine.upperBound - 1).upperBound <= part.offset + part.store.rows),
                         "LogisticRegression: blocks \(mine) are not all held by this process")
        }
        var beta = start
        var iterations = 0
        var converged = false
        // Newton's method with the Hessian's Cholesky factor kept while it serves (a chord or
        // Shamanskii step): the SYRK that builds the Hessian is nearly all of an iteration's cost,
        // the gradient a small part of it. The factor is rebuilt on the first step and whenever a
        // step shrank by less than a quarter against the one before; near the optimum the old
        // Hessian is close to the true one and the steps keep shrinking fast. The optimum is the
        // same (the gradient is exact every step), so the coefficients match a plain Newton solve.
        //
        // A step that raises the loss is halved until it does not: Newton without a line search
        // can run away on a nearly separable problem (the mail-out's 449 features against a few
        // hundred responders ended with an intercept of -9e228, every score the same). The loss
        // comes from the pass that makes the gradient, so a step that lowers it costs nothing more,
        // and such a run's bits are those of plain Newton.
        var factor: CholeskyFactor?
        // The last point whose loss did not rise, its loss, its step and the fraction of it taken.
        var accepted: (beta: [Double], loss: Double, step: [Double], fraction: Double)?
        var previousStep = Double.infinity
        var scaled = Matrix(rows: 0, columns: d)
        var blockHessian = Matrix(rows: d, columns: d)
        var buffer = Matrix(rows: 0, columns: 0)
        for _ in 0..<maxIterations {
            iterations += 1
            let refresh = factor == nil
            let model = Model(intercept: beta[p], coefficients: Array(beta[0..<p]), iterations: iterations)
            var gradient = [Double](repeating: 0, count: d)
            var hessian = [Double](repeating: 0, count: refresh ? d * d : 0)
            var loss = 0.0
            // Adds a block's sums (`values` from `at`): its gradient's chunk sums (each followed by
            // the chunk's loss), then its Hessian.
            func add(_ values: [Double], at: inout Int, rows: Int) {
                for _ in 0..<((rows + Self.gradientChunkRows - 1) / Self.gradientChunkRows) {
                    for j in 0..<d { gradient[j] += values[at + j] }
                    loss += values[at + d]
                    at += d + 1
                }
                guard refresh else { return }
                for i in 0..<(d * d) { hessian[i] += values[at + i] }
                at += d * d
            }
            // Each block's sums: its gradient chunk sums, then (on a refresh) its Hessian, by SYRK on
            // the block's rows scaled by sqrt(s p (1 - p)), with a column for the intercept. One
            // process adds them as they come; a group's ranks keep theirs to gather.
            var sums: [Double] = []
            for (c, part) in classes.enumerated() {
                let weight = weights[c]
                for b in part.blocks(rank: rank, of: group) {
                    let range = part.block(b)
                    try part.store.withRows((range.lowerBound - part.offset)..<(range.upperBound - part.offset),
                                            buffer: &buffer) { xm, first in
                        let rows = range.count
                        let eta = model.decision(xm, rows: first..<(first + rows), threads: threads)
                        var residual = [Double](repeating: 0, count: rows), root = residual, rowLoss = residual
                        for r in 0..<rows {
                            let prob = 1 / (1 + exp(-eta[r]))
                            residual[r] = weight * (prob - part.label)
                            root[r] = (weight * prob * (1 - prob)).squareRoot()
                            // log(1 + e^eta) - label eta, without overflow.
                            rowLoss[r] = weight * (max(eta[r], 0) + log1p(exp(-abs(eta[r]))) - part.label * eta[r])
                        }
                        // Xᵀ r over fixed chunks of rows in parallel: the same bits whatever the
                        // thread count (a threaded GEMV splits the sum by threads).
                        let chunk = Self.gradientChunkRows, chunks = (rows + chunk - 1) / chunk
                        let cells = xm.storage
                        let partial = Parallel.map(chunks, workers: threads) { c -> [Double] in
                            var g = [Double](repeating: 0, count: d + 1)
                            let x = cells.span
                            for r in (c * chunk)..<min(rows, (c + 1) * chunk) {
                                let e = residual[r], from = (first + r) * p
                                for j in 0..<p { g[j] += e * x[from + j] }
                                g[p] += e
                                g[d] += rowLoss[r]
                            }
                            return g
                        }
                        var blockSums = partial.flatMap { $0 }
                        if refresh {
                            // One buffer for every full block (a fresh block each time was page
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
                            try backend.gram(scaled, alpha: 1, beta: 0, into: &blockHessian)
                            blockSums += blockHessian.storage
                        }
                        if group == nil { var at = 0; add(blockSums, at: &at, rows: rows) } else { sums += blockSums }
                    }
                }
            }
            if let group {
                // Every block's sums, added class by class and block by block (each rank's blocks of
                // a class follow the ranks' before it): the order one process adds them in.
                let all = try group.allGather(sums, for: .likeness)
                var at = [Int](repeating: 0, count: all.count)
                for part in classes {
                    for r in all.indices {
                        for b in part.blocks(rank: r, of: group) { add(all[r], at: &at[r], rows: part.block(b).count) }
                    }
                }
                precondition(zip(at, all).allSatisfy { $0 == $1.count }, "LogisticRegression: block sums left over")
            }
            for j in 0..<p { gradient[j] += l2 * beta[j]; loss += 0.5 * l2 * beta[j] * beta[j] }
            if let last = accepted, !(loss <= last.loss + 1e-12 * abs(last.loss)) {
                // The loss rose (or is not a number): back to the last point, half as far.
                let fraction = last.fraction / 2
                guard fraction >= 1.0 / 1024 else { beta = last.beta; break }
                accepted!.fraction = fraction
                for j in 0..<d { beta[j] = last.beta[j] - fraction * last.step[j] }
                factor = nil
                continue
            }
            var step: [Double]
            if refresh {
                var hessian = Matrix(rows: d, columns: d, elements: hessian)
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
            accepted = (beta, loss, step, 1)
            for j in 0..<d { beta[j] -= step[j] }
            let size = step.map(abs).max()!
            if size < tolerance { converged = true; break }
            if !size.isFinite { beta = accepted!.beta; break }
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
        try crossValidatedAUC(negativeSample: Self.negativeSample(negatives, size: sample, seed: seed), positives: positives,
                              folds: folds, sample: sample, seed: seed, backend: backend)
    }

    /// The seeded sample of up to `size` negatives that `crossValidatedAUC` folds. Under `group`,
    /// the negatives are spread over it (rank r holding `DistanceStep.ownRows`), and rank 0 alone
    /// gets the sample (the others, no rows).
    public static func negativeSample(_ negatives: RowStore, size: Int = 100_000, seed: UInt64,
                                      group: (any ProcessGroup)? = nil) throws -> Matrix {
        try negatives.rows(at: seededSample(rows: negatives.rows, size: min(size, negatives.rows), seed: seed),
                           spreadOver: group, to: 0, for: .likeness)
    }

    /// `crossValidatedAUC` on the negatives' sample already drawn (`negativeSample` with the same
    /// `sample` and `seed`).
    public func crossValidatedAUC(negativeSample neg: Matrix, positives: Matrix, folds: Int = 5, sample: Int = 100_000,
                                  seed: UInt64, backend: any LinearAlgebraBackend) throws -> [Double] {
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
