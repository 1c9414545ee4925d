import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentData
@testable import SegmentModels
@testable import SegmentAnalysis
@testable import SegmentSynthetic
import SegmentBLAS

/// A generated data set and the pipeline run on it, shared by the tests below.
final class PipelineFixture: @unchecked Sendable {
    static let shared = PipelineFixture()
    let directory: String
    let truth: SyntheticTruth
    let results: [String: Pipeline.Result]

    init() {
        directory = processTemporaryFolder("segment-pipeline")
        truth = try! SyntheticGenerator(populationRows: 60_000, customerRows: 20_000, seed: 5, threads: 2).write(to: directory)
        var config = PipelineConfig()
        config.k = 8
        config.sweep = 2...10
        config.nInit = 2
        var out: [String: Pipeline.Result] = [:]
        for backend in [OpenBLASBackend(threads: 2) as any LinearAlgebraBackend, SwiftBackend(threads: 2)] {
            out[backend.name] = try! Pipeline(config: config, backend: backend, threads: 2)
                .run(population: directory + "/azdias.csv", customers: directory + "/customers.csv", schema: .azdias)
        }
        results = out
    }
}

@Suite("The pipeline on generated data", .serialized)
struct PipelineTests {
    let fixture = PipelineFixture.shared

    @Test("the segments recover the planted ones, and the planted over/under-represented segments are reported as such")
    func recovery() throws {
        let planted = try PlantedTruth.load(fixture.directory + "/truth_population.csv")
        for (name, r) in fixture.results {
            let ari = planted.adjustedRandIndex(r.population.group)
            #expect(ari > 0.4, "\(name): ARI \(ari)")
            // Each cluster's majority planted segment.
            var votes = [[Int]](repeating: [Int](repeating: 0, count: 8), count: r.chosenK)
            for (i, g) in r.population.group.enumerated() where g >= 0 { votes[Int(g)][planted.segment[i]] += 1 }
            let majority = votes.map { v in v.indices.max { v[$0] < v[$1] }! }
            let plantedOver = Set(fixture.truth.segments.filter { $0.representation == "over" }.map(\.id))
            let plantedUnder = Set(fixture.truth.segments.filter { $0.representation == "under" }.map(\.id))
            for g in r.comparison.groups {
                guard let c = g.cluster else {
                    // A coverage line of its own, however lopsided (customers are far more often high-missing).
                    #expect(g.representation == "coverage" && g.ratio > 1.5, "the high-missing group")
                    continue
                }
                if g.representation == "over" { #expect(plantedOver.contains(majority[c]), "\(name): cluster \(c) -> \(majority[c])") }
                if g.representation == "under" { #expect(plantedUnder.contains(majority[c]), "\(name): cluster \(c) -> \(majority[c])") }
            }
            // Every planted over/under segment is the majority of some cluster labelled the same way.
            let overFound = Set(r.comparison.over.compactMap { $0.cluster.map { majority[$0] } })
            let underFound = Set(r.comparison.under.compactMap { $0.cluster.map { majority[$0] } })
            #expect(overFound == plantedOver, "\(name)")
            #expect(underFound.isSubset(of: plantedUnder) && underFound.count >= 2, "\(name)")
        }
    }

    @Test("the two backends give the same segments")
    func backendsAgree() throws {
        let a = fixture.results["openblas"]!, b = fixture.results["swift"]!
        let same = zip(a.population.group, b.population.group).filter { $0 == $1 }.count
        #expect(Double(same) / Double(a.population.group.count) > 0.999)
        // The same words in the reports: every component's sign and top loadings, every profile's
        // traits in the same order (exact ties, such as a column and its complement, included).
        #expect(a.profiles.map { $0.top.map(\.feature) } == b.profiles.map { $0.top.map(\.feature) })
        for j in 0..<min(a.fitted.pca.count, b.fitted.pca.count) {
            let ta = a.fitted.pca.topLoadings(j, names: a.featureNames), tb = b.fitted.pca.topLoadings(j, names: b.featureNames)
            #expect(ta.positive.map(\.0) == tb.positive.map(\.0) && ta.negative.map(\.0) == tb.negative.map(\.0), "component \(j + 1)")
            let dot = (0..<a.fitted.pca.features).reduce(0.0) { $0 + a.fitted.pca.components[$1, j] * b.fitted.pca.components[$1, j] }
            #expect(dot > 0, "component \(j + 1) has opposite signs")
        }
        #expect(abs(a.fitted.kmeans.inertia - b.fitted.kmeans.inertia) <= 1e-6 * a.fitted.kmeans.inertia)
    }

    @Test("the saved pipeline scores the population exactly as the run assigned it")
    func scoreReproducesRun() throws {
        // The Swift backend: OpenBLAS's thread count is process-wide and concurrent tests change it.
        let r = fixture.results["swift"]!
        let data = try JSONEncoder().encode(r.fitted)
        let fitted = try JSONDecoder().decode(FittedPipeline.self, from: data)
        #expect(fitted == r.fitted)
        let table = try CSVLoader(schema: .azdias).load(path: fixture.directory + "/azdias.csv")
        let scored = try fitted.assign(table, backend: SwiftBackend(threads: 2), threads: 2)
        #expect(scored.group == r.population.group)
        let close = zip(scored.distance, r.population.distance).allSatisfy { ($0.isNaN && $1.isNaN) || abs($0 - $1) <= 1e-9 * max(1, $1) }
        #expect(close)
    }

    @Test("profiles explain every segment in the cleaned features")
    func profiles() {
        let r = fixture.results["openblas"]!
        #expect(r.profiles.count == r.chosenK)
        for p in r.profiles {
            #expect(p.top.count == 6 && p.centre.count == r.featureNames.count)
            #expect(!p.summary.isEmpty)
            for d in p.top { #expect(!d.meaning.isEmpty && d.standardized.isFinite) }
            // One fact once: the youth movement is GREEN_AVANTGARDE recoded, so never both.
            let names = Set(p.top.map(\.feature))
            #expect(!(names.contains("GREEN_AVANTGARDE") && names.contains("PRAEGENDE_JUGENDJAHRE_MOVEMENT")), "\(names)")
        }
        // The two are in the data and move together: without the rule some segment lists both.
        let v = r.fitted.pca.components, lambda = r.fitted.pca.explainedVariance
        if let a = r.featureNames.firstIndex(of: "GREEN_AVANTGARDE"), let b = r.featureNames.firstIndex(of: "PRAEGENDE_JUGENDJAHRE_MOVEMENT") {
            func c(_ i: Int, _ j: Int) -> Double { (0..<v.columns).reduce(0.0) { $0 + v[i, $1] * lambda[$1] * v[j, $1] } }
            #expect(abs(c(a, b)) / (c(a, a) * c(b, b)).squareRoot() > 0.9)
        }
        #expect(r.sweep!.points.map(\.k) == Array(2...10))
    }
}
