import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentModels

/// Rows spilled to a file give every reader the same bits as the rows in memory: `segment run
/// --memory-limit` rests on this.
@Suite("RowStore: rows in memory or in a spill file")
struct RowStoreTests {
    static let folder = processTemporaryFolder("segment-rowstore")

    /// `x` written to a spill file in blocks of `blockRows` rows, the way the projection pass writes.
    func spilled(_ x: Matrix, blockRows: Int = 7_001) throws -> RowStore {
        try FileManager.default.createDirectory(atPath: Self.folder, withIntermediateDirectories: true)
        var builder = try RowStore.Builder(rows: x.rows, columns: x.columns, spillDirectory: Self.folder)
        for start in stride(from: 0, to: x.rows, by: blockRows) {
            try builder.setRows(start, from: x.rows(start..<min(x.rows, start + blockRows)))
        }
        return builder.finish()
    }

    func bits(_ m: Matrix) -> [UInt64] { m.storage.map(\.bitPattern) }

    @Test("a spill file reads back every row, sample, thinning and column slice; it is unlinked at once")
    func roundTrip() throws {
        let (x, _) = blobs(k: 3, per: 9_000, dims: 4, spread: 2, seed: 3)
        let store = try spilled(x)
        #expect(store.isSpilled && store.matrix == nil && store.rows == x.rows && store.byteCount == x.count * 8)
        // Nothing named is left in the folder: the file is gone from it as soon as it is made.
        #expect(try FileManager.default.contentsOfDirectory(atPath: Self.folder).isEmpty)
        #expect(bits(try store.rows(0..<x.rows)) == bits(x))
        #expect(bits(try store.rows(100..<16_500)) == bits(x.rows(100..<16_500)))
        let picked = [26_999, 0, 5, 16_384, 5]
        #expect(bits(try store.rows(at: picked)) == bits(x.rows(at: picked)))
        #expect(bits(try store.everyRow(8)) == bits(try RowStore(x).everyRow(8)))
        #expect(try store.everyRow(8).rows == (x.rows + 7) / 8)
        var seen = 0
        try store.forEachBlock(rows: 10_000) { range, block, first in
            #expect(range.lowerBound == seen && bits(block.rows(first..<(first + range.count))) == bits(x.rows(range)))
            seen = range.upperBound
        }
        #expect(seen == x.rows)
    }

    @Test("a spill folder that does not exist is an error naming it")
    func missingFolder() throws {
        let missing = Self.folder + "/no-such-folder"
        #expect(throws: SpillError.self) { _ = try RowStore.Builder(rows: 10, columns: 2, spillDirectory: missing) }
        do { _ = try RowStore.Builder(rows: 10, columns: 2, spillDirectory: missing) } catch {
            #expect("\(error)".contains(missing) && "\(error)".contains("no such file"), "\(error)")
        }
    }

    @Test("k-means on spilled rows: the same centres, labels, distances and inertia, bit for bit (Hamerly and Lloyd, an emptied cluster among the starts)",
          arguments: [KMeans.Algorithm.hamerly, .lloyd])
    func kmeans(algorithm: KMeans.Algorithm) throws {
        // Overlapping blobs over four chunks, so the bounds fail in many rows for many steps.
        let (x, _) = blobs(k: 5, per: 12_000, dims: 6, spread: 30, seed: 17)
        let store = try spilled(x)
        let km = KMeans(clusters: 5, nInit: 2, maxIterations: 300, tolerance: 1e-6, seed: 9, threads: 2, algorithm: algorithm)
        // A start with two centres on one point: one cluster empties and is moved to a far row.
        let twin = x.rows(at: [1, 1, 20_000, 40_000, 59_000])
        let memory = try km.fitWithDistances(RowStore(x), backend: SwiftBackend(threads: 1), extraStarts: [twin])
        let file = try km.fitWithDistances(store, backend: SwiftBackend(threads: 1), extraStarts: [twin])
        #expect(memory.model.iterations > 5)
        #expect(memory.labels == file.labels)
        #expect(memory.distances.map(\.bitPattern) == file.distances.map(\.bitPattern))
        #expect(bits(memory.model.centers) == bits(file.model.centers))
        #expect(memory.model.inertia.bitPattern == file.model.inertia.bitPattern)
        #expect(memory.model == file.model)
        // The relocation path itself, on both stores.
        let single = KMeans(clusters: 5, nInit: 1, maxIterations: 300, tolerance: 1e-6, seed: 9, threads: 2, algorithm: algorithm)
        let relocatedMemory = try single.fitWithDistances(RowStore(x), backend: SwiftBackend(threads: 1),
                                                          prepared: KMeans.Prepared(RowStore(x), threads: 2), starts: [twin])
        let relocatedFile = try single.fitWithDistances(store, backend: SwiftBackend(threads: 1),
                                                        prepared: KMeans.Prepared(store, threads: 2), starts: [twin])
        #expect(relocatedMemory.model.diagnostics.emptyClustersRelocated >= 1)
        #expect(relocatedMemory.model == relocatedFile.model && relocatedMemory.labels == relocatedFile.labels)
    }

    @Test("a NaN in spilled rows is refused with its row and column, as in memory")
    func nanRow() throws {
        var (x, _) = blobs(k: 2, per: 20_000, dims: 3, seed: 2)
        x[33_333, 2] = .nan
        #expect(throws: LinearAlgebraError.nanInInput(routine: "k-means input", row: 33_333, column: 2)) {
            _ = try KMeans.Prepared(try spilled(x), threads: 2)
        }
    }

    @Test("the customer-likeness model on spilled negatives: the same coefficients, decisions and fold AUCs, bit for bit")
    func logistic() throws {
        // More than the thinned start's 16,384 rows, so the start is taken from the spill too.
        let (negatives, _) = blobs(k: 3, per: 15_000, dims: 5, spread: 3, seed: 5)
        let (positives, _) = blobs(k: 2, per: 3_000, dims: 5, spread: 2, seed: 6)
        let store = try spilled(negatives)
        let fit = LogisticRegression(threads: 2)
        let memory = try fit.fit(negatives: negatives, positives: positives, backend: SwiftBackend(threads: 1))
        let file = try fit.fit(negatives: store, positives: RowStore(positives), backend: SwiftBackend(threads: 1))
        #expect(memory.iterations > 1)
        #expect(memory.coefficients.map(\.bitPattern) == file.coefficients.map(\.bitPattern))
        #expect(memory.intercept.bitPattern == file.intercept.bitPattern)
        #expect(memory.decision(negatives).map(\.bitPattern) == (try file.decision(store)).map(\.bitPattern))
        let aucMemory = try fit.crossValidatedAUC(negatives: negatives, positives: positives, sample: 20_000, seed: 4,
                                                  backend: SwiftBackend(threads: 1))
        let aucFile = try fit.crossValidatedAUC(negatives: store, positives: positives, sample: 20_000, seed: 4,
                                                backend: SwiftBackend(threads: 1))
        #expect(aucMemory.count == 5 && aucMemory.map(\.bitPattern) == aucFile.map(\.bitPattern))
    }
}
