import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentData
@testable import SegmentModels
@testable import SegmentAnalysis
@testable import SegmentSynthetic
import SegmentBLAS

let backendsForModels: [any LinearAlgebraBackend] = [OpenBLASBackend(threads: 2), SwiftBackend(threads: 2)]

/// Well-separated blobs: `k` centres far apart, `per` points each, seeded.
func blobs(k: Int, per: Int, dims: Int, spread: Double = 0.5, seed: UInt64 = 1) -> (Matrix, [Int]) {
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

@Suite("Models, every backend")
struct ModelTests {
    @Test("PCA: scikit-learn's docstring example")
    func pcaFixture() throws {
        let x = Matrix([[-1, -1], [-2, -1], [-3, -2], [1, 1], [2, 1], [3, 2]])
        for backend in backendsForModels {
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
    }

    @Test("PCA recovers a known covariance")
    func pcaKnownCovariance() throws {
        // X = Z Lᵀ with Z standard normal: Cov(X) = L Lᵀ.
        let l = Matrix([[2, 0, 0], [1, 1, 0], [0.5, -0.5, 0.3]])
        let sigma = try SwiftBackend().multiply(l, .none, l, .transpose)
        var g = SplitMix64(seed: 11)
        let n = 200_000
        let z = Matrix(rows: n, columns: 3) { buf in for i in 0..<buf.count { buf[i] = g.nextGaussian() } }
        var results: [PCA.Model] = []
        for backend in backendsForModels {
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
            results.append(m)
        }
        for j in 0..<3 {
            #expect(abs(results[0].explainedVariance[j] - results[1].explainedVariance[j]) <= 1e-9 * results[0].explainedVariance[0])
        }
    }

    @Test("PCA by explained-variance fraction picks the fewest components that reach it")
    func pcaFraction() throws {
        let x = Matrix([[-1, -1], [-2, -1], [-3, -2], [1, 1], [2, 1], [3, 2]])
        let m = try PCA(components: .varianceFraction(0.99)).fit(x, backend: SwiftBackend())
        #expect(m.count == 1)
        let all = try PCA(components: .varianceFraction(0.999)).fit(x, backend: SwiftBackend())
        #expect(all.count == 2)
    }

    @Test("k-means: scikit-learn's docstring example")
    func kmeansFixture() throws {
        let x = Matrix([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
        for backend in backendsForModels {
            let (m, labels) = try KMeans(clusters: 2, nInit: 3, seed: 0).fit(x, backend: backend)
            let centres = Set((0..<2).map { m.centers.row($0) })
            #expect(centres == [[10, 2], [1, 2]])
            #expect(abs(m.inertia - 16) < 1e-12)
            #expect(labels[0] == labels[1] && labels[1] == labels[2] && labels[3] == labels[4] && labels[0] != labels[3])
            let (pred, dist) = try m.predict(Matrix([[0, 0], [12, 3]]), backend: backend)
            #expect(pred[0] == labels[0] && pred[1] == labels[3])
            #expect(abs(dist[0] - 5.0.squareRoot()) < 1e-12)
        }
    }

    @Test("k-means finds well-separated blobs exactly, and the backends agree label for label")
    func kmeansBlobs() throws {
        let (x, truth) = blobs(k: 5, per: 3_000, dims: 4)
        var all: [[Int32]] = []
        for backend in backendsForModels {
            let (m, labels) = try KMeans(clusters: 5, nInit: 2, seed: 3).fit(x, backend: backend)
            #expect(adjustedRandIndex(labels.map(Int.init), truth) == 1)
            #expect(!m.diagnostics.didNotConverge && m.diagnostics.distinctCenters == 5)
            all.append(labels)
        }
        #expect(all[0] == all[1])
    }

    @Test("inertia equals its recomputation, and never increases from one iteration to the next")
    func inertia() throws {
        let (x, _) = blobs(k: 6, per: 2_000, dims: 3, spread: 6, seed: 9)   // overlapping: many iterations
        for backend in backendsForModels {
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
    }

    @Test("Hamerly's bounds give Lloyd's clustering: the same labels, centres, iterations and inertia")
    func hamerlyMatchesLloyd() throws {
        // Overlapping blobs, 40,000 rows in three chunks: many iterations, rows changing cluster late.
        let (x, _) = blobs(k: 8, per: 5_000, dims: 5, spread: 9, seed: 4)
        for backend in backendsForModels {
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
    }

    @Test("Hamerly and Lloyd agree when a cluster empties and is relocated, and when the iterations run out")
    func hamerlyEdgeCases() throws {
        let (x, _) = blobs(k: 3, per: 6_000, dims: 3, spread: 2, seed: 5)   // 18,000 rows: two chunks
        // Two starts inside the data and one far away: the far centre gets no rows and is relocated.
        var start = Matrix(rows: 3, columns: 3)
        for t in 0..<3 { start[0, t] = x[0, t]; start[1, t] = x[7_000, t]; start[2, t] = 1e4 }
        for backend in backendsForModels {
            let prepared = try KMeans.Prepared(x, threads: 2)
            var fits: [(model: KMeans.Model, labels: [Int32], distances: [Double])] = []
            for algorithm in KMeans.Algorithm.allCases {
                fits.append(try KMeans(clusters: 3, nInit: 1, algorithm: algorithm)
                    .fitWithDistances(x, backend: backend, prepared: prepared, starts: [start]))
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
    }

    @Test("the k-means++ potentials of candidate centres match a direct computation")
    func plusPlusPotentials() throws {
        let (x, _) = blobs(k: 3, per: 12_000, dims: 4, spread: 3, seed: 8)      // 36,000 rows: three chunks
        var g = SplitMix64(seed: 3)
        let closest = (0..<x.rows).map { _ in 50 * g.nextUnit() }
        let candidates = x.rows(100..<105)
        let xnorm = DistanceStep.rowNorms(x, threads: 2)
        for backend in backendsForModels {
            let p = try DistanceStep.potentials(x, closest: closest, candidates: candidates, xnorm: xnorm, backend: backend.withThreads(1), threads: 2)
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
    }

    @Test("a configuration saved before the k-means settings existed still loads, with their defaults")
    func configWithoutNewerKeys() throws {
        var config = PipelineConfig()
        config.k = 7
        config.sweep = nil
        config.kmeansAlgorithm = .lloyd
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
        #expect(json["kmeansAlgorithm"] as? String == "lloyd" && json["sweep"] == nil)
        let old = json.filter { $0.key != "kmeansAlgorithm" && $0.key != "sweepStart" }
        let back = try JSONDecoder().decode(PipelineConfig.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(back.kmeansAlgorithm == .hamerly && back.sweepStart == .warm)
        #expect(back.k == 7 && back.sweep == nil && back.sweepSample == 200_000 && back.cleaning == config.cleaning)
        #expect(try JSONDecoder().decode(PipelineConfig.self, from: JSONEncoder().encode(config)) == config)
    }

    @Test("same seed, same result; the thread count does not change it")
    func determinism() throws {
        let (x, _) = blobs(k: 4, per: 3_000, dims: 3, spread: 5, seed: 2)
        let a = try KMeans(clusters: 4, seed: 7, threads: 1).fit(x, backend: SwiftBackend(threads: 1))
        let b = try KMeans(clusters: 4, seed: 7, threads: 2).fit(x, backend: SwiftBackend(threads: 2))
        #expect(a.model == b.model && a.labels == b.labels)
        let c = try KMeans(clusters: 4, seed: 8, threads: 2).fit(x, backend: SwiftBackend(threads: 2))
        #expect(c.model.centers != a.model.centers || c.model.bestRun != a.model.bestRun || c.model.inertia == a.model.inertia)
    }

    @Test("k larger than the rows, k = 1, duplicate rows")
    func degenerate() throws {
        let x = Matrix([[1, 1], [1, 1], [1, 1]])
        #expect(throws: KMeansError.tooFewRows(rows: 3, clusters: 4)) { try KMeans(clusters: 4).fit(x, backend: SwiftBackend()) }
        let one = try KMeans(clusters: 1).fit(Matrix([[0, 0], [2, 2]]), backend: SwiftBackend())
        #expect(one.model.centers.row(0) == [1, 1] && one.model.inertia == 4)
        let dup = try KMeans(clusters: 2).fit(x, backend: SwiftBackend())
        #expect(dup.model.diagnostics.fewerDistinctClusters)
    }

    @Test("imputer strategies and the scaler, and the fused one-pass version agrees with them")
    func preprocessing() {
        let nan = Double.nan
        let x = Matrix([[1, 5, 7], [nan, 5, 7], [3, nan, 7], [3, 1, 7], [8, 2, 7]])
        #expect(Imputer(strategy: .mean).fit(x).fill == [3.75, 3.25, 7])
        #expect(Imputer(strategy: .median).fit(x).fill == [3, 3.5, 7])
        #expect(Imputer(strategy: .mostFrequent).fit(x).fill == [3, 5, 7])
        var y = x
        let imp = Imputer(strategy: .median).fit(y)
        imp.transform(&y)
        let sc = StandardScaler().fit(y)
        #expect(sc.constantColumns == [2] && sc.scale[2] == 1)
        #expect(abs(sc.mean[0] - 3.6) < 1e-15)
        #expect(abs(sc.scale[0] - (Double(6.76 + 0.36 + 0.36 + 0.36 + 19.36) / 5).squareRoot()) < 1e-12)
        var separate = y
        sc.transform(&separate)
        var fused = x
        let (fi, fs) = StandardScaler().fitTransform(&fused, imputing: Imputer(strategy: .median))
        #expect(fi.fill == imp.fill)
        for j in 0..<3 { #expect(abs(fs.mean[j] - sc.mean[j]) < 1e-12 && abs(fs.scale[j] - sc.scale[j]) < 1e-12) }
        #expect(fused.maxAbsDifference(separate) < 1e-12)
        #expect(!fused.containsNaN)
        var back = fused
        fs.inverseTransform(&back)
        #expect(back.maxAbsDifference(y) < 1e-12)
    }

    @Test("the statistics pass (SIMD lanes, tiles, blocks) counts every value and sums every column as a plain loop does")
    func columnScan() {
        // 20,000 rows (two blocks, many tiles) x 19 columns (two groups of eight lanes and a tail of
        // three): NaN, small codes, dummies, negatives, fractions, years, and values past the arrays.
        var g = SplitMix64(seed: 12)
        let n = 20_000, p = 19
        var x = Matrix(rows: n, columns: p)
        for i in 0..<n {
            for j in 0..<p {
                let u = g.nextUnit()
                let v: Double
                switch j % 6 {
                case 0: v = Double(g.nextInt(below: 2))                              // a dummy
                case 1: v = Double(1 + g.nextInt(below: 9))                          // a code 1...9
                case 2: v = u < 0.5 ? Double(1900 + g.nextInt(below: 118)) : Double(g.nextInt(below: 12))
                case 3: v = u < 0.1 ? -1 : (u < 0.2 ? 2.5 : Double(g.nextInt(below: 11)))
                case 4: v = u < 0.01 ? 1e6 + Double(g.nextInt(below: 3)) : Double(g.nextInt(below: 4))
                default: v = Double(g.nextInt(below: 11)) - 5
                }
                x[i, j] = u > 0.93 ? .nan : v
            }
        }
        for threads in [1, 2] {
            let r = ColumnScan.run(x, histograms: true, threads: threads)
            for j in 0..<p {
                var counts: [Double: Int] = [:]
                var sum = 0.0, c = 0.0
                for i in 0..<n where !x[i, j].isNaN { counts[x[i, j], default: 0] += 1; sum += x[i, j]; c += 1 }
                let mean = sum / c
                var m2 = 0.0
                for i in 0..<n where !x[i, j].isNaN { m2 += (x[i, j] - mean) * (x[i, j] - mean) }
                #expect(r.values[j].counts == counts, "column \(j)")
                #expect(r.values[j].total == Int(c) && r.moments.count[j] == c)
                #expect(abs(r.moments.mean[j] - mean) <= 1e-12 * max(1, abs(mean)), "column \(j)")
                #expect(abs(r.moments.m2[j] - m2) <= 1e-9 * m2, "column \(j)")
            }
            let plain = ColumnScan.run(x, histograms: false, threads: threads).moments
            #expect(plain.mean == r.moments.mean && plain.m2 == r.moments.m2 && plain.count == r.moments.count)
        }
    }

    @Test("the silhouette: kept distances, distances on the fly and the textbook formula agree")
    func silhouetteDefinition() throws {
        let (x, _) = blobs(k: 3, per: 400, dims: 4, spread: 8, seed: 6)
        let (_, labels) = try KMeans(clusters: 3, seed: 1).fit(x, backend: SwiftBackend())
        let sweep = KSweep(threads: 2)
        let sample = seededSample(rows: x.rows, size: 300, seed: 4)
        let kept = try #require(sweep.sampleDistances(x, sample: sample))
        let a = sweep.silhouette(x, labels: labels, sample: sample, k: 3, distances: kept)
        let b = sweep.silhouette(x, labels: labels, sample: sample, k: 3)
        // s(i) = (b - a) / max(a, b): a the mean distance to the own cluster, b to the nearest other.
        func dist(_ i: Int, _ j: Int) -> Double { (0..<4).reduce(0.0) { $0 + (x[i, $1] - x[j, $1]) * (x[i, $1] - x[j, $1]) }.squareRoot() }
        var total = 0.0
        for i in sample {
            var sums = [0.0, 0.0, 0.0], counts = [0, 0, 0]
            for j in sample where j != i { sums[Int(labels[j])] += dist(i, j); counts[Int(labels[j])] += 1 }
            let own = Int(labels[i])
            let inner = sums[own] / Double(counts[own])
            let outer = (0..<3).filter { $0 != own && counts[$0] > 0 }.map { sums[$0] / Double(counts[$0]) }.min()!
            total += (outer - inner) / max(inner, outer)
        }
        let reference = total / Double(sample.count)
        #expect(abs(a - reference) < 1e-12 && abs(b - reference) < 1e-12, "\(a) \(b) \(reference)")
        #expect(reference > 0.1 && reference < 0.95)
    }

    @Test("the knee of the inertia curve, the silhouette, and the sweep")
    func sweep() throws {
        // An elbow at k = 4.
        let curve: [(Double, Double)] = [(1, 100), (2, 60), (3, 30), (4, 10), (5, 8), (6, 7), (7, 6), (8, 5.5)]
        #expect(KSweep.knee(curve) == 4)
        let (x, _) = blobs(k: 4, per: 1_000, dims: 3, spread: 0.3)
        for backend in backendsForModels {
            for start in KSweep.Start.allCases {
            let r = try KSweep(ks: 2...8, seed: 1, silhouetteSample: 800, start: start).run(x, backend: backend)
            #expect(r.points.map(\.k) == Array(2...8))
            #expect(r.suggestedK == 4)
            let four = r.points.first { $0.k == 4 }!
            #expect(four.silhouette! > 0.9)
            #expect(r.points.first { $0.k == 2 }!.silhouette! < four.silhouette!)
            for (a, b) in zip(r.points, r.points.dropFirst()) { #expect(b.inertia <= a.inertia * 1.05) }
            }
        }
        // A warm start begins at the previous optimum plus a centre, so the curve cannot rise.
        let (overlapping, _) = blobs(k: 6, per: 2_000, dims: 3, spread: 6, seed: 9)
        for backend in backendsForModels {
            let r = try KSweep(ks: 1...10, seed: 2, silhouetteSample: 0, start: .warm).run(overlapping, backend: backend)
            for (a, b) in zip(r.points, r.points.dropFirst()) {
                #expect(b.inertia <= a.inertia * (1 + 1e-12), "k=\(b.k): \(b.inertia) above k=\(a.k): \(a.inertia)")
            }
        }
    }

    @Test("segment shares, ratios with intervals, and the representation rule")
    func comparison() {
        // 1000 population rows: 500 in 0, 300 in 1, 100 in 2, 100 high-missing; 200 customers: 50/20/25/105.
        let pop: [Int32] = Array(repeating: 0, count: 500) + Array(repeating: 1, count: 300) + Array(repeating: 2, count: 100) + Array(repeating: -1, count: 100)
        let cus: [Int32] = Array(repeating: 0, count: 50) + Array(repeating: 1, count: 20) + Array(repeating: 2, count: 25) + Array(repeating: -1, count: 105)
        let c = SegmentComparison(k: 3, populationLabels: pop, customerLabels: cus)
        #expect(c.groups.map(\.populationShare) == [0.5, 0.3, 0.1, 0.1])
        #expect(c.groups.map(\.customerShare) == [0.25, 0.1, 0.125, 0.525])
        #expect(abs(c.groups[3].ratio - 5.25) < 1e-12 && c.groups[3].cluster == nil)
        #expect(c.groups[3].ratioLow > 1 && c.groups[3].ratioLow < 5.25 && c.groups[3].ratioHigh > 5.25)
        // The log-ratio interval by hand for group 0: 0.25 vs 0.5.
        let se = ((1 - 0.25) / (200 * 0.25) + (1 - 0.5) / (1000 * 0.5)).squareRoot()
        #expect(abs(c.groups[0].ratioLow - 0.5 * exp(-1.96 * se)) < 1e-12)
        #expect(abs(c.groups[0].differenceLow - (-0.25 - 1.96 * (0.25 * 0.75 / 200 + 0.25 / 1000).squareRoot())) < 1e-12)
        #expect(c.groups.map(\.representation) == ["under", "under", "neutral", "over"])
        // 0.125 vs 0.10: its interval includes 1, neutral.
        #expect(c.groups[2].ratioLow < 1)
    }

    @Test("the adjusted Rand index has its known values")
    func ari() {
        #expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]) == 1)
        #expect(abs(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 0.5714285714285714) < 1e-12)
        #expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]) == 0)
    }

    @Test("a NaN reaching the models is a typed error saying where")
    func nan() {
        let x = Matrix([[1, 2], [.nan, 3], [4, 5]])
        for backend in backendsForModels {
            #expect(throws: LinearAlgebraError.self) { try PCA(components: .count(1)).fit(x, backend: backend) }
            do {
                _ = try KMeans(clusters: 2).fit(x, backend: backend)
                Issue.record("accepted a NaN")
            } catch let e as LinearAlgebraError {
                #expect(e == .nanInInput(routine: "k-means input", row: 1, column: 0))
            } catch { Issue.record("\(error)") }
        }
    }
}
