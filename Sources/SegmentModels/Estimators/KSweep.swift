import Foundation
import SegmentCore
import SegmentData

/// k-means for every k in a range: inertia and mean distance per k, a silhouette score on a seeded
/// sample, and a suggested k at the knee of the inertia curve (Kneedle: the k farthest below the
/// straight line from the first to the last point, both axes normalised to [0, 1]).
///
/// How each k starts (`start`):
/// - `.warm` (the default): the first k from k-means++; every later k from the previous k's fitted
///   centres plus one centre added by a greedy k-means++ step (drawn against those fitted centres,
///   best of `warmTrials` candidates).
///   Each fit starts close to convergence, so the sweep costs a fraction of independent fits, and
///   the inertia curve can only go down (a Lloyd fit never raises the inertia of its start, and the
///   start is the previous optimum plus a centre), which is what the knee rule reads.
/// - `.fresh`: every k from its own k-means++ seeding, as independent fits would. The seeding is
///   shared: each of the `nInit` runs draws one greedy k-means++ seeding up to the largest k, and
///   every k starts from its first k centres. k-means++ picks centres one after the other, so those
///   are exactly the centres a seeding for k alone draws from the same stream (with the
///   2 + ln(largest k) candidates per step of the largest one).
public struct KSweep: Sendable {
    public var ks: ClosedRange<Int>
    public var nInit: Int
    public var maxIterations: Int
    public var tolerance: Double
    public var seed: UInt64
    public var threads: Int
    /// Rows sampled (seeded) for the silhouette score; 0 skips it.
    public var silhouetteSample: Int
    public var algorithm: KMeans.Algorithm
    public var start: Start
    /// Seeded k-means++ runs with which the customer-information rule refits the k's it decides
    /// between (see `runKeepingCentres`); 0 reads the sweep's path alone.
    public var refitNInit: Int
    /// The processes the fits' iterations are spread over (nil: this one alone); the result is the
    /// same bits either way (see `ProcessGroup`).
    public var group: (any ProcessGroup)?

    /// Where each k's fit starts from (see the type's documentation).
    public enum Start: String, Codable, Sendable, CaseIterable {
        /// The previous k's centres plus one greedy k-means++ centre.
        case warm
        /// Its own k-means++ seeding.
        case fresh
    }

    /// Candidates of the greedy k-means++ step that adds a centre in a warm start. Seeding uses
    /// 2 + ln k per step (scikit-learn's choice); the warm step is taken once per k and decides which
    /// basin the whole fit settles in, so it looks at more: with 2 + ln k a poor early choice carried
    /// through several k (+2.4% inertia at k = 5 on the default data), with 32 none did.
    static let warmTrials = 32

    public init(ks: ClosedRange<Int> = 2...20, nInit: Int = 1, maxIterations: Int = 300, tolerance: Double = 1e-4,
                seed: UInt64 = 42, threads: Int = ProcessInfoCompat.activeProcessorCount, silhouetteSample: Int = 2_000,
                algorithm: KMeans.Algorithm = .hamerly, start: Start = .warm, refitNInit: Int = 3,
                group: (any ProcessGroup)? = nil) {
        self.group = group
        self.algorithm = algorithm
        self.start = start
        self.refitNInit = refitNInit
        self.ks = ks
        self.nInit = nInit
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
        self.threads = threads
        self.silhouetteSample = silhouetteSample
    }

    public struct Point: Codable, Sendable, Equatable {
        public let k: Int
        public let inertia: Double
        /// Mean Euclidean distance of a row to its centre.
        public let meanDistance: Double
        public let silhouette: Double?
        /// Calinski-Harabasz: between-segment over within-segment dispersion, each per degree of
        /// freedom ((T - W) / (k - 1)) / (W / (n - k)); nil for k = 1.
        public let calinskiHarabasz: Double?
        public let iterations: Int
        public let converged: Bool
        /// How much the segmentation tells customers from the population: the Jensen-Shannon
        /// divergence (bits, 0...1) between the two files' segment shares, i.e. the mutual
        /// information between segment and membership with both files weighted equally. Nil when
        /// the sweep ran without customers.
        public let customerInformation: Double?
    }

    public struct Result: Codable, Sendable, Equatable {
        public let points: [Point]
        /// The k the rule picks: the customer-information plateau when the sweep saw customers, the
        /// knee of the inertia curve otherwise.
        public let suggestedK: Int
        public let rule: String
        public let rows: Int
        /// What each criterion alone would pick (the evidence beside the rule's pick).
        public let kneeK: Int?
        public let informationK: Int?
        public let silhouetteK: Int?
        public let calinskiHarabaszK: Int?
        /// The k's the information rule refit (`refitNInit`); their points hold the better of the
        /// sweep's solution and the refit. Nil when nothing was refit.
        public let refitKs: [Int]?
    }

    /// The share of the sweep's largest customer information at which the plateau starts.
    public static let plateauShare = 0.95

    static let kneeRule = "Kneedle: the k farthest below the line joining the first and last points of the normalised inertia curve"
    static let informationRule = "the customer-information plateau: the smallest k whose customer information (how much the segments tell customers from the population) reaches 95% of the largest in the sweep; more segments than that find little new customer structure. The pick and the k below it are refit from fresh seeds (and the sweep's own solution, the lower inertia kept) until both have been, so that a poor optimum on the sweep's path does not move the pick"

    /// The smallest k whose customer information reaches `plateauShare` of the sweep's largest.
    public static func plateau(_ points: [Point]) -> Int? {
        let values = points.compactMap(\.customerInformation)
        guard values.count == points.count, let top = values.max(), top > 0 else { return nil }
        return points.first { $0.customerInformation! >= plateauShare * top }?.k
    }

    /// Runs the sweep; `progress` is called after each k.
    /// `customers`: customer rows in the same space, assigned to each k's centres for
    /// `Point.customerInformation`.
    public func run(_ x: Matrix, backend: any LinearAlgebraBackend, customers: Matrix? = nil,
                    progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        try runKeepingCentres(x, backend: backend, customers: customers, progress: progress).result
    }

    /// `run`, also returning each k's centres (a start for the final fit at the chosen k).
    public func runKeepingCentres(_ x: Matrix, backend: any LinearAlgebraBackend, customers: Matrix? = nil,
                                  progress: ((Int, Int) -> Void)? = nil) throws -> (result: Result, centres: [Int: Matrix]) {
        var centres: [Int: Matrix] = [:]
        var points: [Point] = []
        let sample = silhouetteSample > 1 ? seededSample(rows: x.rows, size: min(silhouetteSample, x.rows), seed: seed) : []
        let ks = self.ks.clamped(to: 1...max(1, x.rows))
        let sampleDistances = ks.upperBound > 1 ? self.sampleDistances(x, sample: sample) : nil
        guard x.rows >= 1 else { throw KMeansError.tooFewRows(rows: 0, clusters: ks.lowerBound) }
        let prepared = try KMeans.Prepared(x, threads: threads)
        let xnorm = prepared.xnorm
        let runs = max(1, nInit)
        let single = backend.withThreads(1)
        let seedings = try (0..<runs).map { run in
            var rng = SplitMix64.stream(seed: seed, UInt64(run))
            return try Lloyd.plusPlus(RowStore(x), k: start == .fresh ? ks.upperBound : ks.lowerBound, rng: &rng, xnorm: xnorm,
                                      backend: single, threads: threads, group: group)
        }
        /// A fit's point: its inertia and the criteria read from its labels.
        func measure(_ k: Int, _ fit: (model: KMeans.Model, labels: [Int32], distances: [Double])) throws -> Point {
            let distances = fit.distances
            let mean = distances.reduce(0, +) / Double(max(1, distances.count))
            let sil = sample.count > 1 && k > 1 ? silhouette(x, labels: fit.labels, sample: sample, k: k, distances: sampleDistances) : nil
            let information = try customers.map { c in
                Self.jensenShannon(fit.labels, try fit.model.predict(c, backend: backend, threads: threads).labels, k: k)
            }
            let total = prepared.meanVariance * Double(x.columns) * Double(x.rows)
            let ch = k > 1 && x.rows > k && fit.model.inertia > 0
                ? ((total - fit.model.inertia) / Double(k - 1)) / (fit.model.inertia / Double(x.rows - k)) : nil
            return Point(k: k, inertia: fit.model.inertia, meanDistance: mean, silhouette: sil,
                         calinskiHarabasz: ch, iterations: fit.model.iterations, converged: !fit.model.diagnostics.didNotConverge,
                         customerInformation: information)
        }
        var previous: (centers: Matrix, distances: [Double])?
        for (done, k) in ks.enumerated() {
            let km = KMeans(clusters: k, nInit: nInit, maxIterations: maxIterations, tolerance: tolerance,
                            seed: seed, threads: threads, algorithm: algorithm, group: group)
            let starts: [Matrix]
            if start == .warm, let (centers, distances) = previous {
                let squared = distances.map { $0 * $0 }
                starts = try (0..<runs).map { run in
                    var rng = SplitMix64.stream(seed: seed &+ UInt64(k), UInt64(run))
                    var closest = squared
                    let added = try Lloyd.plusPlusStep(RowStore(x), closest: &closest, trials: Self.warmTrials, rng: &rng,
                                                       xnorm: xnorm, backend: single, threads: threads, group: group).row
                    return Matrix(rows: k, columns: x.columns, elements: centers.storage + added)
                }
            } else {
                starts = seedings.map { $0.rows(0..<k) }
            }
            let fit = try km.fitWithDistances(RowStore(x), backend: backend, prepared: prepared, starts: starts)
            previous = (fit.model.centers, fit.distances)
            centres[k] = fit.model.centers
            points.append(try measure(k, fit))
            progress?(done + 1, ks.count)
        }
        // The rule reads one solution per k, and the sweep's path sometimes settles in a poorer
        // optimum whose segments blur the customer structure (on planted data, down to 60% of the
        // information a fresh fit at that k finds), which moves the plateau. So the k's the rule
        // decides between, its pick and the one below, are refit from `refitNInit` fresh seeds plus
        // the sweep's own solution (so never worse by inertia), and the pick is read again, until
        // both have been refit.
        var refit: [Int] = []
        if refitNInit > 0 {
            while let pick = Self.plateau(points) {
                let todo = [pick, pick - 1].filter { ks.contains($0) && !refit.contains($0) }
                if todo.isEmpty { break }
                for k in todo {
                    let i = k - ks.lowerBound
                    let km = KMeans(clusters: k, nInit: refitNInit, maxIterations: maxIterations, tolerance: tolerance,
                                    seed: seed &+ 0x5EED &+ UInt64(k), threads: threads, algorithm: algorithm, group: group)
                    let fit = try km.fitWithDistances(RowStore(x), backend: backend, prepared: prepared, starts: nil,
                                                      extraStarts: [centres[k]!])
                    if fit.model.inertia < points[i].inertia {
                        points[i] = try measure(k, fit)
                        centres[k] = fit.model.centers
                    }
                    refit.append(k)
                }
            }
        }
        let knee = Self.knee(points.map { (Double($0.k), $0.inertia) })
        let information = Self.plateau(points)
        func argmax(_ value: (Point) -> Double?) -> Int? {
            points.filter { value($0) != nil }.max { value($0)! < value($1)! }?.k
        }
        let result = Result(points: points, suggestedK: information ?? knee ?? ks.lowerBound,
                            rule: information != nil ? Self.informationRule : Self.kneeRule, rows: x.rows,
                            kneeK: knee, informationK: information, silhouetteK: argmax(\.silhouette),
                            calinskiHarabaszK: argmax(\.calinskiHarabasz), refitKs: refit.isEmpty ? nil : refit.sorted())
        return (result, centres)
    }

    /// The Jensen-Shannon divergence in bits between the label distributions of `a` and `b`.
    static func jensenShannon(_ a: [Int32], _ b: [Int32], k: Int) -> Double {
        var pa = [Double](repeating: 0, count: k), pb = pa
        for l in a { pa[Int(l)] += 1 }
        for l in b { pb[Int(l)] += 1 }
        let na = Double(max(1, a.count)), nb = Double(max(1, b.count))
        var d = 0.0
        for j in 0..<k {
            let p = pa[j] / na, q = pb[j] / nb, m = (p + q) / 2
            if p > 0 { d += 0.5 * p * log2(p / m) }
            if q > 0 { d += 0.5 * q * log2(q / m) }
        }
        return d
    }

    /// The knee of a decreasing curve, or nil with fewer than 3 points.
    public static func knee(_ curve: [(Double, Double)]) -> Int? {
        guard curve.count >= 3, let first = curve.first, let last = curve.last, last.0 > first.0 else { return nil }
        let yMax = curve.map(\.1).max()!, yMin = curve.map(\.1).min()!
        guard yMax > yMin else { return Int(first.0) }
        var best = (k: Int(first.0), d: -Double.infinity)
        for (x, y) in curve {
            let xn = (x - first.0) / (last.0 - first.0)
            let yn = (y - yMin) / (yMax - yMin)
            let d = (1 - xn) - yn      // the line from (0, 1) to (1, 0), minus the curve
            if d > best.d { best = (Int(x), d) }
        }
        return best.k
    }

    /// The distances between the sampled rows, computed once for every k of the sweep (they do not
    /// depend on the clustering): s x s, row-major. Nil for samples too large to keep (the
    /// silhouette then computes them as it goes).
    func sampleDistances(_ x: Matrix, sample: [Int]) -> [Double]? {
        guard sample.count > 1, sample.count <= Self.keptDistanceSample else { return nil }
        return SampleDistances.matrix(x, sample: sample, threads: threads)
    }

    /// The largest sample whose distance matrix is kept (4,000: 128 MB).
    static let keptDistanceSample = 4_000

    /// Mean silhouette of the sampled rows (distances to the other sampled rows, from `distances`
    /// when given).
    func silhouette(_ x: Matrix, labels: [Int32], sample: [Int], k: Int, distances: [Double]? = nil) -> Double {
        let s = sample.count
        let sampleLabels = sample.map { Int(labels[$0]) }
        // Per sampled row a: the sum and count of its distances to the other sampled rows, by label.
        let values = SampleDistances.perRow(x, sample: sample, labels: sampleLabels, k: k, distances: distances,
                                            threads: threads) { sums, counts, own in
            guard counts[own] > 0 else { return 0 }
            let inner = sums[own] / Double(counts[own])
            var nearest = Double.infinity
            for j in 0..<k where j != own && counts[j] > 0 { nearest = min(nearest, sums[j] / Double(counts[j])) }
            return nearest.isFinite ? (nearest - inner) / max(inner, nearest) : 0
        }
        return values.reduce(0, +) / Double(max(1, s))
    }
}

/// `size` distinct row numbers drawn with a seeded generator, sorted.
public func seededSample(rows: Int, size: Int, seed: UInt64) -> [Int] {
    guard size < rows else { return Array(0..<rows) }
    var rng = SplitMix64.stream(seed: seed, 0x5A3D)
    // Floyd's algorithm: exactly `size` distinct values.
    var chosen = Set<Int>()
    for j in (rows - size)..<rows {
        let t = rng.nextInt(below: j + 1)
        if !chosen.insert(t).inserted { chosen.insert(j) }
    }
    return chosen.sorted()
}
