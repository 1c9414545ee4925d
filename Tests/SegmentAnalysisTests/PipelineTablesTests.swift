import Foundation
import Testing
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis
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
