import Foundation
import Testing
import SegmentCore
import SegmentModels
import SegmentAnalysis

// The estimator tests, written once and run once per backend: SegmentModelsTests runs them on the
// pure-Swift backend (no OpenBLAS needed), SegmentBLASTests on OpenBLAS, and compares the two.

/// Well-separated blobs: `k` centres far apart, `per` points each, seeded.
public func blobs(k: Int, per: Int, dims: Int, spread: Double = 0.5, seed: UInt64 = 1) -> (Matrix, [Int]) {
    var g = SplitMix64(seed: seed)
    var rows: [[Double]] = [], truth: [Int] = []
    for c in 0..<k {
        let centre = (0..<dims).map { d in Double((c * 7 + d * 3) % 11) * 10 }
        for _ in 0..<per {
            rows.append(centre.map { $0 + spread * g.nextGaussian() })
            truth.append(c)
        }
    }
    return (Matrix(rows), truth)
}

/// The checks every backend must pass; each takes the backend to run on.
public enum EstimatorChecks {
    /// PCA: scikit-learn's docstring example
    public static func pcaFixture(_ backend: any LinearAlgebraBackend) throws {
        let x = Matrix([[-1, -1], [-2, -1], [-3, -2], [1, 1], [2, 1], [3, 2]])
        let m = try PCA(components: .count(2)).fit(x, backend: backend)
        #expect(abs(m.explainedVarianceRatio[0] - 0.99244289) < 1e-6)
        #expect(abs(m.explainedVarianceRatio[1] - 0.00755711) < 1e-6)
        // Deterministic signs: each component's largest |loading| is positive.
        for j in 0..<2 {
            let col = m.components.column(j)
            #expect(col[col.indices.max { abs(col[$0]) < abs(col[$1]) }!] > 0)
        }
        // Transform then inverse transform is the identity with all components.
        let z = try m.transform(x, backend: backend)
        #expect(try m.inverseTransform(z, backend: backend).maxAbsDifference(x) < 1e-12)
    }

    /// PCA recovers a known covariance
    public static func pcaKnownCovariance(_ backend: any LinearAlgebraBackend) throws -> PCA.Model {
        // X = Z Lᵀ with Z standard normal: Cov(X) = L Lᵀ.
        let l = Matrix([[2, 0, 0], [1, 1, 0], [0.5, -0.5, 0.3]])
        let sigma = try SwiftBackend().multiply(l, .none, l, .transpose)
        var g = SplitMix64(seed: 11)
        let n = 200_000
        let z = Matrix(rows: n, columns: 3) { buf in for i in 0..<buf.count { buf[i] = g.nextGaussian() } }
        var x = try backend.multiply(z, .none, l, .transpose)
        x.withUnsafeMutableBufferPointer { b in for i in 0..<n { b[i * 3] += 5 } }   // a mean to remove
        let m = try PCA(components: .count(3)).fit(x, backend: backend)
        // W diag(λ) Wᵀ is the sample covariance.
        for i in 0..<3 {
            for j in 0..<3 {
                var s = 0.0
                for c in 0..<3 { s += m.components[i, c] * m.explainedVariance[c] * m.components[j, c] }
                #expect(abs(s - sigma[i, j]) < 0.03 * max(1, abs(sigma[i, j])), "(\(i),\(j)) \(s) vs \(sigma[i, j])")
            }
        }
        #expect(abs(m.mean[0] - 5) < 0.02)
        return m
    }

    /// k-means: scikit-learn's docstring example
    public static func kmeansFixture(_ backend: any LinearAlgebraBackend) throws {
        let x = Matrix([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
        let (m, labels) = try KMeans(clusters: 2, nInit: 3, seed: 0).fit(x, backend: backend)
        let centres = Set((0..<2).map { m.centers.row($0) })
        #expect(centres == [[10, 2], [1, 2]])
        #expect(abs(m.inertia - 16) < 1e-12)
        #expect(labels[0] == labels[1] && labels[1] == labels[2] && labels[3] == labels[4] && labels[0] != labels[3])
        let (pred, dist) = try m.predict(Matrix([[0, 0], [12, 3]]), backend: backend)
        #expect(pred[0] == labels[0] && pred[1] == labels[3])
        #expect(abs(dist[0] - 5.0.squareRoot()) < 1e-12)
    }

    /// k-means finds well-separated blobs exactly, and the backends agree label for label
    public static func kmeansBlobs(_ backend: any LinearAlgebraBackend) throws -> [Int32] {
        let (x, truth) = blobs(k: 5, per: 3_000, dims: 4)
        let (m, labels) = try KMeans(clusters: 5, nInit: 2, seed: 3).fit(x, backend: backend)
        #expect(adjustedRandIndex(labels.map(Int.init), truth) == 1)
        #expect(!m.diagnostics.didNotConverge && m.diagnostics.distinctCenters == 5)
        return labels
    }

    /// inertia equals its recomputation, and never increases from one iteration to the next
    public static func inertia(_ backend: any LinearAlgebraBackend) throws {
        let (x, _) = blobs(k: 6, per: 2_000, dims: 3, spread: 6, seed: 9)   // overlapping: many iterations
        let (m, labels) = try KMeans(clusters: 6, nInit: 1, seed: 5, algorithm: .lloyd).fit(x, backend: backend)
        var exact = 0.0
        for i in 0..<x.rows {
            for t in 0..<x.columns { let d = x[i, t] - m.centers[Int(labels[i]), t]; exact += d * d }
        }
        #expect(abs(m.inertia - exact) <= 1e-9 * exact)
        #expect(m.inertiaHistory.count >= 3)
        for (a, b) in zip(m.inertiaHistory, m.inertiaHistory.dropFirst()) {
            #expect(b <= a * (1 + 1e-9), "inertia rose from \(a) to \(b)")
        }
    }

    /// Hamerly's bounds give Lloyd's clustering: the same labels, centres, iterations and inertia
    public static func hamerlyMatchesLloyd(_ backend: any LinearAlgebraBackend) throws {
        // Overlapping blobs, 40,000 rows in three chunks: many iterations, rows changing cluster late.
        let (x, _) = blobs(k: 8, per: 5_000, dims: 5, spread: 9, seed: 4)
        for threads in [1, 2] {
            let lloyd = try KMeans(clusters: 8, nInit: 1, seed: 11, threads: threads, algorithm: .lloyd).fit(x, backend: backend)
            let hamerly = try KMeans(clusters: 8, nInit: 1, seed: 11, threads: threads, algorithm: .hamerly).fit(x, backend: backend)
            #expect(lloyd.model.iterations >= 8)
            #expect(hamerly.model.iterations == lloyd.model.iterations)
            #expect(hamerly.labels == lloyd.labels)
            #expect(hamerly.model.centers.maxAbsDifference(lloyd.model.centers) < 1e-9)
            #expect(abs(hamerly.model.inertia - lloyd.model.inertia) <= 1e-10 * lloyd.model.inertia)
            #expect(lloyd.model.inertiaHistory.count == lloyd.model.iterations && hamerly.model.inertiaHistory.isEmpty)
        }
    }

    /// Hamerly and Lloyd agree when a cluster empties and is relocated, and when the iterations run out
    public static func hamerlyEdgeCases(_ backend: any LinearAlgebraBackend) throws {
        let (x, _) = blobs(k: 3, per: 6_000, dims: 3, spread: 2, seed: 5)   // 18,000 rows: two chunks
        // Two starts inside the data and one far away: the far centre gets no rows and is relocated.
        var start = Matrix(rows: 3, columns: 3)
        for t in 0..<3 { start[0, t] = x[0, t]; start[1, t] = x[7_000, t]; start[2, t] = 1e4 }
        let prepared = try KMeans.Prepared(x, threads: 2)
        var fits: [(model: KMeans.Model, labels: [Int32], distances: [Double])] = []
        for algorithm in KMeans.Algorithm.allCases {
            fits.append(try KMeans(clusters: 3, nInit: 1, algorithm: algorithm)
                .fitWithDistances(RowStore(x), backend: backend, prepared: prepared, starts: [start]))
        }
        #expect(fits[0].model.diagnostics.emptyClustersRelocated >= 1)
        #expect(fits[0].model.diagnostics == fits[1].model.diagnostics)
        #expect(fits[0].labels == fits[1].labels && fits[0].model.iterations == fits[1].model.iterations)
        #expect(fits[0].model.centers.maxAbsDifference(fits[1].model.centers) < 1e-9)
        // One iteration only: not converged, and the labels belong to the centres after it.
        let short = try KMeans.Algorithm.allCases.map { algorithm in
            try KMeans(clusters: 3, nInit: 1, maxIterations: 1, seed: 3, algorithm: algorithm).fit(x, backend: backend)
        }
        #expect(short[0].model.iterations == 1 && short[1].model.iterations == 1)
        #expect(short[0].model.diagnostics.didNotConverge && short[1].model.diagnostics.didNotConverge)
        #expect(short[0].labels == short[1].labels && short[0].model.centers.maxAbsDifference(short[1].model.centers) < 1e-9)
        let (again, _) = try short[1].model.predict(x, backend: backend)
        #expect(again == short[1].labels)
    }

    /// the k-means++ potentials of candidate centres match a direct computation
    public static func plusPlusPotentials(_ backend: any LinearAlgebraBackend) throws {
        let (x, _) = blobs(k: 3, per: 12_000, dims: 4, spread: 3, seed: 8)      // 36,000 rows: three chunks
        var g = SplitMix64(seed: 3)
        let closest = (0..<x.rows).map { _ in 50 * g.nextUnit() }
        let candidates = x.rows(100..<105)
        let xnorm = DistanceStep.rowNorms(x, threads: 2)
        let p = try DistanceStep.potentials(RowStore(x), closest: closest, candidates: candidates, xnorm: xnorm, backend: backend.withThreads(1), threads: 2)
        for m in 0..<5 {
            var direct = 0.0
            for i in 0..<x.rows {
                var d2 = 0.0
                for t in 0..<4 { let diff = x[i, t] - candidates[m, t]; d2 += diff * diff }
                direct += min(closest[i], d2)
            }
            #expect(abs(p[m] - direct) <= 1e-9 * direct, "candidate \(m): \(p[m]) vs \(direct)")
        }
    }

    /// the sweep finds the planted k by its knee, and a warm-started inertia curve never rises
    public static func sweep(_ backend: any LinearAlgebraBackend) throws {
        let (x, _) = blobs(k: 4, per: 1_000, dims: 3, spread: 0.3)
        for start in KSweep.Start.allCases {
            let r = try KSweep(ks: 2...8, seed: 1, silhouetteSample: 800, start: start).run(x, backend: backend)
            #expect(r.points.map(\.k) == Array(2...8))
            #expect(r.suggestedK == 4)
            let four = r.points.first { $0.k == 4 }!
            #expect(four.silhouette! > 0.9)
            #expect(r.points.first { $0.k == 2 }!.silhouette! < four.silhouette!)
            for (a, b) in zip(r.points, r.points.dropFirst()) { #expect(b.inertia <= a.inertia * 1.05) }
        }
        // A warm start begins at the previous optimum plus a centre, so the curve cannot rise.
        let (overlapping, _) = blobs(k: 6, per: 2_000, dims: 3, spread: 6, seed: 9)
        let r = try KSweep(ks: 1...10, seed: 2, silhouetteSample: 0, start: .warm).run(overlapping, backend: backend)
        for (a, b) in zip(r.points, r.points.dropFirst()) {
            #expect(b.inertia <= a.inertia * (1 + 1e-12), "k=\(b.k): \(b.inertia) above k=\(a.k): \(a.inertia)")
        }
    }

    /// a NaN reaching the models is a typed error saying where
    public static func nan(_ backend: any LinearAlgebraBackend) {
        let x = Matrix([[1, 2], [.nan, 3], [4, 5]])
        #expect(throws: LinearAlgebraError.self) { try PCA(components: .count(1)).fit(x, backend: backend) }
        do {
            _ = try KMeans(clusters: 2).fit(x, backend: backend)
            Issue.record("accepted a NaN")
        } catch let e as LinearAlgebraError {
            #expect(e == .nanInInput(routine: "k-means input", row: 1, column: 0))
        } catch { Issue.record("\(error)") }
    }

    /// The logistic regression agrees with scikit-learn's `LogisticRegression(C=1, class_weight=
    /// "balanced")` on a fixture (coefficients 1.2833242204918016, 0.4138586012905398; intercept
    /// -1.217632121578897), and the AUC with `roc_auc_score`.
    public static func logistic(_ backend: any LinearAlgebraBackend) throws {
        let negatives = Matrix([[0.0, 1.0], [1.0, 0.5], [-1.0, 0.2], [0.5, -0.3], [-0.4, -1.2], [1.2, 0.9], [-0.8, 0.4], [0.3, 0.1]])
        let positives = Matrix([[1.5, 1.1], [2.0, 0.2], [0.9, 1.8], [1.1, -0.2]])
        let m = try LogisticRegression(l2: 1, threads: 2).fit(negatives: negatives, positives: positives, backend: backend)
        #expect(abs(m.coefficients[0] - 1.2833242204918016) < 1e-6 && abs(m.coefficients[1] - 0.4138586012905398) < 1e-6,
                "\(m.coefficients)")
        #expect(abs(m.intercept - -1.217632121578897) < 1e-6, "\(m.intercept)")
        let auc = LogisticRegression.rocAUC(m.decision(negatives) + m.decision(positives),
                                            labels: [Bool](repeating: false, count: 8) + [Bool](repeating: true, count: 4))
        #expect(abs(auc - 0.90625) < 1e-12)
    }

    /// Cholesky: a known factor ([[4, 2], [2, 5]] = Uᵀ U with U = [[2, 1], [0, 2]]), a solve that
    /// reproduces its right-hand side on a random SPD matrix of order 300 (A = BᵀB + I), the lower
    /// triangle zero, and an indefinite matrix refused with the order of its failing minor.
    public static func cholesky(_ backend: any LinearAlgebraBackend) throws {
        let f = try backend.cholesky(Matrix([[4.0, 2.0], [2.0, 5.0]]))
        #expect(f.upper.storage == [2, 1, 0, 2], "\(f.upper.storage)")
        let x = f.solve([6, 7])   // [[4,2],[2,5]] x = [6, 7] -> x = [1, 1]
        #expect(abs(x[0] - 1) < 1e-14 && abs(x[1] - 1) < 1e-14, "\(x)")
        var rng = SplitMix64(seed: 9)
        let n = 300
        let b = Matrix(rows: n + 20, columns: n, elements: (0..<((n + 20) * n)).map { _ in rng.nextUnit() * 2 - 1 })
        var a = try backend.gram(b)
        for i in 0..<n { a[i, i] += 1 }
        let factor = try backend.cholesky(a)
        for i in 1..<n { for j in 0..<i { #expect(factor.upper[i, j] == 0) } }
        let truth = (0..<n).map { Double($0 % 7) - 3 }
        let rhs = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + a[i, $1] * truth[$1] } }
        let solved = factor.solve(rhs)
        let worst = zip(solved, truth).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-9, "largest error \(worst)")
        #expect(throws: LinearAlgebraError.notPositiveDefinite(routine: backend.name == "openblas" ? "LAPACKE_dpotrf" : "swift.cholesky", order: 2)) {
            _ = try backend.cholesky(Matrix([[1.0, 2.0], [2.0, 1.0]]))
        }
    }

    /// Every check above, named, for one parameterised test per backend.
    public static let all: [EstimatorCheck] = [
        EstimatorCheck("PCA: scikit-learn's docstring example") { try pcaFixture($0) },
        EstimatorCheck("Cholesky: a known factor, a solve of order 300, an indefinite matrix refused") { try cholesky($0) },
        EstimatorCheck("PCA recovers a known covariance") { _ = try pcaKnownCovariance($0) },
        EstimatorCheck("k-means: scikit-learn's docstring example") { try kmeansFixture($0) },
        EstimatorCheck("k-means finds well-separated blobs exactly") { _ = try kmeansBlobs($0) },
        EstimatorCheck("inertia equals its recomputation and never increases") { try inertia($0) },
        EstimatorCheck("Hamerly's bounds give Lloyd's clustering") { try hamerlyMatchesLloyd($0) },
        EstimatorCheck("Hamerly and Lloyd agree on relocation and on running out of iterations") { try hamerlyEdgeCases($0) },
        EstimatorCheck("k-means++ potentials match a direct computation") { try plusPlusPotentials($0) },
        EstimatorCheck("the sweep finds the planted k; a warm-started curve never rises") { try sweep($0) },
        EstimatorCheck("a NaN reaching the models is a typed error saying where") { nan($0) },
        EstimatorCheck("logistic regression agrees with scikit-learn") { try logistic($0) },
    ]
}

/// One of `EstimatorChecks`, named for the test report.
public struct EstimatorCheck: Sendable, CustomTestStringConvertible {
    public let name: String
    private let body: @Sendable (any LinearAlgebraBackend) throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (any LinearAlgebraBackend) throws -> Void) {
        self.name = name
        self.body = body
    }

    public func run(on backend: any LinearAlgebraBackend) throws { try body(backend) }
    public var testDescription: String { name }
}
