import Foundation
import Testing
import SegmentCore
import SegmentData
import SegmentModels
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
}
