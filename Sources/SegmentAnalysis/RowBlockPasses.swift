import SegmentCore
import SegmentData
import SegmentModels

/// The cleaned rows the passes fill block by block (positions `0..<rowCount`): a prepared table's
/// low-missing rows, or under `mpirun` the rows one rank holds of them (`SpreadRows`).
protocol CleanedRowSource {
    /// Every low-missing row, whether or not this process holds them all.
    var rowCount: Int { get }
    var featureCount: Int { get }
    /// Fills `rows` into `matrix` (made `rows.count` x `featureCount`); per feature, the cells
    /// holding a code the recipe never saw.
    func fill(_ rows: Range<Int>, into matrix: inout Matrix, threads: Int) -> [Int]
    func unseenCodes(_ unknownCounts: [Int]) -> [String: Int]
}

extension PreparedTable: CleanedRowSource {
    var rowCount: Int { lowRows.count }
}

/// The population's cleaning, imputation, scaling and PCA over row blocks, without the whole
/// cleaned matrix (rows x features, 0.84 GB on the default data) ever existing: the first matrix
/// that exists in full is the projected one (rows x components). Three passes, each refilling a
/// block of cleaned rows from the raw table (the recode is cheap next to faulting in the matrix):
///
/// 1. the statistics of the unimputed values (ColumnScan in parts, whole scan blocks at a time, so
///    the imputer's fills and the scaler's means and scales are the same bits as from the whole
///    matrix);
/// 2. imputed and scaled blocks, checked for values too large for the statistics, their column
///    means and their Gram matrix XᵀX/(n-1): summed block by block (SYRK with beta 1) within runs
///    of four blocks, and the runs' sums added in row order (so that `mpirun`'s ranks can each
///    sum their own runs);
/// 3. imputed, scaled and projected blocks written into the projected matrix.
///
/// The Gram matrix is summed in another order than one SYRK over the whole matrix, so the
/// covariance, the components and the projections can differ from the one-matrix path in the last
/// bits; the blocks, the runs and their order are fixed, so the result depends neither on the
/// thread count nor on the number of processes.
/// `segment run --export-matrices`, which writes the cleaned matrix, takes the one-matrix path.
enum RowBlockPasses {
    /// Rows per block: whole ColumnScan blocks, at most four (65,536 rows, ~69 MB of cleaned rows
    /// at the subset's 131 features) and fewer for wider recipes, so a block stays within 72 MiB:
    /// at the full layout's ~450 features four scan blocks took 236 MB, most of that run's peak.
    static func blockRows(features p: Int) -> Int {
        let budget = 72 << 20
        return max(1, min(4, budget / max(1, p * 8 * ColumnScan.blockRows))) * ColumnScan.blockRows
    }

    struct Result {
        var imputer: Imputer.Model
        var scaler: StandardScaler.Model
        var pca: PCA.Model
        var projected: RowStore
        var unseenCodes: [String: Int]
    }

    /// Row blocks per Gram run: the Gram matrix is summed over a run's blocks (SYRK with beta 1),
    /// and the runs' sums are added in run order. Four blocks (262,144 rows at the subset's
    /// features) keep the parts few (a p x p matrix each) and still give `mpirun`'s ranks runs to
    /// share out from about a million rows on.
    static let gramRunBlocks = 4

    /// The blocks of `n` rows of `p` features, the Gram runs, and which of them rank `rank` of `group`
    /// (nil: one process) makes each pass over.
    struct Layout {
        var blocks: [Range<Int>]
        var gramRuns: [Range<Int>]
        /// The Gram runs this process makes the first two passes over: all, or its rank's share.
        var myRuns: Range<Int>
        /// Their blocks.
        var myBlocks: Range<Int>
        /// The blocks this process projects: all, or (the projection spread) those holding any of
        /// its rank's own k-means rows.
        var projectedBlocks: [Int]

        init(rows n: Int, features p: Int, blockRows: Int?, gramRunBlocks: Int, rank: Int, of group: (any ProcessGroup)?,
             spreadProjection: Bool) {
            let blockRows = blockRows ?? RowBlockPasses.blockRows(features: p)
            precondition(blockRows > 0 && blockRows % ColumnScan.blockRows == 0, "row blocks must be whole scan blocks")
            let blocks = stride(from: 0, to: n, by: blockRows).map { $0..<min(n, $0 + blockRows) }
            let gramRuns = stride(from: 0, to: blocks.count, by: gramRunBlocks).map { $0..<min(blocks.count, $0 + gramRunBlocks) }
            let ranks = group.flatMap { $0.size > 1 ? $0 : nil }
            let myRuns = ranks.map { type(of: $0).share(of: gramRuns.count, rank: rank, size: $0.size) } ?? gramRuns.indices
            let own = spreadProjection ? ranks.map { DistanceStep.ownRows(n, rank: rank, of: $0) } : nil
            (self.blocks, self.gramRuns, self.myRuns) = (blocks, gramRuns, myRuns)
            myBlocks = myRuns.isEmpty ? 0..<0 : gramRuns[myRuns.lowerBound].lowerBound..<gramRuns[myRuns.upperBound - 1].upperBound
            projectedBlocks = blocks.indices.filter { own?.overlaps(blocks[$0]) ?? true }
        }

        /// The rows the passes fill on this process, besides the first (every rank's statistics are
        /// shifted by it): the span of its Gram runs' blocks and the blocks it projects.
        var rowsFilled: Range<Int> {
            let spans = [myBlocks.isEmpty ? nil : blocks[myBlocks.lowerBound].lowerBound..<blocks[myBlocks.upperBound - 1].upperBound,
                         projectedBlocks.first.map { blocks[$0].lowerBound..<blocks[projectedBlocks.last!].upperBound }]
                .compactMap { $0 }
            guard let first = spans.first else { return 0..<0 }
            return spans.dropFirst().reduce(first) { min($0.lowerBound, $1.lowerBound)..<max($0.upperBound, $1.upperBound) }
        }
    }

    /// `prepared`: the cleaned rows (a prepared table, or under `mpirun` with each rank holding its
    /// own part of the file, `SpreadRows`: then they must hold the rows `Layout.rowsFilled` says).
    /// `tooLarge(j)`: the error for feature `j`, whose scaled values (or statistics) are not finite
    /// or beyond 1e150. `spillDirectory(bytes)`: where the projected rows go when they should not be
    /// held in memory (nil: in memory).
    ///
    /// `group`: the processes of an `mpirun`. Each rank makes the first two passes over its own
    /// share of the Gram runs only, and the ranks gather the statistics' per-block partials and
    /// the runs' Gram matrices, which every rank combines in row order: the same bits as one
    /// process. The projection (pass 3) is made whole on every rank, unless `spreadProjection`:
    /// then each rank projects the blocks that hold its own k-means rows (`DistanceStep.ownRows`)
    /// and keeps them; no rank holds the others' (what `KMeans` reads when its rows are spread,
    /// `KMeans.rowsSpread`).
    static func run(_ prepared: any CleanedRowSource, imputer: Imputer, pca: PCA, backend: any LinearAlgebraBackend,
                    threads: Int, blockRows: Int? = nil, gramRunBlocks: Int = Self.gramRunBlocks, group: (any ProcessGroup)? = nil,
                    spreadProjection: Bool = false,
                    spillDirectory: (Int) -> String? = { _ in nil },
                    tooLarge: (Int) -> Error) throws -> Result {
        let n = prepared.rowCount, p = prepared.featureCount
        let ranks = group.flatMap { $0.size > 1 ? $0 : nil }
        let layout = Layout(rows: n, features: p, blockRows: blockRows, gramRunBlocks: gramRunBlocks, rank: ranks?.rank ?? 0,
                            of: ranks, spreadProjection: spreadProjection)
        let (blocks, gramRuns, myRuns, myBlocks) = (layout.blocks, layout.gramRuns, layout.myRuns, layout.myBlocks)
        // One block buffer for every pass (only the last, shorter block takes a new one).
        var block = Matrix(rows: 0, columns: 0)
        // The statistics are shifted by the matrix's first row, which every rank fills alike.
        _ = prepared.fill(0..<1, into: &block, threads: threads)
        // Pass 1: statistics of the unimputed values, and the codes the recipe never saw.
        var scan = ColumnScan.Partial(columns: p, histograms: imputer.strategy != .mean, shift: ColumnScan.shift(of: block))
        var unknown = [Int](repeating: 0, count: p)
        for rows in blocks[myBlocks] {
            let unknownHere = prepared.fill(rows, into: &block, threads: threads)
            for j in 0..<p { unknown[j] += unknownHere[j] }
            scan.scan(block, threads: threads)
        }
        if let ranks {
            scan = try scan.gathered(over: ranks)
            unknown = try ranks.summed(unknown)
        }
        let (imputed, scaler) = StandardScaler.fit(scan.finish(), rows: n, imputing: imputer)
        if let j = scaler.mean.indices.first(where: { !scaler.mean[$0].isFinite || !scaler.scale[$0].isFinite }) {
            throw tooLarge(j)
        }
        func scale(_ rows: Range<Int>) {
            _ = prepared.fill(rows, into: &block, threads: threads)
            StandardScaler.transform(&block, imputer: imputed, scaler: scaler, threads: threads)
        }
        // Pass 2: column means and XᵀX / (n - 1) of the scaled matrix, a Gram matrix per run.
        scale(0..<1)
        var means = ColumnScan.Partial(columns: p, histograms: false, shift: ColumnScan.shift(of: block))
        // The runs' Gram matrices, added in row order as they come (or, over ranks, once gathered).
        var gramSum: [Double]?
        func add(_ run: ArraySlice<Double>) {
            guard gramSum != nil else { gramSum = Array(run); return }
            let base = run.startIndex
            for i in 0..<(p * p) { gramSum![i] += run[base + i] }
        }
        var myGrams: [Double] = []
        // The column of the first value too large (in row order), when there is one.
        var tooLargeColumn: Int?
        passes: for run in myRuns {
            var gram = Matrix(rows: p, columns: p)
            for b in gramRuns[run] {
                scale(blocks[b])
                if let j = firstColumnTooLarge(block, threads: threads) {
                    tooLargeColumn = j
                    break passes
                }
                means.scan(block, threads: threads)
                try backend.gram(block, alpha: 1 / Double(n - 1), beta: 1, into: &gram)
            }
            if ranks == nil { add(gram.storage[...]) } else { myGrams += gram.storage }
        }
        if let ranks {
            // Every rank throws the first too-large value in row order, whichever rank met it.
            let found = try ranks.allGather([tooLargeColumn ?? -1], for: .statistics)
            if let first = found.first(where: { $0[0] >= 0 }) { throw tooLarge(first[0]) }
            means = try means.gathered(over: ranks)
            for part in try ranks.allGather(myGrams, for: .statistics) {
                for start in stride(from: 0, to: part.count, by: p * p) { add(part[start..<(start + p * p)]) }
            }
        } else if let tooLargeColumn {
            throw tooLarge(tooLargeColumn)
        }
        let gram = Matrix(rows: p, columns: p, elements: gramSum!)
        let model = try pca.fit(gram: gram, mean: means.finish().moments.mean, rows: n, backend: backend)
        // Pass 3: the projection, block by block, into the one full matrix (or its spill file).
        // Spread, a rank projects every block holding any of its own rows, whole, as the single
        // process does (a GEMM over another block shape could round a row differently).
        var projected = try RowStore.Builder(rows: n, columns: model.count,
                                             spillDirectory: spillDirectory(n * model.count * 8))
        for b in layout.projectedBlocks {
            let rows = blocks[b]
            scale(rows)
            let part = try model.transform(block, backend: backend)
            try projected.setRows(rows.lowerBound, from: part)
        }
        return Result(imputer: imputed, scaler: scaler, pca: model, projected: projected.finish(),
                      unseenCodes: prepared.unseenCodes(unknown))
    }

    /// The first column (in row order, then column order) of a scaled matrix holding a value that is
    /// not finite or beyond 1e150: too large for the statistics after it.
    static func firstColumnTooLarge(_ scaled: Matrix, threads: Int) -> Int? {
        let width = scaled.columns
        return RowBlocks(rows: scaled.rows, threads: threads).map { range -> Int? in
            let cells = scaled.storage.span
            for r in range { for j in 0..<width where !(abs(cells[r * width + j]) <= 1e150) { return j } }
            return nil
        }.compactMap { $0 }.first
    }
}
