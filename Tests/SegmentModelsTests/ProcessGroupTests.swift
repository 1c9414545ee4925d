import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentModels

@Suite("k-means spread over processes")
struct ProcessGroupTests {
    @Test("each rank's share: contiguous, in rank order, covering every block once, sizes within one")
    func shares() {
        for count in [0, 1, 4, 49, 50] {
            for size in 1...5 {
                let parts = (0..<size).map { ThreadRanks.Rank.share(of: count, rank: $0, size: size) }
                #expect(parts.first?.lowerBound == 0 && parts.last?.upperBound == count)
                for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
                let sizes = parts.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 1)
            }
        }
    }

    @Test("a shared array filled from every rank's own part, a small piece at a time: every rank (or the one gathered to) ends with the whole array",
          arguments: [1, 2, 3, 5])
    func gatherInPieces(ranks: Int) throws {
        let whole = (0..<1_003).map { Double($0) * 1.5 - 7 }
        // Uneven parts (one of them empty for five ranks), in pieces of 5 values (40 bytes).
        let cuts = [0] + (1..<ranks).map { [0, 400, 400, 760, 1_003][$0] } + [whole.count]
        let parts = (0..<ranks).map { cuts[$0]..<cuts[$0 + 1] }
        let filled = try ThreadRanks(size: ranks).run { rank -> [Double] in
            var values = [Double](repeating: .nan, count: whole.count)
            for i in parts[rank.rank] { values[i] = whole[i] }
            try values.withUnsafeMutableBufferPointer {
                try rank.allGather(into: $0, parts: parts, for: .fitResults, pieceBytes: 40)
            }
            return values
        }
        for (r, values) in filled.enumerated() { #expect(values == whole, "rank \(r)") }
        // The same to one rank (the last): it alone ends with the whole array; the others send
        // their own part and keep it.
        let root = ranks - 1
        let toRoot = try ThreadRanks(size: ranks).run { rank -> [Double] in
            var values = rank.rank == root ? [Double](repeating: .nan, count: whole.count) : Array(whole[parts[rank.rank]])
            if rank.rank == root { for i in parts[root] { values[i] = whole[i] } }
            try values.withUnsafeMutableBufferPointer {
                try rank.gather(into: $0, parts: parts, to: root, for: .fitResults, pieceBytes: 40)
            }
            return values
        }
        for (r, values) in toRoot.enumerated() { #expect(values == (r == root ? whole : Array(whole[parts[r]])), "rank \(r)") }
    }

    /// Each rank is given the rows of its own chunks only (every other row NaN): it can only end
    /// with the single process's bits if it computes its share alone and takes the rest from the
    /// gathered chunk sums.
    @Test("Hamerly over 2, 3 and 5 ranks that hold only their own rows: the single process's labels, distances, centres and inertia, bit for bit",
          arguments: [2, 3, 5])
    func hamerlySpread(ranks: Int) throws {
        // 60,000 overlapping rows: four chunks (an odd split for three ranks, and a rank with none
        // of them for five), many iterations.
        let (x, _) = blobs(k: 6, per: 10_000, dims: 5, spread: 6, seed: 21)
        let start = x.rows(at: [3, 10_007, 20_011, 30_013, 40_017, 50_021])
        let backend = SwiftBackend(threads: 1)
        let single = try Hamerly.run(RowStore(x), centers: start, xnorm: DistanceStep.rowNorms(x, threads: 2), maxIterations: 300,
                                     tolAbs: 1e-9, backend: backend, threads: 2)
        #expect(single.iterations >= 8 && single.relocated == 0)
        let spread = try ThreadRanks(size: ranks).run { rank in
            let held = rank.held(x)
            return try Hamerly.run(RowStore(held), centers: start, xnorm: DistanceStep.rowNorms(held, threads: 2), maxIterations: 300,
                                   tolAbs: 1e-9, backend: backend, threads: 2, group: rank)
        }
        for (r, run) in spread.enumerated() {
            #expect(run.iterations == single.iterations, "rank \(r)")
            #expect(run.labels == single.labels, "rank \(r)")
            #expect(run.squaredDistances.map(\.bitPattern) == single.squaredDistances.map(\.bitPattern), "rank \(r)")
            #expect(run.centers.storage.map(\.bitPattern) == single.centers.storage.map(\.bitPattern), "rank \(r)")
            #expect(run.inertia.bitPattern == single.inertia.bitPattern, "rank \(r)")
        }
    }

    /// As above, each rank holds only its own chunks' rows: the draws, the candidates' rows and the
    /// potentials must come from the rank that holds them, in row order.
    @Test("k-means++ seeding over 2, 3 and 5 ranks that hold only their own rows: the single process's centres, bit for bit",
          arguments: [2, 3, 5])
    func seedingSpread(ranks: Int) throws {
        let (x, _) = blobs(k: 6, per: 10_000, dims: 5, spread: 6, seed: 23)
        let backend = SwiftBackend(threads: 1)
        let xnorm = DistanceStep.rowNorms(x, threads: 2)
        @Sendable func seed(_ x: RowStore, _ xnorm: [Double], _ group: (any ProcessGroup)?) throws -> (Matrix, Int, [Double]) {
            var rng = SplitMix64.stream(seed: 5, 0)
            let centers = try Lloyd.plusPlus(x, k: 9, rng: &rng, xnorm: xnorm, backend: backend, threads: 2, group: group)
            // A warm start's step (32 candidates) against distances to those centres.
            var closest = try DistanceStep.squaredDistances(x, to: centers.rows(0..<1), xnorm: xnorm, backend: backend, threads: 2)
            let step = try Lloyd.plusPlusStep(x, closest: &closest, trials: 32, rng: &rng, xnorm: xnorm, backend: backend,
                                              threads: 2, group: group)
            return (centers, step.index, step.row)
        }
        let single = try seed(RowStore(x), xnorm, nil)
        // The centres come from rows of at least three of the four chunks (so from several ranks).
        let picked = (0..<9).map { c in (0..<x.rows).first { x.row($0) == single.0.row(c) }! }
        #expect(Set(picked.map { $0 / DistanceStep.chunkRows }).count >= 3, "\(picked)")
        let spread = try ThreadRanks(size: ranks).run { rank in
            let held = rank.held(x)
            return try seed(RowStore(held), DistanceStep.rowNorms(held, threads: 2), rank)
        }
        for (r, run) in spread.enumerated() {
            let same = run.0.storage.map(\.bitPattern) == single.0.storage.map(\.bitPattern)
            #expect(same, "rank \(r): centres")
            #expect(run.1 == single.1 && run.2.map(\.bitPattern) == single.2.map(\.bitPattern), "rank \(r): the warm step's row")
        }
    }

    /// A start with a centre far from every row leaves that cluster empty after the first step: it
    /// moves to the row farthest from its centre, which only one rank holds. Each rank measures its
    /// own rows' distances, and the row comes from its owner.
    @Test("Hamerly's empty cluster over 2, 3 and 5 ranks that hold only their own rows: it moves to the single process's row, bit for bit",
          arguments: [2, 3, 5])
    func emptyClusterSpread(ranks: Int) throws {
        // The blobs' rows interleaved (7,919 is prime to 60,000), so that the rows near the one the
        // empty cluster moves to are on every rank, and a rank that took another row for it would
        // assign its own rows differently.
        let (blobRows, _) = blobs(k: 5, per: 12_000, dims: 4, spread: 5, seed: 29)
        let x = blobRows.rows(at: (0..<blobRows.rows).map { $0 * 7_919 % blobRows.rows })
        var centres = x.rows(at: [5, 12_007, 24_011, 36_013, 48_017, 0])
        for t in 0..<x.columns { centres[5, t] = 1e4 }
        let start = centres
        let backend = SwiftBackend(threads: 1)
        let single = try Hamerly.run(RowStore(x), centers: start, xnorm: DistanceStep.rowNorms(x, threads: 2), maxIterations: 300,
                                     tolAbs: 1e-9, backend: backend, threads: 2)
        #expect(single.relocated >= 1)
        let spread = try ThreadRanks(size: ranks).run { rank in
            let held = rank.held(x)
            return try Hamerly.run(RowStore(held), centers: start, xnorm: DistanceStep.rowNorms(held, threads: 2), maxIterations: 300,
                                   tolAbs: 1e-9, backend: backend, threads: 2, group: rank)
        }
        for (r, run) in spread.enumerated() {
            let same = (relocated: run.relocated == single.relocated, labels: run.labels == single.labels,
                        centres: run.centers.storage.map(\.bitPattern) == single.centers.storage.map(\.bitPattern),
                        inertia: run.inertia.bitPattern == single.inertia.bitPattern)
            #expect(same.relocated && same.labels && same.centres && same.inertia, "rank \(r): \(same)")
        }
    }

    /// What the pipeline hands a fit under `mpirun` (`KMeans.rowsSpread`): each rank's store holds
    /// only its own rows (NaN elsewhere). Each rank measures the tolerance's variance and the norms
    /// over its own rows; the labels and distances go to rank 0 alone.
    @Test("a k-means fit over 2, 3 and 5 ranks, each holding its own rows only: the single process's model and results, bit for bit",
          arguments: [2, 3, 5])
    func fitSpread(ranks: Int) throws {
        let (x, _) = blobs(k: 6, per: 9_000, dims: 5, spread: 6, seed: 31)
        let backend = SwiftBackend(threads: 1)
        @Sendable func fit(_ x: Matrix, _ group: (any ProcessGroup)?) throws -> (KMeans.Model, [Int32], [Double]) {
            try KMeans(clusters: 6, nInit: 2, tolerance: 1e-4, seed: 9, threads: 2, group: group)
                .fitWithDistances(RowStore(x), backend: backend)
        }
        let single = try fit(x, nil)
        let variance = try KMeans.Prepared(RowStore(x), threads: 2).meanVariance
        let spread = try ThreadRanks(size: ranks).run { rank in
            #expect(KMeans(clusters: 6, group: rank).rowsSpread)
            let held = rank.held(x)
            return (try fit(held, rank), DistanceStep.ownRows(x.rows, rank).rows,
                    try KMeans.Prepared(RowStore(held), threads: 2, spreadOver: rank).meanVariance)
        }
        // Rank 0 receives every row's label and distance, the others keep their own rows'.
        for (r, (run, own, spreadVariance)) in spread.enumerated() {
            let rows = r == 0 ? 0..<x.rows : own
            let same = (centres: run.0.centers.storage.map(\.bitPattern) == single.0.centers.storage.map(\.bitPattern),
                        inertia: run.0.inertia.bitPattern == single.0.inertia.bitPattern,
                        iterations: run.0.iterations == single.0.iterations,
                        labels: run.1 == Array(single.1[rows]),
                        distances: run.2.map(\.bitPattern) == single.2[rows].map(\.bitPattern),
                        variance: spreadVariance.bitPattern == variance.bitPattern)
            #expect(same.centres && same.inertia && same.iterations && same.labels && same.distances && same.variance,
                    "rank \(r): \(same)")
        }
    }

    /// The customer-likeness model under `mpirun`: the population (the negatives, 70,000 rows, so
    /// the thinned start runs too) spread over the ranks, each holding its own rows only (NaN
    /// elsewhere, so a row read from another rank's share would show), the customers whole on
    /// every rank. Every rank must end with one process's coefficients, bit for bit; rank 0 with
    /// one process's sample for the cross-validation.
    @Test("the customer-likeness model over 2, 3 and 5 ranks, each holding its own population rows: one process's model, bit for bit",
          arguments: [2, 3, 5])
    func likenessSpread(ranks: Int) throws {
        var rng = SplitMix64(seed: 23)
        func rows(_ n: Int, shift: Double) -> Matrix {
            var m = Matrix(rows: n, columns: 7)
            for i in 0..<n { for j in 0..<7 { m[i, j] = rng.nextUnit() * 2 - 1 + (j < 3 ? shift : 0) } }
            return m
        }
        let (negatives, positives) = (rows(70_000, shift: 0), rows(5_000, shift: 0.4))
        let backend = SwiftBackend(threads: 1)
        let lr = LogisticRegression(threads: 2)
        let single = try lr.fit(negatives: RowStore(negatives), positives: RowStore(positives), backend: backend)
        let sample = try LogisticRegression.negativeSample(RowStore(negatives), size: 20_000, seed: 4)
        #expect(single.coefficients.map(abs).max()! > 0.1)   // a real fit
        let spread = try ThreadRanks(size: ranks).run { rank in
            let held = RowStore(rank.held(negatives))
            return (try lr.fit(negatives: held, positives: RowStore(positives), backend: backend, group: rank),
                    try LogisticRegression.negativeSample(held, size: 20_000, seed: 4, group: rank))
        }
        for (r, (model, drawn)) in spread.enumerated() {
            #expect((model.coefficients + [model.intercept]).map(\.bitPattern)
                        == (single.coefficients + [single.intercept]).map(\.bitPattern) && model.iterations == single.iterations,
                    "rank \(r)")
            #expect(r == 0 ? drawn.storage.map(\.bitPattern) == sample.storage.map(\.bitPattern) : drawn.rows == 0, "rank \(r)")
        }
    }

    /// Rows drawn from a store spread over ranks, to every rank: the rows in order.
    @Test("rows drawn from a store spread over 3 ranks reach every rank in order")
    func rowsFromSpreadStore() throws {
        let x = Matrix(rows: 40_000, columns: 2, elements: (0..<80_000).map(Double.init))
        let indices = [0, 5, 16_383, 16_384, 20_000, 32_768, 39_999]
        let got = try ThreadRanks(size: 3).run { rank in
            try RowStore(rank.held(x)).rows(at: indices, spreadOver: rank, for: .setup)
        }
        for m in got { #expect(m == x.rows(at: indices)) }
    }
}
