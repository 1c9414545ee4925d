import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentData
@testable import SegmentModels
@testable import SegmentAnalysis
@testable import SegmentSynthetic
import SegmentBLAS

/// The n x n tridiagonal [-1, 2, -1]; its eigenvalues are 2 - 2cos(k pi / (n + 1)), k = 1...n.
func secondDifference(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n {
        m[i, i] = 2
        if i + 1 < n { m[i, i + 1] = -1; m[i + 1, i] = -1 }
    }
    return m
}

func randomSymmetric(_ n: Int, seed: UInt64) -> Matrix {
    let a = randomMatrix(n, n, seed: seed)
    var s = Matrix(rows: n, columns: n)
    for i in 0..<n { for j in 0..<n { s[i, j] = a[i, j] + a[j, i] } }
    return s
}

func residual(_ a: Matrix, _ e: SymmetricEigen) -> Double {
    // max_j ||A v_j - lambda_j v_j|| / ||A||
    let n = a.rows
    var worst = 0.0
    for j in 0..<e.values.count {
        var r = 0.0
        for i in 0..<n {
            var s = 0.0
            for k in 0..<n { s += a[i, k] * e.vectors[k, j] }
            let d = s - e.values[j] * e.vectors[i, j]
            r += d * d
        }
        worst = max(worst, r.squareRoot())
    }
    return worst / a.frobeniusNorm
}

@Suite("Symmetric eigen-decomposition, every backend")
struct EigenTests {
    @Test("the [-1, 2, -1] matrix has its closed-form eigenvalues", arguments: [1, 2, 5, 85, 300])
    func closedForm(_ n: Int) throws {
        let a = secondDifference(n)
        let exact = (1...n).map { 2 - 2 * cos(Double($0) * Double.pi / Double(n + 1)) }.sorted(by: >)
        for backend in allBackends {
            let e = try backend.symmetricEigen(a, range: .all)
            #expect(e.values.count == n)
            for (got, want) in zip(e.values, exact) {
                #expect(abs(got - want) <= 1e-10 * max(abs(want), 1e-3), "\(backend.name): \(got) vs \(want)")
            }
            #expect(residual(a, e) < 1e-12)
        }
    }

    @Test("eigenpairs satisfy A v = λ v, are orthonormal, and agree between backends up to sign",
          arguments: [3, 17, 85, 150])
    func agreement(_ n: Int) throws {
        let a = randomSymmetric(n, seed: UInt64(n))
        let results = try allBackends.map { try $0.symmetricEigen(a, range: .all) }
        for e in results {
            #expect(residual(a, e) < 1e-12)
            // Orthonormal columns.
            for i in 0..<min(n, 10) {
                for j in 0..<min(n, 10) {
                    var dot = 0.0
                    for k in 0..<n { dot += e.vectors[k, i] * e.vectors[k, j] }
                    #expect(abs(dot - (i == j ? 1 : 0)) < 1e-10)
                }
            }
            // Descending.
            for j in 1..<n { #expect(e.values[j - 1] >= e.values[j]) }
        }
        let ref = results[0]
        let scale = ref.values.map(abs).max()!
        for e in results.dropFirst() {
            for j in 0..<n {
                #expect(abs(e.values[j] - ref.values[j]) <= 1e-10 * scale)
                // Vectors up to sign (the random spectrum has no repeated eigenvalues).
                var dot = 0.0
                for k in 0..<n { dot += e.vectors[k, j] * ref.vectors[k, j] }
                #expect(abs(abs(dot) - 1) < 1e-8, "vector \(j)")
            }
        }
    }

    @Test("top-k equals the k largest of the full decomposition", arguments: [1, 5, 30])
    func topK(_ k: Int) throws {
        let a = randomSymmetric(85, seed: 99)
        for backend in allBackends {
            let full = try backend.symmetricEigen(a, range: .all)
            let top = try backend.symmetricEigen(a, range: .largest(k))
            #expect(top.values.count == k)
            #expect(top.vectors.rows == 85 && top.vectors.columns == k)
            for j in 0..<k {
                #expect(abs(top.values[j] - full.values[j]) <= 1e-10 * abs(full.values[0]))
                var dot = 0.0
                for i in 0..<85 { dot += top.vectors[i, j] * full.vectors[i, j] }
                #expect(abs(abs(dot) - 1) < 1e-8)
            }
        }
    }

    @Test("a NaN in the matrix is a typed error naming the routine, not a crash")
    func nanInput() throws {
        var a = randomSymmetric(6, seed: 5)
        a[2, 4] = .nan
        a[4, 2] = .nan
        for backend in allBackends {
            do {
                _ = try backend.symmetricEigen(a, range: .all)
                Issue.record("\(backend.name) accepted a NaN")
            } catch let error as LinearAlgebraError {
                guard case let .nanInInput(routine, row, column) = error else {
                    Issue.record("wrong error \(error)"); continue
                }
                #expect(routine == (backend.name == "openblas" ? "LAPACKE_dsyevr" : "swift.symmetricEigen"))
                #expect(row == 2 && column == 4)
                #expect(error.description.contains("NaN"))
            }
        }
    }

    @Test("a non-square matrix is a shape error")
    func nonSquare() {
        for backend in allBackends {
            #expect(throws: LinearAlgebraError.self) {
                try backend.symmetricEigen(Matrix(rows: 3, columns: 2), range: .all)
            }
        }
    }
}
