import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentData
@testable import SegmentModels
@testable import SegmentAnalysis
@testable import SegmentSynthetic
import SegmentBLAS

/// Every backend this build has, each with one and two threads.
let allBackends: [any LinearAlgebraBackend] = [
    OpenBLASBackend(threads: 1), OpenBLASBackend(threads: 2),
    SwiftBackend(threads: 1), SwiftBackend(threads: 2),
]

func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
    var g = SplitMix64(seed: seed)
    return Matrix(rows: rows, columns: cols) { buf in
        for i in 0..<buf.count { buf[i] = g.nextUnit() * 2 - 1 }
    }
}

/// A plain triple-loop reference product, the independent oracle for both backends.
func referenceGemm(_ ta: Transpose, _ a: Matrix, _ tb: Transpose, _ b: Matrix,
                   alpha: Double, beta: Double, c: Matrix) -> Matrix {
    let (m, k) = ta.apply(rows: a.rows, columns: a.columns)
    let (_, n) = tb.apply(rows: b.rows, columns: b.columns)
    var out = c
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = ta == .none ? a[i, p] : a[p, i]
                let bv = tb == .none ? b[p, j] : b[j, p]
                s += av * bv
            }
            out[i, j] = alpha * s + (beta == 0 ? 0 : beta * c[i, j])
        }
    }
    return out
}

func relativeError(_ x: Matrix, _ y: Matrix) -> Double {
    let scale = max(y.frobeniusNorm, 1e-300)
    var d = x
    d.withUnsafeMutableBufferPointer { dp in
        y.withUnsafeBufferPointer { yp in for i in 0..<dp.count { dp[i] -= yp[i] } }
    }
    return d.frobeniusNorm / scale
}

struct GemmCase: Sendable, CustomStringConvertible {
    let m, n, k: Int
    let ta, tb: Transpose
    let alpha, beta: Double
    var description: String { "\(m)x\(n)x\(k) \(ta.rawValue)/\(tb.rawValue) a=\(alpha) b=\(beta)" }
}

let gemmCases: [GemmCase] = {
    var cases: [GemmCase] = []
    let shapes = [(1, 1, 1), (7, 5, 3), (13, 17, 11), (6, 8, 256), (97, 31, 259), (300, 300, 300), (2, 1, 1000)]
    for (m, n, k) in shapes {
        for ta in Transpose.allCases {
            for tb in Transpose.allCases {
                cases.append(GemmCase(m: m, n: n, k: k, ta: ta, tb: tb, alpha: 1, beta: 0))
            }
        }
        cases.append(GemmCase(m: m, n: n, k: k, ta: .none, tb: .transpose, alpha: -0.75, beta: 1.5))
    }
    // The k-means distance shape: tall-skinny X times the centres transposed.
    cases.append(GemmCase(m: 10_000, n: 20, k: 85, ta: .none, tb: .transpose, alpha: -2, beta: 0))
    cases.append(GemmCase(m: 10_000, n: 20, k: 85, ta: .none, tb: .transpose, alpha: 0.5, beta: 2))
    // The skinny A·Bᵀ path of the Swift backend: every panel count, rows not a multiple of four,
    // and the largest B it takes (24 x 128) next to the smallest it does not.
    for (m, n, k) in [(10_003, 8, 30), (9_999, 13, 30), (8_194, 24, 128), (5, 1, 1), (1_001, 25, 30), (1_001, 24, 129)] {
        cases.append(GemmCase(m: m, n: n, k: k, ta: .none, tb: .transpose, alpha: -2, beta: 0))
        cases.append(GemmCase(m: m, n: n, k: k, ta: .none, tb: .transpose, alpha: 1.25, beta: -0.5))
    }
    cases.append(GemmCase(m: 85, n: 85, k: 10_000, ta: .transpose, tb: .none, alpha: 1, beta: 0))
    return cases
}()

@Suite("GEMM and the Gram product, every backend")
struct ProductTests {
    @Test("GEMM matches the reference product", arguments: gemmCases)
    func gemmMatchesReference(_ tc: GemmCase) throws {
        let a = tc.ta == .none ? randomMatrix(tc.m, tc.k, seed: 1) : randomMatrix(tc.k, tc.m, seed: 1)
        let b = tc.tb == .none ? randomMatrix(tc.k, tc.n, seed: 2) : randomMatrix(tc.n, tc.k, seed: 2)
        let c0 = randomMatrix(tc.m, tc.n, seed: 3)
        // The reference is only affordable on small shapes; big ones compare backends.
        let small = tc.m * tc.n * tc.k <= 3_000_000
        let expected = small
            ? referenceGemm(tc.ta, a, tc.tb, b, alpha: tc.alpha, beta: tc.beta, c: c0)
            : nil
        var results: [Matrix] = []
        for backend in allBackends {
            var c = c0
            try backend.gemm(tc.ta, a, rows: nil, tc.tb, b, alpha: tc.alpha, beta: tc.beta, into: &c)
            if let expected {
                #expect(relativeError(c, expected) < 1e-12, "\(backend.name)/\(backend.threads) vs reference")
            }
            results.append(c)
        }
        for r in results.dropFirst() {
            #expect(relativeError(r, results[0]) < 1e-12, "backends disagree")
        }
    }

    @Test("GEMM on a block of A's rows equals the same rows of the full product")
    func gemmRowBlock() throws {
        let x = randomMatrix(1_003, 37, seed: 9)
        let centres = randomMatrix(11, 37, seed: 10)
        for backend in allBackends {
            let full = try backend.multiply(x, .none, centres, .transpose)
            var chunk = Matrix(rows: 200, columns: 11)
            try backend.gemm(.none, x, rows: 401..<601, .transpose, centres, alpha: 1, beta: 0, into: &chunk)
            #expect(relativeError(chunk, full.rows(401..<601)) < 1e-14)
        }
    }

    @Test("beta = 0 ignores NaN already in C, as BLAS specifies")
    func betaZeroClears() throws {
        let a = randomMatrix(5, 4, seed: 4), b = randomMatrix(4, 3, seed: 5)
        for backend in allBackends {
            var c = Matrix(rows: 5, columns: 3, repeating: .nan)
            try backend.gemm(.none, a, rows: nil, .none, b, alpha: 1, beta: 0, into: &c)
            #expect(!c.containsNaN)
        }
    }

    @Test("mismatched shapes are a typed error")
    func shapeMismatch() {
        let a = randomMatrix(5, 4, seed: 4), b = randomMatrix(5, 3, seed: 5)
        for backend in allBackends {
            var c = Matrix(rows: 5, columns: 3)
            #expect(throws: LinearAlgebraError.self) {
                try backend.gemm(.none, a, rows: nil, .none, b, alpha: 1, beta: 0, into: &c)
            }
        }
    }

    @Test("the Gram product equals AᵀA and is symmetric", arguments: [(1, 1), (3, 7), (10_000, 85), (999, 13), (5, 40)])
    func gramMatchesReference(_ shape: (Int, Int)) throws {
        let (n, p) = shape
        let a = randomMatrix(n, p, seed: 42)
        let c0 = randomMatrix(p, p, seed: 43)
        var sym = c0
        for i in 0..<p { for j in 0..<p { sym[i, j] = c0[min(i, j), max(i, j)] } }
        let expected = referenceGemm(.transpose, a, .none, a, alpha: 0.5, beta: -1, c: sym)
        for backend in allBackends {
            var c = sym
            try backend.gram(a, alpha: 0.5, beta: -1, into: &c)
            #expect(relativeError(c, expected) < 1e-12, "\(backend.name)/\(backend.threads)")
            for i in 0..<p { for j in 0..<p { #expect(c[i, j] == c[j, i]) } }
        }
    }

    @Test("the Gram product and the eigenpairs do not depend on the thread count, bit for bit")
    func threadInvariant() throws {
        let a = randomMatrix(50_000, 30, seed: 7)
        #expect(try SwiftBackend(threads: 1).gram(a) == SwiftBackend(threads: 2).gram(a))
        let one = try OpenBLASBackend(threads: 1).gram(a), two = try OpenBLASBackend(threads: 2).gram(a)
        #expect(one == two)
        #expect(try OpenBLASBackend(threads: 1).symmetricEigen(one, range: .all) == OpenBLASBackend(threads: 2).symmetricEigen(one, range: .all))
    }
}

extension Transpose: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

@Suite("OpenBLAS core selection")
struct OpenBLASCoreTests {
    static let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]
    static let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]

    @Test("a fallback core on a CPU that runs better is replaced; OpenBLAS's own choices and the user's are kept")
    func decide() {
        // Prescott (OpenBLAS 0.3.21 on Intel family 6 model 207) on an AVX-512 CPU: SkylakeX.
        #expect(OpenBLASCoreChoice.decide(chosen: "Prescott", flags: Self.avx512, environment: [:]) == "SkylakeX")
        #expect(OpenBLASCoreChoice.decide(chosen: "Core2", flags: Self.avx2, environment: [:]) == "Haswell")
        #expect(OpenBLASCoreChoice.decide(chosen: "Nehalem", flags: ["sse3", "avx"], environment: [:]) == "Sandybridge")
        // The user's value wins.
        #expect(OpenBLASCoreChoice.decide(chosen: "Prescott", flags: Self.avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
        // A CPU with nothing better, and cores that are not fallbacks, are left alone.
        #expect(OpenBLASCoreChoice.decide(chosen: "Prescott", flags: ["sse3"], environment: [:]) == nil)
        #expect(OpenBLASCoreChoice.decide(chosen: "Haswell", flags: Self.avx512, environment: [:]) == nil)
        #expect(OpenBLASCoreChoice.decide(chosen: "Zen", flags: Self.avx2, environment: [:]) == nil)
        #expect(OpenBLASCoreChoice.decide(chosen: "SkylakeX", flags: Self.avx512, environment: [:]) == nil)
        // AVX-512 needs all five of the SkylakeX kernels' extensions; without them, AVX2.
        #expect(OpenBLASCoreChoice.decide(chosen: "Prescott", flags: Self.avx2.union(["avx512f"]), environment: [:]) == "Haswell")
    }
}
