import Foundation
import Testing
import SegmentCore
import SegmentData
import SegmentModels
import SegmentSynthetic
@testable import SegmentAnalysis
import SegmentTestSupport

@Suite("The pipeline on tables")
struct PipelineTablesTests {
    @Test("tables already in memory give the same run as the files they came from, and are asked for once each")
    func tablesEqualFiles() throws {
        let data = GeneratedData.shared
        var config = PipelineConfig()
        config.k = 5
        config.sweep = nil
        config.nInit = 1
        let pipeline = Pipeline(config: config, backend: SwiftBackend(threads: 2), threads: 2)
        let fromFiles = try pipeline.run(population: data.directory + "/azdias.csv",
                                         customers: data.directory + "/customers.csv", schema: .azdias)
        var asked = [String]()
        let fromTables = try pipeline.run(population: { asked.append("population"); return data.population },
                                          customers: { asked.append("customers"); return data.customers })
        #expect(asked == ["population", "customers"])
        #expect(fromTables.fitted == fromFiles.fitted)
        #expect(fromTables.population.group == fromFiles.population.group)
        #expect(fromTables.customers.group == fromFiles.customers.group)
        #expect(fromTables.comparison == fromFiles.comparison)
        #expect(fromTables.populationSource == data.directory + "/azdias.csv")
        #expect(Set(fromFiles.population.group).count == 6)     // five clusters and the high-missing group
    }
}

@Suite("The population in row blocks")
struct RowBlockPassesTests {
    struct NotExpected: Error {}

    @Test("the row-block passes give the one-matrix path's imputer and scaler bit for bit, its PCA to the last bits, and the same bits whatever the threads")
    func sameAsOneMatrix() throws {
        let data = GeneratedData.shared
        let (recipe, _) = try CleaningRecipe.fit(data.population, threads: 2)
        let prepared = try recipe.prepare(data.population, threads: 2)
        // ~27,000 low-missing rows: two blocks of 16,384 rows.
        #expect(prepared.lowRows.count > ColumnScan.blockRows)
        var cleaned = try recipe.apply(data.population, threads: 2)
        let (imputer, scaler) = StandardScaler().fitTransform(&cleaned.matrix, imputing: Imputer(strategy: .median), threads: 2)
        let backend = SwiftBackend(threads: 2)
        let whole = try PCA(components: .count(12)).fit(cleaned.matrix, backend: backend)
        let projected = try whole.transform(cleaned.matrix, backend: backend)
        var runs: [RowBlockPasses.Result] = []
        for threads in [1, 2] {
            let r = try RowBlockPasses.run(prepared, imputer: Imputer(strategy: .median), pca: PCA(components: .count(12)),
                                           backend: SwiftBackend(threads: threads), threads: threads,
                                           blockRows: ColumnScan.blockRows, tooLarge: { _ in NotExpected() })
            #expect(r.imputer == imputer && r.scaler == scaler)
            let eigen = zip(r.pca.allEigenvalues, whole.allEigenvalues).map { abs($0 - $1) }.max()! / whole.allEigenvalues[0]
            #expect(eigen < 1e-12, "eigenvalues differ by \(eigen)")
            #expect(r.projected.rows == projected.rows && r.projected.matrix!.maxAbsDifference(projected) < 1e-9)
            runs.append(r)
        }
        #expect(runs[0].projected.matrix == runs[1].projected.matrix && runs[0].pca.components == runs[1].pca.components)
    }

    /// About 60,000 low-missing rows: four blocks of 16,384 rows, a Gram run each (so the order of
    /// the runs' addition shows in the bits); two ranks take two runs each, three take 1, 1 and 2.
    /// With `spreadProjection`, each rank projects only its own k-means rows, and holds them alone.
    @Test("ranks that each make the first two passes over their own Gram runs end with the single process's bits (and, projecting only their own rows, each with its own rows' bits)",
          arguments: [(2, false), (3, false), (2, true), (3, true)])
    func spreadOverRanks(_ ranks: Int, _ spreadProjection: Bool) throws {
        let folder = processTemporaryFolder("segment-passes-ranks")
        _ = try SyntheticGenerator(populationRows: 70_000, customerRows: 10, seed: 3, threads: 2).write(to: folder)
        let population = try CSVLoader(schema: .azdias, threads: 2).load(path: folder + "/azdias.csv")
        let (recipe, _) = try CleaningRecipe.fit(population, threads: 2)
        let prepared = try recipe.prepare(population, threads: 2)
        #expect(prepared.lowRows.count > 3 * ColumnScan.blockRows, "\(prepared.lowRows.count) rows")
        @Sendable func passes(_ group: (any ProcessGroup)?) throws -> RowBlockPasses.Result {
            try RowBlockPasses.run(prepared, imputer: Imputer(strategy: .median), pca: PCA(components: .count(12)),
                                   backend: SwiftBackend(threads: 1), threads: 1, blockRows: ColumnScan.blockRows,
                                   gramRunBlocks: 1, group: group, spreadProjection: spreadProjection,
                                   tooLarge: { _ in NotExpected() })
        }
        let single = try passes(nil)
        // Each rank's result, and the rows it holds when the projection is spread.
        let spread = try ThreadRanks(size: ranks).run { rank in
            (try passes(rank), DistanceStep.ownRows(prepared.lowRows.count, rank).rows)
        }
        func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }
        for (r, (result, own)) in spread.enumerated() {
            // Compared first, so that a failure does not print 700,000 numbers.
            let same = (imputer: result.imputer == single.imputer, scaler: result.scaler == single.scaler,
                        eigenvalues: bits(result.pca.allEigenvalues) == bits(single.pca.allEigenvalues),
                        components: bits(result.pca.components.storage) == bits(single.pca.components.storage),
                        mean: bits(result.pca.mean) == bits(single.pca.mean),
                        projected: spreadProjection
                            ? bits(try result.projected.rows(own).storage) == bits(try single.projected.rows(own).storage)
                            : bits(result.projected.matrix!.storage) == bits(single.projected.matrix!.storage),
                        unseen: result.unseenCodes == single.unseenCodes)
            #expect(same.imputer && same.scaler && same.eigenvalues && same.components && same.mean && same.projected && same.unseen,
                    "rank \(r): \(same)")
        }
    }
    /// The ranks of an `mpirun` each keeping only the rows they parsed (`CSVLoader.keepsOwnRows`, the
    /// file cut into 64 KB chunks so that every rank parses some): the recipe and the assessment
    /// from the gathered counts must be one process's, and the passes over each rank's own rows and
    /// the rows sent to it (`SpreadRows`) must give the single process's bits. With five ranks, two
    /// have no Gram run and rank 0 no k-means chunk, so it holds none of the rows it projects but
    /// the first, which every rank's statistics are shifted by. The rows go 1,000 a round from each
    /// rank to each (many rounds), or with three ranks 20,000 (each round in two chunks).
    @Test("ranks holding only the rows they parsed fit one process's recipe and assessment, and their passes give its bits",
          arguments: [2, 3, 5])
    func partsHeldByRanks(_ ranks: Int) throws {
        let folder = processTemporaryFolder("segment-parts-ranks")
        _ = try SyntheticGenerator(populationRows: 70_000, customerRows: 10, seed: 5, threads: 2).write(to: folder)
        let path = folder + "/azdias.csv"
        let whole = try CSVLoader(schema: .azdias, threads: 2).load(path: path)
        let (recipe, assessment) = try CleaningRecipe.fit(whole, threads: 2)
        let prepared = try recipe.prepare(whole, threads: 2)
        #expect(prepared.lowRows.count > 3 * ColumnScan.blockRows, "\(prepared.lowRows.count) rows")
        @Sendable func passes(_ rows: any CleanedRowSource, _ group: (any ProcessGroup)?) throws -> RowBlockPasses.Result {
            try RowBlockPasses.run(rows, imputer: Imputer(strategy: .median), pca: PCA(components: .count(12)),
                                   backend: SwiftBackend(threads: 1), threads: 1, blockRows: ColumnScan.blockRows,
                                   gramRunBlocks: 1, group: group, spreadProjection: group != nil,
                                   tooLarge: { _ in NotExpected() })
        }
        let single = try passes(prepared, nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let expected = try encoder.encode(assessment)
        let n = prepared.lowRows.count
        let results = try ThreadRanks(size: ranks).run { rank in
            var loader = CSVLoader(schema: .azdias, threads: 1)
            loader.group = rank
            loader.keepsOwnRows = true
            loader.chunkBytes = 65_536
            let part = try loader.load(path: path)
            let (partRecipe, partAssessment) = try CleaningRecipe.fit(part, threads: 1, group: rank)
            let partPrepared = try partRecipe.prepare(part, threads: 1)
            let rows = try SpreadRows(table: part, prepared: partPrepared, recipe: partRecipe, group: rank, threads: 1,
                                      pieceRows: ranks == 3 ? 20_000 : 1_000) { r, n in
                RowBlockPasses.Layout(rows: n, features: partPrepared.featureCount, blockRows: ColumnScan.blockRows, gramRunBlocks: 1,
                                      rank: r, of: rank, spreadProjection: true).rowsFilled
            }
            return (part: (rows: part.rowCount, first: part.firstRow, of: part.fileRowCount, isPart: part.isRankPart),
                    recipe: partRecipe == recipe, assessment: try encoder.encode(partAssessment) == expected,
                    result: try passes(rows, rank), own: DistanceStep.ownRows(n, rank).rows, count: rows.rowCount)
        }
        func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }
        #expect(results.map(\.part.rows).reduce(0, +) == whole.rowCount)
        for (r, got) in results.enumerated() {
            #expect(got.part.isPart && got.part.of == whole.rowCount && got.part.rows > 0 && got.part.rows < whole.rowCount,
                    "rank \(r) parsed \(got.part)")
            #expect(got.part.first == results[..<r].map(\.part.rows).reduce(0, +))
            #expect(got.recipe && got.assessment && got.count == n, "rank \(r)")
            let result = got.result
            // Compared first, so that a failure does not print 700,000 numbers.
            let same = (imputer: result.imputer == single.imputer, scaler: result.scaler == single.scaler,
                        components: bits(result.pca.components.storage) == bits(single.pca.components.storage),
                        projected: bits(try result.projected.rows(got.own).storage) == bits(try single.projected.rows(got.own).storage),
                        unseen: result.unseenCodes == single.unseenCodes)
            #expect(same.imputer && same.scaler && same.components && same.projected && same.unseen, "rank \(r): \(same)")
        }
    }
    /// The report's map under `mpirun`: each rank holds its own projected rows only (NaN elsewhere,
    /// so a row read from another's share would show). The quantiles the grid spans are found by
    /// counting over the ranks, and must be the values a sort of every row gives, ties and signs
    /// included; the cells' counts must be one process's.
    @Test("the map over 2, 3 and 5 ranks, each holding its own rows: one process's grid and counts; order statistics by counting are a sort's",
          arguments: [2, 3, 5])
    func mapSpread(_ ranks: Int) throws {
        var rng = SplitMix64(seed: 8)
        // Values on a 0.01 grid: many ties, both signs, exact zeros.
        var values = Matrix(rows: 50_000, columns: 3)
        for i in 0..<values.rows { for j in 0..<3 { values[i, j] = ((rng.nextUnit() * 2 - 1) * 100 * Double(j + 1)).rounded() / 100 } }
        let x = values
        let customers = x.rows(at: Array(stride(from: 0, to: x.rows, by: 17)))
        let single = try #require(PCDensity.make(population: x, customers: customers))
        #expect(single.population.reduce(0, +) == x.rows && single.customers.reduce(0, +) == customers.rows)
        let ks = [0, 1, 249, 49_750, 49_998, 49_999]
        let columns = (0..<2).map { c in (0..<x.rows).map { x[$0, c] } }
        let sorted = columns.map { $0.sorted() }
        let got = try ThreadRanks(size: ranks).run { rank in
            let own = DistanceStep.ownRows(x.rows, rank).rows
            return (try PCDensity.make(population: RowStore(rank.held(x)), customers: customers, group: rank),
                    try columns.map { try PCDensity.orderStatistics(Array($0[own]), at: ks, of: rank) })
        }
        for (r, (density, statistics)) in got.enumerated() {
            #expect(density == single, "rank \(r)")
            #expect(statistics == sorted.map { c in ks.map { c[$0] } }, "rank \(r)")
        }
        #expect(try columns.map { try PCDensity.orderStatistics($0, at: ks, of: nil) } == sorted.map { c in ks.map { c[$0] } })
    }

    /// Under `mpirun` with each rank holding its part of the population, rank 0 writes every row's
    /// id: the parts' ids, in rank order (the file's), an empty cell still none.
    @Test("every rank's person ids reach rank 0 in file order, an empty id still none")
    func idsToRankZero() throws {
        let parts: [[Int?]] = [[17, nil, 3], [], [999_999_999_999_999, 0]]
        let got = try ThreadRanks(size: 3).run { rank in
            try Pipeline.gathered((name: "LNR", values: parts[rank.rank]), to: rank)
        }
        #expect(got[0]?.name == "LNR" && got[0]?.values == [17, nil, 3, 999_999_999_999_999, 0])
        #expect(got[1]?.values == [] && got[2]?.values == [])
        #expect(try Pipeline.gathered(nil, to: nil) == nil)
    }
}
