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

    @Test("segment shares, ratios with intervals, and the representation rule")
    func comparison() {
        // 1000 population rows: 500 in 0, 300 in 1, 100 in 2, 100 high-missing; 200 customers: 50/20/25/105.
        let pop: [Int32] = Array(repeating: 0, count: 500) + Array(repeating: 1, count: 300) + Array(repeating: 2, count: 100) + Array(repeating: -1, count: 100)
        let cus: [Int32] = Array(repeating: 0, count: 50) + Array(repeating: 1, count: 20) + Array(repeating: 2, count: 25) + Array(repeating: -1, count: 105)
        let c = SegmentComparison(k: 3, populationLabels: pop, customerLabels: cus)
        #expect(c.groups.map(\.populationShare) == [0.5, 0.3, 0.1, 0.1])
        #expect(c.groups.map(\.customerShare) == [0.25, 0.1, 0.125, 0.525])
        #expect(abs(c.groups[3].ratio - 5.25) < 1e-12 && c.groups[3].cluster == nil)
        #expect(c.groups[3].ratioLow > 1 && c.groups[3].ratioLow < 5.25 && c.groups[3].ratioHigh > 5.25)
        // The log-ratio interval by hand for group 0: 0.25 vs 0.5.
        let se = ((1 - 0.25) / (200 * 0.25) + (1 - 0.5) / (1000 * 0.5)).squareRoot()
        #expect(abs(c.groups[0].ratioLow - 0.5 * exp(-1.96 * se)) < 1e-12)
        #expect(abs(c.groups[0].differenceLow - (-0.25 - 1.96 * (0.25 * 0.75 / 200 + 0.25 / 1000).squareRoot())) < 1e-12)
        #expect(c.groups.map(\.representation) == ["under", "under", "neutral", "over"])
        // 0.125 vs 0.10: its interval includes 1, neutral.
        #expect(c.groups[2].ratioLow < 1)
    }

    @Test("the adjusted Rand index has its known values")
    func ari() {
        #expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]) == 1)
        #expect(abs(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 0.5714285714285714) < 1e-12)
        #expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]) == 0)
    }
}
