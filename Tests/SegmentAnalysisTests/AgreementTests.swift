import Testing
import SegmentAnalysis

@Suite("Agreement between labelings")
struct AgreementTests {
    // scikit-learn's `adjusted_rand_score` docstring examples.
    @Test("the adjusted Rand index matches scikit-learn's documented values")
    func adjustedRand() {
        #expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1]) == 1)
        #expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]) == 1)
        #expect(abs(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1]) - 0.5714285714285715) < 1e-12)
        #expect(abs(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 0.5714285714285715) < 1e-12)
        #expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]) == 0)
        #expect(abs(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]) - -0.5) < 1e-12)
    }
}
