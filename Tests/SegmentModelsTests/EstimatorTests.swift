import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentModels

@Suite("Estimators, pure-Swift backend")
struct SwiftEstimatorTests {
    let backend: any LinearAlgebraBackend = SwiftBackend(threads: 2)

    @Test("every estimator check", arguments: EstimatorChecks.all)
    func check(_ check: EstimatorCheck) throws { try check.run(on: backend) }
}

@Suite("Estimators without a backend choice")
struct EstimatorTests {
    @Test("the customer information: 0 for equal shares, 1 bit for disjoint ones; it rises until k separates the customers' blob, then stays")
    func customerInformation() throws {
        #expect(KSweep.jensenShannon([0, 1, 0, 1], [1, 0, 1, 0], k: 2) == 0)
        #expect(abs(KSweep.jensenShannon([0, 0], [1, 1], k: 2) - 1) < 1e-12)
        // Four blobs; the customers are all of blob 3. Merged with another blob (k = 2) the
        // divergence is 0.311 bits; separated (k >= 4) it is 0.549, and splitting a blob further
        // changes nothing.
        let (x, truth) = blobs(k: 4, per: 1_000, dims: 3, spread: 0.3)
        let mine = truth.indices.filter { truth[$0] == 3 }
        let customers = x.rows(at: mine)
        let r = try KSweep(ks: 2...6, seed: 1, silhouetteSample: 0).run(x, backend: SwiftBackend(threads: 2), customers: customers)
        let info = Dictionary(uniqueKeysWithValues: r.points.map { ($0.k, $0.customerInformation!) })
        #expect(abs(info[4]! - 0.5488) < 1e-3, "\(info)")
        #expect(info[2]! < info[4]! - 0.1 && abs(info[6]! - info[4]!) < 1e-3, "\(info)")
        #expect(try KSweep(ks: 2...3, seed: 1, silhouetteSample: 0).run(x, backend: SwiftBackend()).points.allSatisfy { $0.customerInformation == nil })
    }

    @Test("ROC AUC: the Mann-Whitney statistic, ties counted half (scikit-learn's roc_auc_score)")
    func rocAUC() {
        #expect(LogisticRegression.rocAUC([0.1, 0.5, 0.5, 0.9, 0.2], labels: [false, false, true, true, true]) == 0.75)
        #expect(LogisticRegression.rocAUC([1, 2, 3], labels: [false, true, true]) == 1)
        #expect(LogisticRegression.rocAUC([3, 2, 1], labels: [false, true, true]) == 0)
    }

    @Test("the k rule follows its evidence: the customer-information plateau, the knee without customers")
    func kRule() throws {
        func points(_ info: [Double?]) -> [KSweep.Point] {
            info.enumerated().map { i, v in
                KSweep.Point(k: i + 2, inertia: 100 / Double(i + 1), meanDistance: 1, silhouette: nil, calinskiHarabasz: nil,
                             iterations: 1, converged: true, customerInformation: v)
            }
        }
        #expect(KSweep.plateau(points([0.1, 0.5, 0.96, 1.0, 1.0])) == 4)
        #expect(KSweep.plateau(points([0.1, 0.5, 0.7, 0.85, 1.0])) == 6)
        #expect(KSweep.plateau(points([0.95, 0.5, 0.7, 0.85, 1.0])) == 2)
        #expect(KSweep.plateau(points([nil, nil, nil])) == nil)
        // Six blobs; customers take 1/6 of blob 0, 2/6 of blob 1, ... all of blob 5: every blob has its
        // own ratio, so the information rises until the six are apart; without customers the sweep
        // falls back to the knee.
        let (x, truth) = blobs(k: 6, per: 800, dims: 3, spread: 0.4, seed: 3)
        let mine = truth.indices.filter { $0 % 6 <= truth[$0] }
        let customers = x.rows(at: mine)
        let r = try KSweep(ks: 2...10, seed: 1, silhouetteSample: 0).run(x, backend: SwiftBackend(threads: 2), customers: customers)
        #expect(r.informationK == r.suggestedK && r.rule.hasPrefix("the customer-information plateau"))
        #expect((5...6).contains(r.suggestedK), "\(r.points.map { ($0.k, $0.customerInformation!) })")
        let without = try KSweep(ks: 2...10, seed: 1, silhouetteSample: 0).run(x, backend: SwiftBackend(threads: 2))
        #expect(without.informationK == nil && without.suggestedK == without.kneeK && without.rule.hasPrefix("Kneedle"))
    }

    @Test("the logistic regression's thinned start reaches the optimum Newton from zero reaches")
    func logisticWarmStart() throws {
        // 20,000 negatives (above the thinned start's threshold) and 400 positives, 12 features,
        // two of them nearly collinear, as the mail-out's PCA components are with the columns.
        var rng = SplitMix64(seed: 11)
        func rows(_ n: Int, shift: Double) -> Matrix {
            var m = Matrix(rows: n, columns: 12)
            for i in 0..<n {
                for j in 0..<11 { m[i, j] = rng.nextUnit() * 2 - 1 + (j < 4 ? shift * Double(j + 1) / 4 : 0) }
                m[i, 11] = m[i, 0] + m[i, 1] + 0.01 * (rng.nextUnit() - 0.5)
            }
            return m
        }
        let (negatives, positives) = (rows(20_000, shift: 0), rows(400, shift: 0.6))
        #expect(negatives.rows >= LogisticRegression.warmStartRows)
        let backend = SwiftBackend(threads: 2)
        let lr = LogisticRegression(l2: 1, threads: 2)
        let thinned = try lr.fit(negatives: negatives, positives: positives, backend: backend)
        let classes = [(negatives, 0.0), (positives, 1.0)].map { m, label in
            LogisticRegression.Part(store: RowStore(m), offset: 0, rows: m.rows, blockRows: LogisticRegression.blockRows, label: label)
        }
        let plain = try lr.newton(classes, l2: 1, from: [Double](repeating: 0, count: 13), tolerance: lr.tolerance,
                                  backend: backend, group: nil)
        let worst = zip(thinned.coefficients + [thinned.intercept], plain.beta).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-7, "largest difference \(worst)")
        #expect(plain.beta.map(abs).max()! > 0.1)   // a real fit, not two zero vectors
    }

    /// Newton's full steps from a start far from the optimum, where every probability is near 0 or
    /// 1 and the Hessian is nearly the penalty alone, overshoot and run away: from coefficients of
    /// 30 they ended near 1e14, "converged" (the steps had stopped changing anything), as the
    /// generated mail-out's model ended with an intercept of -9e228 from the thinned start. With the
    /// steps halved while they raise the loss, the fit must end at the optimum: the penalised
    /// loss's gradient zero, computed here apart from the fit, and the point Newton from zero reaches.
    @Test("the logistic regression's Newton steps from a far start are halved until the loss falls, and end at the optimum")
    func logisticFarStart() throws {
        var rng = SplitMix64(seed: 3)
        let p = 5
        func rows(_ n: Int, shift: Double) -> Matrix {
            var m = Matrix(rows: n, columns: p)
            for i in 0..<n { for j in 0..<p { m[i, j] = (rng.nextUnit() * 2 - 1) + (j < 2 ? shift : 0) } }
            return m
        }
        let (negatives, positives) = (rows(4_000, shift: 0), rows(40, shift: 0.8))
        let classes = [(negatives, 0.0), (positives, 1.0)].map { m, label in
            LogisticRegression.Part(store: RowStore(m), offset: 0, rows: m.rows, blockRows: LogisticRegression.blockRows, label: label)
        }
        let lr = LogisticRegression(l2: 1, threads: 2), backend = SwiftBackend(threads: 2)
        let far = try lr.newton(classes, l2: 1, from: [Double](repeating: 30, count: p) + [-30], tolerance: 1e-10,
                                backend: backend, group: nil)
        let near = try lr.newton(classes, l2: 1, from: [Double](repeating: 0, count: p + 1), tolerance: 1e-10,
                                 backend: backend, group: nil)
        #expect(far.converged && near.converged)
        // The gradient of the loss the fit minimises (each class weighing half the rows) at its end.
        let n = Double(negatives.rows + positives.rows)
        var gradient = [Double](repeating: 0, count: p + 1)
        for (x, label) in [(negatives, 0.0), (positives, 1.0)] {
            let weight = n / 2 / Double(x.rows)
            for i in 0..<x.rows {
                var eta = far.beta[p]
                for j in 0..<p { eta += far.beta[j] * x[i, j] }
                let e = weight * (1 / (1 + exp(-eta)) - label)
                for j in 0..<p { gradient[j] += e * x[i, j] }
                gradient[p] += e
            }
        }
        for j in 0..<p { gradient[j] += far.beta[j] }
        #expect(gradient.map(abs).max()! < 1e-6, "gradient \(gradient), coefficients \(far.beta)")
        #expect(zip(far.beta, near.beta).map { abs($0 - $1) }.max()! < 1e-7, "\(far.beta) against \(near.beta)")
        #expect(near.beta.map(abs).max()! > 0.5)   // a real fit
    }

    @Test("the rule refits the k's it decides between and reads the refit evidence")
    func refit() throws {
        // Overlapping blobs, where the sweep's single path lands in poorer optima at some k.
        let (x, truth) = blobs(k: 8, per: 500, dims: 4, spread: 2.2, seed: 5)
        let customers = x.rows(at: truth.indices.filter { $0 % 8 < truth[$0] })
        let backend = SwiftBackend(threads: 2)
        let path = try KSweep(ks: 2...14, seed: 3, silhouetteSample: 0, refitNInit: 0).run(x, backend: backend, customers: customers)
        let r = try KSweep(ks: 2...14, seed: 3, silhouetteSample: 0).run(x, backend: backend, customers: customers)
        #expect(path.refitKs == nil)
        let refit = try #require(r.refitKs)
        // The pick and the k below it were refit, and the pick is the plateau of what is reported.
        #expect(refit.contains(r.suggestedK) && (r.suggestedK == 2 || refit.contains(r.suggestedK - 1)))
        #expect(r.suggestedK == KSweep.plateau(r.points))
        for (a, b) in zip(path.points, r.points) {
            // A refit starts from the sweep's solution too: never a higher inertia; the rest untouched.
            if refit.contains(a.k) { #expect(b.inertia <= a.inertia) } else { #expect(a == b) }
        }
        // Here the refits found better optima than the path: the evidence changed.
        #expect(zip(path.points, r.points).contains { $0.inertia > $1.inertia * (1 + 1e-9) }, "\(refit)")
    }

    @Test("an extra start (the sweep's solution) runs after the seeded ones and is kept when it is best")
    func extraStarts() throws {
        let (x, truth) = blobs(k: 5, per: 600, dims: 3, spread: 0.5, seed: 9)
        // The true centres as a start: Lloyd from there cannot end above the planted partition.
        var centres = Matrix(rows: 5, columns: 3)
        for c in 0..<5 {
            let rows = truth.indices.filter { truth[$0] == c }
            for t in 0..<3 { centres[c, t] = rows.reduce(0.0) { $0 + x[$1, t] } / Double(rows.count) }
        }
        let km = KMeans(clusters: 5, nInit: 1, seed: 123)
        let plain = try km.fitWithDistances(x, backend: SwiftBackend())
        let extra = try km.fitWithDistances(x, backend: SwiftBackend(), extraStarts: [centres])
        #expect(extra.model.inertia <= plain.model.inertia)
        if extra.model.inertia < plain.model.inertia { #expect(extra.model.bestRun == 1) }
        // The planted partition exactly: one label per blob, five different labels.
        let labelOf = (0..<5).map { c in Set(truth.indices.filter { truth[$0] == c }.map { extra.labels[$0] }) }
        #expect(labelOf.allSatisfy { $0.count == 1 } && Set(labelOf.map { $0.first! }).count == 5)
        // A start of the wrong shape is an error, not a crash.
        #expect(throws: LinearAlgebraError.self) {
            _ = try km.fitWithDistances(x, backend: SwiftBackend(), extraStarts: [Matrix(rows: 4, columns: 3)])
        }
    }

    @Test("the knee of an inertia curve")
    func knee() {
        // An elbow at k = 4.
        let curve: [(Double, Double)] = [(1, 100), (2, 60), (3, 30), (4, 10), (5, 8), (6, 7), (7, 6), (8, 5.5)]
        #expect(KSweep.knee(curve) == 4)
    }

    @Test("PCA by explained-variance fraction picks the fewest components that reach it")
    func pcaFraction() throws {
        let x = Matrix([[-1, -1], [-2, -1], [-3, -2], [1, 1], [2, 1], [3, 2]])
        let m = try PCA(components: .varianceFraction(0.99)).fit(x, backend: SwiftBackend())
        #expect(m.count == 1)
        let all = try PCA(components: .varianceFraction(0.999)).fit(x, backend: SwiftBackend())
        #expect(all.count == 2)
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
}
