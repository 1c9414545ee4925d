import Foundation
import Testing
@testable import SegmentAnalysis

@Suite("Comparison and configuration")
struct ComparisonTests {
    @Test("a configuration saved before the k-means settings existed still loads, with their defaults")
    func configWithoutNewerKeys() throws {
        var config = PipelineConfig()
        config.k = 7
        config.sweep = nil
        config.kmeansAlgorithm = .lloyd
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
        #expect(json["kmeansAlgorithm"] as? String == "lloyd" && json["sweep"] == nil)
        let old = json.filter { $0.key != "kmeansAlgorithm" && $0.key != "sweepStart" }
        let back = try JSONDecoder().decode(PipelineConfig.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(back.kmeansAlgorithm == .hamerly && back.sweepStart == .warm)
        #expect(back.k == 7 && back.sweep == nil && back.sweepSample == 200_000 && back.cleaning == config.cleaning)
        #expect(try JSONDecoder().decode(PipelineConfig.self, from: JSONEncoder().encode(config)) == config)
    }

    @Test("segment shares are taken among characterised rows; high-missing is a coverage line; targets ranked")
    func comparison() {
        // Population 100,000: 40,000 / 30,000 / 20,000 in segments 0-2, 10,000 high-missing.
        // Customers 20,000: 6,000 / 2,000 / 4,000, and 8,000 high-missing (40% against 10%).
        func labels(_ counts: [Int]) -> [Int32] {
            counts.enumerated().flatMap { g, n in [Int32](repeating: g == counts.count - 1 ? -1 : Int32(g), count: n) }
        }
        let c = SegmentComparison(k: 3, populationLabels: labels([40_000, 30_000, 20_000, 10_000]),
                                  customerLabels: labels([6_000, 2_000, 4_000, 8_000]))
        #expect(c.populationCharacterisedRows == 90_000 && c.customerCharacterisedRows == 12_000)
        // Among characterised rows: segment 2 is 1/3 of customers against 2/9 of the population, 1.5x;
        // over all rows it would be 0.2 against 0.2, 1.0x, and neutral.
        let two = c.groups[2]
        #expect(abs(two.customerShare - 1.0 / 3) < 1e-12 && abs(two.populationShare - 2.0 / 9) < 1e-12)
        #expect(abs(two.ratio - 1.5) < 1e-12 && abs(two.ratioOfAll - 1.0) < 1e-12)
        #expect(abs(two.customerShareOfAll - 0.2) < 1e-12 && abs(two.populationShareOfAll - 0.2) < 1e-12)
        // The log-ratio interval by hand, on the characterised bases.
        let se = ((1 - 1.0 / 3) / (12_000 * (1.0 / 3)) + (1 - 2.0 / 9) / (90_000 * (2.0 / 9))).squareRoot()
        #expect(abs(two.ratioLow - 1.5 * exp(-1.96 * se)) < 1e-12 && abs(two.ratioHigh - 1.5 * exp(1.96 * se)) < 1e-12)
        let dse = ((1.0 / 3) * (2.0 / 3) / 12_000 + (2.0 / 9) * (7.0 / 9) / 90_000).squareRoot()
        #expect(abs(two.differenceLow - (1.0 / 3 - 2.0 / 9 - 1.96 * dse)) < 1e-12)
        // Segment 1: 1/6 against 1/3, 0.5x, under; segment 0: 1.125x, neutral.
        #expect(c.groups.map(\.representation) == ["neutral", "under", "over", "coverage"])
        // The high-missing group: shares of all rows, 0.4 against 0.1, its own ratio, no over/under.
        let high = c.highMissing
        #expect(high.cluster == nil && high.populationShare == 0.1 && high.customerShare == 0.4 && abs(high.ratio - 4) < 1e-12)
        #expect(c.over.map(\.cluster) == [2] && c.under.map(\.cluster) == [1])
        // The one target: its reach and its rate against an untargeted mail-out.
        #expect(c.targets.count == 1)
        let t = c.targets[0]
        #expect(t.rank == 1 && t.cluster == 2 && t.populationCount == 20_000 && t.populationShareOfAll == 0.2)
        #expect(abs(t.customersPerHundred - 20) < 1e-12 && abs(c.customersPerHundred - 100.0 * 12_000 / 90_000) < 1e-12)
        #expect(abs(t.cumulativePopulationShareOfAll - 0.2) < 1e-12 && abs(t.cumulativeCustomerShareOfAll - 0.2) < 1e-12)
    }

    @Test("targets are every over-represented segment, highest ratio first, with running reach")
    func targets() {
        // Population 10,000 per segment in five segments; customers 4,000 / 3,500 / 1,000 / 1,000 / 500.
        var pop: [Int32] = [], cus: [Int32] = []
        for g in 0..<5 { pop += [Int32](repeating: Int32(g), count: 10_000) }
        for (g, n) in [4_000, 3_500, 1_000, 1_000, 500].enumerated() { cus += [Int32](repeating: Int32(g), count: n) }
        let c = SegmentComparison(k: 5, populationLabels: pop, customerLabels: cus)
        #expect(c.targets.map(\.cluster) == [0, 1])
        #expect(c.targets.map(\.rank) == [1, 2])
        #expect(abs(c.targets[1].cumulativePopulationShareOfAll - 0.4) < 1e-12)
        #expect(abs(c.targets[1].cumulativeCustomerShareOfAll - 0.75) < 1e-12)
        #expect(c.highMissing.populationCount == 0 && c.highMissing.representation == "coverage")
    }

    @Test("the adjusted Rand index has its known values")
    func ari() {
        #expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]) == 1)
        #expect(abs(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 0.5714285714285714) < 1e-12)
        #expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]) == 0)
    }
}
