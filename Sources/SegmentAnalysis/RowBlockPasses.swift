import SegmentCore
import SegmentData
import SegmentModels

/// The population's cleaning, imputation, scaling and PCA over row blocks, without the whole
/// cleaned matrix (rows x features, 0.84 GB on the default data) ever existing: the first matrix
/// that exists in full is the projected one (rows x components). Three passes, each refilling a
/// block of cleaned rows from the raw table (the recode is cheap next to faulting in the matrix):
///
/// 1. the statistics of the unimputed values (ColumnScan in parts, whole scan blocks at a time, so
///    the imputer's fills and the scaler's means and scales are the same bits as from the whole
///    matrix);
/// 2. imputed and scaled blocks, checked for values too large for the statistics, their column
///    means and their Gram matrix XᵀX/(n-1) summed block by block in row order (SYRK with beta 1);
/// 3. imputed, scaled and projected blocks written into the projected matrix.
///
/// The Gram matrix is summed in another order than one SYRK over the whole matrix, so the
/// covariance, the components and the projections can differ from the one-matrix path in the last
/// bits; the blocks and their order are fixed, so the result does not depend on the thread count.
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

    /// `tooLarge(j)`: the error for feature `j`, whose scaled values (or statistics) are not finite
    /// or beyond 1e150. `spillDirectory(bytes)`: where the projected rows go when they should not be
    /// held in memory (nil: in memory).
    static func run(_ prepared: PreparedTable, imputer: Imputer, pca: PCA, backend: any LinearAlgebraBackend,
                    threads: Int, blockRows: Int? = nil, spillDirectory: (Int) -> String? = { _ in nil },
                    tooLarge: (Int) -> Error) throws -> Result {
        let n = prepared.lowRows.count, p = prepared.featureCount
        let blockRows = blockRows ?? Self.blockRows(features: p)
        precondition(blockRows > 0 && blockRows % ColumnScan.blockRows == 0, "row blocks must be whole scan blocks")
        let blocks = stride(from: 0, to: n, by: blockRows).map { $0..<min(n, $0 + blockRows) }
        // Pass 1: statistics of the unimputed values, and the codes the recipe never saw.
        var scan: ColumnScan.Partial?
        var unknown = [Int](repeating: 0, count: p)
        // One block buffer for every pass (only the last, shorter block takes a new one).
        var block = Matrix(rows: 0, columns: 0)
        for rows in blocks {
            let unknownHere = prepared.fill(rows, into: &block, threads: threads)
            for j in 0..<p { unknown[j] += unknownHere[j] }
            if scan == nil {
                scan = ColumnScan.Partial(columns: p, histograms: imputer.strategy != .mean, shift: ColumnScan.shift(of: block))
            }
            scan!.scan(block, threads: threads)
        }
        let (imputed, scaler) = StandardScaler.fit(scan!.finish(), rows: n, imputing: imputer)
        if let j = scaler.mean.indices.first(where: { !scaler.mean[$0].isFinite || !scaler.scale[$0].isFinite }) {
            throw tooLarge(j)
        }
        func scale(_ rows: Range<Int>) {
            _ = prepared.fill(rows, into: &block, threads: threads)
            StandardScaler.transform(&block, imputer: imputed, scaler: scaler, threads: threads)
        }
        // Pass 2: column means and XᵀX / (n - 1) of the scaled matrix.
        var means: ColumnScan.Partial?
        var gram = Matrix(rows: p, columns: p)
        for rows in blocks {
            scale(rows)
            if let j = firstColumnTooLarge(block, threads: threads) { throw tooLarge(j) }
            if means == nil { means = ColumnScan.Partial(columns: p, histograms: false, shift: ColumnScan.shift(of: block)) }
            means!.scan(block, threads: threads)
            try backend.gram(block, alpha: 1 / Double(n - 1), beta: 1, into: &gram)
        }
        let model = try pca.fit(gram: gram, mean: means!.finish().moments.mean, rows: n, backend: backend)
        // Pass 3: the projection, block by block, into the one full matrix (or its spill file).
        var projected = try RowStore.Builder(rows: n, columns: model.count,
                                             spillDirectory: spillDirectory(n * model.count * 8))
        for rows in blocks {
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
