import Foundation
import SegmentCore
import SegmentData

/// k-means as scikit-learn's Lloyd implementation does it: greedy k-means++ seeding (2 + ln k
/// candidates per step) from a seeded generator; Lloyd iterations over fixed chunks of rows whose
/// distance step is one GEMM per chunk (‖c‖² − 2 X Cᵀ, plus ‖x‖², argmin); per-cluster sums; empty
/// clusters relocated to the farthest points; a tolerance relative to the data's mean variance;
/// the best of `nInit` runs by inertia recomputed exactly.
///
/// `algorithm` chooses how the iterations are computed: `.lloyd` looks at every row in every
/// iteration; `.hamerly` (the default) runs the same iterations but skips the rows whose distance
/// bounds prove they keep their cluster (see `Hamerly`). Both give the same clustering up to
/// rounding; only `.lloyd` records the inertia of every iteration.
///
/// Parallelism is over the chunks, with single-threaded backend calls inside (one level at a time).
/// Chunk partial sums are combined in chunk order, so the result does not depend on the thread
/// count.
public struct KMeans: Sendable {
    public var clusters: Int
    public var nInit: Int
    public var maxIterations: Int
    /// Relative tolerance: iterations stop when the centres move (sum of squared shifts) by less
    /// than `tolerance` times the mean per-feature variance of the data.
    public var tolerance: Double
    public var seed: UInt64
    public var threads: Int
    public var algorithm: Algorithm
    /// The processes the Hamerly iterations are spread over (nil: this one alone); the result is
    /// the same bits either way (see `ProcessGroup`), and so is the k-means++ seeding's arithmetic.
    /// Lloyd's iterations run whole in every process.
    ///
    /// With Hamerly's, a fit over the group reads from each rank only the rows of its own chunks
    /// (`DistanceStep.ownRows`): the other rows of its store need not be there (`rowsSpread`).
    /// Rank 0 alone then receives every row's label and distance; each other rank returns its own
    /// rows' only.
    public var group: (any ProcessGroup)?

    /// Whether a fit over `group` reads only each rank's own rows (Hamerly), or every row on every
    /// rank (Lloyd).
    public var rowsSpread: Bool { Self.rowsSpread(algorithm: algorithm, group: group) }

    public static func rowsSpread(algorithm: Algorithm, group: (any ProcessGroup)?) -> Bool {
        algorithm == .hamerly && (group?.size ?? 1) > 1
    }

    /// How the Lloyd iterations are computed (the result is the same up to rounding).
    public enum Algorithm: String, Codable, Sendable, CaseIterable {
        /// Every row's distances to every centre in every iteration (and the inertia of each).
        case lloyd
        /// Hamerly's bounds: only rows that may change cluster are looked at.
        case hamerly
    }

    public init(clusters: Int, nInit: Int = 3, maxIterations: Int = 300, tolerance: Double = 1e-4,
                seed: UInt64 = 42, threads: Int = ProcessInfoCompat.activeProcessorCount,
                algorithm: Algorithm = .hamerly, group: (any ProcessGroup)? = nil) {
        self.algorithm = algorithm
        self.group = group
        self.clusters = clusters
        self.nInit = nInit
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
        self.threads = max(1, threads)
    }

    /// What went less than perfectly; soft failures are data, reported by the CLI.
    public struct Diagnostics: Codable, Sendable, Equatable {
        public let didNotConverge: Bool
        public let emptyClustersRelocated: Int
        public let distinctCenters: Int
        public let fewerDistinctClusters: Bool

        /// The diagnostics of a finished run with these final centres.
        init(centers: Matrix, converged: Bool, relocated: Int) {
            let distinct = Set((0..<centers.rows).map { centers.row($0) }).count
            self.init(didNotConverge: !converged, emptyClustersRelocated: relocated,
                      distinctCenters: distinct, fewerDistinctClusters: distinct < centers.rows)
        }

        public init(didNotConverge: Bool, emptyClustersRelocated: Int, distinctCenters: Int, fewerDistinctClusters: Bool) {
            self.didNotConverge = didNotConverge
            self.emptyClustersRelocated = emptyClustersRelocated
            self.distinctCenters = distinctCenters
            self.fewerDistinctClusters = fewerDistinctClusters
        }
    }

    public struct Model: Codable, Sendable, Equatable {
        /// k x d.
        public let centers: Matrix
        /// Sum of squared distances to the assigned centres, recomputed exactly.
        public let inertia: Double
        public let iterations: Int
        public let diagnostics: Diagnostics
        /// The inertia at each assignment step of the chosen run (from the GEMM distances); recorded
        /// by `.lloyd` only (empty for `.hamerly`, which does not compute every distance).
        public let inertiaHistory: [Double]
        /// Which of the `nInit` runs won.
        public let bestRun: Int

        public var k: Int { centers.rows }

        /// Each row's nearest centre and its (exact, Euclidean) distance.
        public func predict(_ x: Matrix, backend: any LinearAlgebraBackend, threads: Int = ProcessInfoCompat.activeProcessorCount) throws -> (labels: [Int32], distances: [Double]) {
            let a = try DistanceStep.assign(x, centers: centers, backend: backend, threads: threads, accumulate: false)
            return (a.labels, a.exactSquared.map { $0.squareRoot() })
        }

        /// Distances of every row to every centre (n x k).
        public func transform(_ x: Matrix, backend: any LinearAlgebraBackend) throws -> Matrix {
            try DistanceStep.allDistances(x, centers: centers, backend: backend)
        }
    }

    /// Fits k-means to `x` (no NaN). Returns the model and each row's label.
    public func fit(_ x: Matrix, backend: any LinearAlgebraBackend) throws -> (model: Model, labels: [Int32]) {
        let r = try fitWithDistances(x, backend: backend)
        return (r.model, r.labels)
    }

    /// `fit`, also returning each row's exact distance to its centre (saves a prediction pass).
    /// `extraStarts`: initial centres (k rows each) run after the `nInit` seeded runs, e.g. the k
    /// sweep's solution at this k; the best of all runs is kept.
    /// `progress(done, total)` after each run.
    public func fitWithDistances(_ x: Matrix, backend: any LinearAlgebraBackend, xnorm given: [Double]? = nil,
                                 extraStarts: [Matrix] = [],
                                 progress: ((Int, Int) -> Void)? = nil) throws -> (model: Model, labels: [Int32], distances: [Double]) {
        try fitWithDistances(RowStore(x), backend: backend, xnorm: given, extraStarts: extraStarts, progress: progress)
    }

    /// As `fitWithDistances` on a matrix, on rows in memory or spilled to a file (the same bits).
    public func fitWithDistances(_ x: RowStore, backend: any LinearAlgebraBackend, xnorm given: [Double]? = nil,
                                 extraStarts: [Matrix] = [],
                                 progress: ((Int, Int) -> Void)? = nil) throws -> (model: Model, labels: [Int32], distances: [Double]) {
        try fitWithDistances(x, backend: backend, prepared: Prepared(x, threads: threads, xnorm: given,
                                                                    spreadOver: rowsSpread ? group : nil), starts: nil,
                             extraStarts: extraStarts, resultsToRankZero: rowsSpread, progress: progress)
    }

    /// What a fit needs to know of its data once, however many fits share it (the k sweep): the
    /// data checked for NaN, ‖x‖² per row, and the mean per-feature variance.
    package struct Prepared {
        var xnorm: [Double]
        var meanVariance: Double

        package init(_ x: Matrix, threads: Int, xnorm given: [Double]? = nil) throws {
            try self.init(RowStore(x), threads: threads, xnorm: given)
        }

        /// `spreadOver`: the rows are spread over these processes (`KMeans.rowsSpread`): each
        /// process checks and measures its own rows only (the variance's per-block sums gathered),
        /// and computes their norms only.
        package init(_ x: RowStore, threads: Int, xnorm given: [Double]? = nil, spreadOver group: (any ProcessGroup)? = nil) throws {
            let spread = group.flatMap { $0.size > 1 ? $0 : nil }
            meanVariance = try Self.meanVariance(x, threads: threads, group: spread)
            if let spread {
                xnorm = try given ?? DistanceStep.rowNorms(x, threads: threads, only: DistanceStep.ownRows(x.rows, spread).rows)
            } else {
                xnorm = try given ?? DistanceStep.rowNorms(x, threads: threads)
            }
        }

        /// The mean per-feature variance of `x`, checked for NaN. Under `group`, each rank holds and
        /// reads its own rows (`DistanceStep.ownRows`, whole scan blocks): their per-block sums are
        /// gathered and joined in row order, shifted by the first row, as one process's are.
        static func meanVariance(_ x: RowStore, threads: Int, group: (any ProcessGroup)? = nil) throws -> Double {
            func nan(_ at: (row: Int, column: Int)) -> Error {
                LinearAlgebraError.nanInInput(routine: "k-means input", row: at.row, column: at.column)
            }
            let m2: [Double]
            if group == nil, let matrix = x.matrix {
                if let at = matrix.firstNaN { throw nan(at) }
                m2 = columnMoments(matrix, threads: threads).m2
            } else {
                // The same statistics in parts of whole scan blocks (the same bits as in one pass).
                let rows = DistanceStep.ownRows(x.rows, group).rows
                var shift = rows.lowerBound == 0 && !rows.isEmpty ? ColumnScan.shift(of: try x.rows(0..<1)) : []
                if let group { shift = try group.allGather(shift, for: .kmeansStep).first { !$0.isEmpty } ?? [] }
                var scan = ColumnScan.Partial(columns: x.columns, histograms: false,
                                              shift: shift.isEmpty ? [Double](repeating: 0, count: x.columns) : shift)
                try x.forEachBlock(rows: 4 * ColumnScan.blockRows, of: rows) { range, m, first in
                    let block = first == 0 && m.rows == range.count ? m : m.rows(first..<(first + range.count))
                    if let at = block.firstNaN { throw nan((range.lowerBound + at.row, at.column)) }
                    scan.scan(block, threads: threads)
                }
                if let group { scan = try scan.gathered(over: group) }
                m2 = x.rows > 0 ? scan.finish().moments.m2 : [Double](repeating: 0, count: x.columns)
            }
            return m2.reduce(0, +) / Double(max(1, x.columns)) / Double(max(1, x.rows))
        }
    }

    /// `starts`: the initial centres of each run (k rows each) instead of k-means++ seeding;
    /// `extraStarts` run after them (or after the `nInit` seeded runs). `resultsToRankZero`: under
    /// `group`, with Hamerly's iterations, rank 0 alone receives every row's label and distance,
    /// and the other ranks return their own rows' only (`DistanceStep.ownRows`).
    package func fitWithDistances(_ x: RowStore, backend: any LinearAlgebraBackend, prepared: Prepared,
                                  starts: [Matrix]?, extraStarts: [Matrix] = [], resultsToRankZero: Bool = false,
                                  progress: ((Int, Int) -> Void)? = nil) throws -> (model: Model, labels: [Int32], distances: [Double]) {
        let n = x.rows
        guard clusters >= 1 else { throw KMeansError.badClusterCount(clusters) }
        guard n >= clusters else { throw KMeansError.tooFewRows(rows: n, clusters: clusters) }
        let tolAbs = tolerance * prepared.meanVariance
        let single = backend.withThreads(1)
        let xnorm = prepared.xnorm
        var best: (Model, [Int32], [Double])?
        let seeded = starts?.count ?? max(1, nInit)
        for run in 0..<(seeded + extraStarts.count) {
            let initial: Matrix
            if run >= seeded {
                initial = extraStarts[run - seeded]
                guard initial.rows == clusters, initial.columns == x.columns else {
                    throw LinearAlgebraError.shapeMismatch(routine: "k-means start",
                        detail: "a start of \(initial.rows)x\(initial.columns) for \(clusters) clusters of \(x.columns) columns")
                }
            } else if let starts {
                initial = starts[run]
            } else {
                var rng = SplitMix64.stream(seed: seed, UInt64(run))
                initial = try Lloyd.plusPlus(x, k: clusters, rng: &rng, xnorm: xnorm, backend: single, threads: threads, group: group)
            }
            let result = algorithm == .lloyd
                ? try Lloyd.run(x, centers: initial, xnorm: xnorm, maxIterations: maxIterations, tolAbs: tolAbs,
                                backend: single, threads: threads)
                : try Hamerly.run(x, centers: initial, xnorm: xnorm, maxIterations: maxIterations, tolAbs: tolAbs,
                                  backend: single, threads: threads, group: group, resultsTo: resultsToRankZero ? 0 : nil)
            let model = Model(result, bestRun: run)
            if best == nil || model.inertia < best!.0.inertia { best = (model, result.labels, result.squaredDistances) }
            progress?(run + 1, seeded + extraStarts.count)
        }
        return (best!.0, best!.1, best!.2.map { $0.squareRoot() })
    }
}

extension KMeans.Model {
    /// The model of one finished run (of `nInit`), the `bestRun`-th.
    init(_ run: KMeansRun, bestRun: Int) {
        self.init(centers: run.centers, inertia: run.inertia, iterations: run.iterations,
                  diagnostics: KMeans.Diagnostics(centers: run.centers, converged: run.converged, relocated: run.relocated),
                  inertiaHistory: run.inertiaHistory, bestRun: bestRun)
    }
}

public enum KMeansError: Error, Equatable, CustomStringConvertible, Sendable {
    case badClusterCount(Int)
    case tooFewRows(rows: Int, clusters: Int)

    public var description: String {
        switch self {
        case let .badClusterCount(k): return "k-means needs at least 1 cluster, got \(k)"
        case let .tooFewRows(rows, clusters):
            return "k-means cannot make \(clusters) clusters from \(rows) row\(rows == 1 ? "" : "s"): choose a smaller k"
        }
    }
}

/// The chunked distance and update steps shared by fitting, seeding and prediction.
enum Lloyd {
    /// Greedy k-means++ (Arthur & Vassilvitskii, with scikit-learn's 2 + ln k local trials).
    /// `group`: the processes the seeding is spread over; each reads only its own share of the
    /// chunks' rows (see `plusPlusStep`).
    package static func plusPlus(_ x: RowStore, k: Int, rng: inout SplitMix64, xnorm: [Double],
                                 backend: any LinearAlgebraBackend, threads: Int,
                                 group: (any ProcessGroup)? = nil) throws -> Matrix {
        let d = x.columns
        let spread = group.flatMap { $0.size > 1 ? $0 : nil }
        let (mine, rows) = DistanceStep.ownRows(x.rows, spread)
        var centers = Matrix(rows: k, columns: d)
        let firstRow = rng.nextInt(below: x.rows)
        var first = rows.contains(firstRow) ? try x.rows(at: [firstRow]) : Matrix(rows: 0, columns: d)
        if let spread {
            // The process that holds the row gives it.
            first = Matrix(rows: 1, columns: d, elements: try spread.allGather(first.storage, for: .seeding).flatMap { $0 })
        }
        for t in 0..<d { centers[0, t] = first[0, t] }
        var closest = try DistanceStep.squaredDistances(x, to: first, xnorm: xnorm, backend: backend, threads: threads, chunks: mine)
        let trials = 2 + Int(log(Double(k)))
        for c in 1..<max(1, k) {
            let chosen = try plusPlusStep(x, closest: &closest, trials: trials, rng: &rng, xnorm: xnorm, backend: backend,
                                          threads: threads, group: spread).row
            for t in 0..<d { centers[c, t] = chosen[t] }
        }
        return centers
    }

    /// One greedy k-means++ step: `trials` candidate rows drawn with probability proportional to
    /// `closest` (each row's squared distance to the nearest centre so far); the one that lowers the
    /// potential most is returned (its index and its values) and `closest` updated with it.
    ///
    /// Under `group`, each process reads only its own share of the chunks' rows, and holds and
    /// updates `closest` for those rows only. The draw reads the running total of `closest` in row
    /// order: each process adds its rows' values to the total of the rows before it, passed on from
    /// the process before (one gather per process), so every partial total is the single process's
    /// to the bit. The process whose rows hold a draw gives that row, and the candidates'
    /// potentials are summed per chunk and gathered (`DistanceStep.potentials`). The same row is
    /// chosen as by one process.
    static func plusPlusStep(_ x: RowStore, closest: inout [Double], trials: Int, rng: inout SplitMix64, xnorm: [Double],
                             backend: any LinearAlgebraBackend, threads: Int,
                             group: (any ProcessGroup)? = nil) throws -> (index: Int, row: [Double]) {
        let n = x.rows, d = x.columns
        let spread = group.flatMap { $0.size > 1 ? $0 : nil }
        let (mine, rows) = DistanceStep.ownRows(n, spread)
        // The running total over this process's rows, from the total of the rows before them.
        var cumulative = [Double](repeating: 0, count: rows.count)
        func accumulate(from start: Double) -> Double {
            var acc = start
            for i in rows { acc += closest[i]; cumulative[i - rows.lowerBound] = acc }
            return acc
        }
        var acc = 0.0
        if let spread {
            for t in 0..<spread.size {
                let total = t == spread.rank ? accumulate(from: acc) : acc
                acc = try spread.allGather([total], for: .seeding)[t][0]
            }
        } else {
            acc = accumulate(from: 0)
        }
        // Each draw is the first row whose running total reaches it, or the last row if none does.
        let draws = (0..<trials).map { _ in rng.nextUnit() * acc }
        let local = draws.map { r -> Int in
            var lo = 0, hi = cumulative.count
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < r { lo = mid + 1 } else { hi = mid } }
            if lo < cumulative.count { return rows.lowerBound + lo }
            return !rows.isEmpty && rows.upperBound == n ? n - 1 : -1
        }
        // Each draw's index and row, from the first process (in row order) that found it.
        var candidates = local
        var cand = try x.rows(at: local.filter { $0 >= 0 })
        if let spread {
            var found = [Double](repeating: -1, count: trials * (1 + d))
            var next = 0
            for (m, i) in local.enumerated() where i >= 0 {
                found[m * (1 + d)] = Double(i)
                for t in 0..<d { found[m * (1 + d) + 1 + t] = cand[next, t] }
                next += 1
            }
            let all = try spread.allGather(found, for: .seeding)
            cand = Matrix(rows: trials, columns: d)
            for m in 0..<trials {
                let from = all.first { $0[m * (1 + d)] >= 0 }!
                candidates[m] = Int(from[m * (1 + d)])
                for t in 0..<d { cand[m, t] = from[m * (1 + d) + 1 + t] }
            }
        }
        let potential = try DistanceStep.potentials(x, closest: closest, candidates: cand, xnorm: xnorm, backend: backend,
                                                    threads: threads, group: spread)
        var bestM = 0
        for m in 1..<max(1, trials) where potential[m] < potential[bestM] { bestM = m }
        let best = cand.rows(bestM..<(bestM + 1))
        let chosen = try DistanceStep.squaredDistances(x, to: best, xnorm: xnorm, backend: backend, threads: threads, chunks: mine)
        for i in rows { closest[i] = min(closest[i], chosen[i]) }
        return (candidates[bestM], best.storage)
    }

    static func run(_ x: RowStore, centers start: Matrix, xnorm: [Double], maxIterations: Int, tolAbs: Double,
                    backend: any LinearAlgebraBackend, threads: Int) throws -> KMeansRun {
        let k = start.rows, d = x.columns
        var centers = start
        var history: [Double] = []
        var relocated = 0
        var converged = false
        var iterations = 0
        var previousLabels: [Int32]?
        while iterations < maxIterations {
            iterations += 1
            let a = try DistanceStep.assign(x, centers: centers, backend: backend, threads: threads, accumulate: true,
                               xnorm: xnorm, exact: false)
            history.append(a.inertia)
            let (next, empty) = try CentreUpdate.update(sums: a.sums, counts: a.counts, row: { try x.row($0) }) { a.squared }
            relocated += empty
            var shift = 0.0
            for j in 0..<k { for t in 0..<d { let s = next[j, t] - centers[j, t]; shift += s * s } }
            centers = next
            if previousLabels == a.labels && empty == 0 { converged = true; break }
            previousLabels = a.labels
            if shift <= tolAbs { converged = true; break }
        }
        // The final labels belong to the final centres; inertia recomputed exactly.
        let final = try DistanceStep.assign(x, centers: centers, backend: backend, threads: threads, accumulate: false, xnorm: xnorm, exact: true)
        return KMeansRun(centers: centers, inertia: final.inertia, iterations: iterations, converged: converged,
                         relocated: relocated, inertiaHistory: history, labels: final.labels,
                         squaredDistances: final.exactSquared)
    }
}

/// Hooks for the benchmarks (segment-bench), not part of the API.
extension KMeans {
    /// Greedy k-means++ centres for `x` (the seeding `fit` uses), from `seed`.
    @_spi(Benchmarks) public static func seedPlusPlus(_ x: Matrix, k: Int, seed: UInt64, backend: any LinearAlgebraBackend,
                                    threads: Int = ProcessInfoCompat.activeProcessorCount) throws -> Matrix {
        var rng = SplitMix64.stream(seed: seed, 0)
        return try Lloyd.plusPlus(RowStore(x), k: k, rng: &rng, xnorm: DistanceStep.rowNorms(x, threads: threads),
                                  backend: backend.withThreads(1), threads: threads)
    }

    /// One Lloyd iteration (assignment by chunked GEMM, then the centre update): the new centres and
    /// the inertia of the assignment. `rowNorms` are ‖x‖² per row (computed when nil).
    @_spi(Benchmarks) public static func lloydStep(_ x: Matrix, centers: Matrix, backend: any LinearAlgebraBackend,
                                 threads: Int = ProcessInfoCompat.activeProcessorCount,
                                 rowNorms: [Double]? = nil) throws -> (centers: Matrix, inertia: Double) {
        let a = try DistanceStep.assign(x, centers: centers, backend: backend, threads: threads, accumulate: true,
                                 xnorm: rowNorms, exact: false)
        var next = centers
        for j in 0..<centers.rows where a.counts[j] > 0 {
            for t in 0..<centers.columns { next[j, t] = a.sums[j, t] / Double(a.counts[j]) }
        }
        return (next, a.inertia)
    }

    /// ‖x‖² of every row.
    @_spi(Benchmarks) public static func rowNorms(_ x: Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) -> [Double] {
        DistanceStep.rowNorms(x, threads: threads)
    }
}

