import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentModels
import SegmentBLAS

@Suite("Estimators, OpenBLAS backend")
struct OpenBLASEstimatorTests {
    let backend: any LinearAlgebraBackend = OpenBLASBackend(threads: 2)

    @Test("every estimator check", arguments: EstimatorChecks.all)
    func check(_ check: EstimatorCheck) throws { try check.run(on: backend) }

    @Test("the backends agree: PCA's eigenvalues to 1e-9, k-means label for label")
    func agreement() throws {
        let a = try EstimatorChecks.pcaKnownCovariance(backend), b = try EstimatorChecks.pcaKnownCovariance(SwiftBackend(threads: 2))
        for j in 0..<3 {
            #expect(abs(a.explainedVariance[j] - b.explainedVariance[j]) <= 1e-9 * a.explainedVariance[0])
        }
        #expect(try EstimatorChecks.kmeansBlobs(backend) == EstimatorChecks.kmeansBlobs(SwiftBackend(threads: 2)))
    }
}
