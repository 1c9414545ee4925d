import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentModels
import SegmentBLAS

@Suite("Estimators, OpenBLAS backend")
struct OpenBLASEstimatorTests {
    let backend: any LinearAlgebraBackend = OpenBLASBackend(threads: 2)

    @Test("PCA: scikit-learn's docstring example") func pcaFixture() throws { try EstimatorChecks.pcaFixture(backend) }
    @Test("PCA recovers a known covariance") func pcaKnownCovariance() throws { _ = try EstimatorChecks.pcaKnownCovariance(backend) }
    @Test("k-means: scikit-learn's docstring example") func kmeansFixture() throws { try EstimatorChecks.kmeansFixture(backend) }
    @Test("k-means finds well-separated blobs exactly") func kmeansBlobs() throws { _ = try EstimatorChecks.kmeansBlobs(backend) }
    @Test("inertia equals its recomputation, and never increases from one iteration to the next")
    func inertia() throws { try EstimatorChecks.inertia(backend) }
    @Test("Hamerly's bounds give Lloyd's clustering: the same labels, centres, iterations and inertia")
    func hamerlyMatchesLloyd() throws { try EstimatorChecks.hamerlyMatchesLloyd(backend) }
    @Test("Hamerly and Lloyd agree when a cluster empties and is relocated, and when the iterations run out")
    func hamerlyEdgeCases() throws { try EstimatorChecks.hamerlyEdgeCases(backend) }
    @Test("the k-means++ potentials of candidate centres match a direct computation")
    func plusPlusPotentials() throws { try EstimatorChecks.plusPlusPotentials(backend) }
    @Test("the sweep finds the planted k by its knee, and a warm-started inertia curve never rises")
    func sweep() throws { try EstimatorChecks.sweep(backend) }
    @Test("a NaN reaching the models is a typed error saying where") func nan() { EstimatorChecks.nan(backend) }

    @Test("the backends agree: PCA's eigenvalues to 1e-9, k-means label for label")
    func agreement() throws {
        let a = try EstimatorChecks.pcaKnownCovariance(backend), b = try EstimatorChecks.pcaKnownCovariance(SwiftBackend(threads: 2))
        for j in 0..<3 {
            #expect(abs(a.explainedVariance[j] - b.explainedVariance[j]) <= 1e-9 * a.explainedVariance[0])
        }
        #expect(try EstimatorChecks.kmeansBlobs(backend) == EstimatorChecks.kmeansBlobs(SwiftBackend(threads: 2)))
    }
}
