import Testing
@testable import SegmentReports
import SegmentAnalysis

@Suite("Personas")
struct PersonaTests {
    func profile(_ traits: [(String, Double)]) -> ClusterProfile {
        let top = traits.map { ClusterProfile.Difference(feature: $0.0, value: 0, populationMean: 0, standardized: $0.1, meaning: "") }
        return ClusterProfile(cluster: 3, centre: [], standardized: [], top: top, summary: "", traits: traits.map(\.0))
    }

    @Test("the traits half an SD or more from the population, at most five, strongest first, in one sentence")
    func portrait() {
        let p = profile([("wealthier", -1.2), ("older (typically over 60)", 0.9), ("88% female", 0.7), ("more dutiful", -0.55),
                         ("more traditional", 0.52), ("more rational", 0.51), ("less dreamy", 0.2)])
        #expect(Findings.portrait(p) == "Compared with the population, its people are wealthier, older (typically over 60), 88% female, more dutiful and more traditional.")
        // Weak differences still give the two strongest, so every segment is described.
        #expect(Findings.portrait(profile([("younger", -0.4), ("more online", 0.3), ("less rural", -0.2)]))
                == "Compared with the population, its people are younger and more online.")
        // A summary written before traits existed has none to say.
        #expect(Findings.portrait(profile([])) == nil)
    }

    @Test("lists in English")
    func lists() {
        #expect(Findings.englishList(["a"]) == "a")
        #expect(Findings.englishList(["a", "b"]) == "a and b")
        #expect(Findings.englishList(["a", "b", "c"]) == "a, b and c")
    }
}
