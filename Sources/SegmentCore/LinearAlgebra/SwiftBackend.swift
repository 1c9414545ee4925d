import Dispatch

/// The pure-Swift backend: a cache-blocked, vectorised GEMM and Gram product using up to `threads`
/// cores, and a Householder + implicit-QL symmetric eigen-solver.
///
/// It implements exactly the operations of the OpenBLAS backend so the two can be compared in the
/// benchmarks and cross-checked in the tests; results agree to rounding (summation order differs).
public struct SwiftBackend: LinearAlgebraBackend {
    public let threads: Int
    public var name: String { "swift" }
    public var details: [String: String] {
        ["kernel": "packed 6x8 SIMD8<Double> micro-kernel; 4x24 unpacked for A·Bᵀ with B at most 24x128", "eigen": "Householder tridiagonalisation + implicit QL"]
    }

    /// Stripes of rows the Gram product is split into, independent of the thread count so the
    /// summation order (and so the result, bit for bit) does not depend on how many threads ran.
    static let gramStripes = 8

    /// A backend using `threads` cores (at least 1).
    public init(threads: Int = SwiftBackend.defaultThreads) {
        self.threads = max(1, threads)
    }

    public func withThreads(_ threads: Int) -> any LinearAlgebraBackend { SwiftBackend(threads: threads) }

    /// The number of active processors.
    public static var defaultThreads: Int { ProcessInfoCompat.activeProcessorCount }

    public func gemm(_ transA: Transpose, _ a: Matrix, rows aRows: Range<Int>?,
                     _ transB: Transpose, _ b: Matrix,
                     alpha: Double, beta: Double, into c: inout Matrix) throws {
        let (m, n, k) = try gemmShape(transA, a, rows: aRows, transB, b, c: c, routine: "swift.gemm")
        let rowOffset = aRows?.lowerBound ?? 0
        let threads = self.threads
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    guard let cBase = cp.baseAddress else { return }
                    scale(cBase, count: m * n, by: beta)
                    guard let aBase = ap.baseAddress, let bBase = bp.baseAddress else { return }
                    if transA == .none, transB == .transpose, SkinnyKernel.applies(m: m, n: n, k: k) {
                        SkinnyKernel.gemm(m: m, n: n, k: k, alpha: alpha, a: aBase + rowOffset * a.columns, lda: a.columns,
                                          b: bBase, ldb: b.columns, c: cBase, ldc: n, threads: threads)
                        return
                    }
                    let opA = transA == .none
                        ? StridedOperand(base: aBase + rowOffset * a.columns, rowStride: a.columns, colStride: 1)
                        : StridedOperand(base: aBase, rowStride: 1, colStride: a.columns)
                    let opB = transB == .none
                        ? StridedOperand(base: bBase, rowStride: b.columns, colStride: 1)
                        : StridedOperand(base: bBase, rowStride: 1, colStride: b.columns)
                    PackedKernel.gemm(m: m, n: n, k: k, alpha: alpha, a: opA, b: opB,
                                      c: cBase, ldc: n, upperOnly: false, threads: threads)
                }
            }
        }
    }

    public func gram(_ a: Matrix, alpha: Double, beta: Double, into c: inout Matrix) throws {
        let p = a.columns, n = a.rows
        guard c.rows == p, c.columns == p else {
            throw LinearAlgebraError.shapeMismatch(routine: "swift.gram",
                detail: "C is \(c.rows)x\(c.columns) but Aᵀ A is \(p)x\(p)")
        }
        let stripes = min(Self.gramStripes, max(1, n))
        let threads = self.threads
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                guard let cBase = cp.baseAddress else { return }
                guard let aBase = ap.baseAddress, n > 0 else {
                    scale(cBase, count: p * p, by: beta)
                    return
                }
                // One partial Gram matrix per stripe of rows, summed in stripe order afterwards.
                let partials = UnsafeMutablePointer<Double>.allocate(capacity: stripes * p * p)
                partials.initialize(repeating: 0, count: stripes * p * p)
                defer { partials.deallocate() }
                let per = (n + stripes - 1) / stripes
                let work: (Int) -> Void = { s in
                    let lo = min(n, s * per), hi = min(n, lo + per)
                    guard hi > lo else { return }
                    let block = aBase + lo * p
                    // op(A) = blockᵀ (p x rows), op(B) = block (rows x p).
                    PackedKernel.gemm(m: p, n: p, k: hi - lo, alpha: 1,
                                      a: StridedOperand(base: block, rowStride: 1, colStride: p),
                                      b: StridedOperand(base: block, rowStride: p, colStride: 1),
                                      c: partials + s * p * p, ldc: p, upperOnly: true, threads: 1)
                }
                // Stripes are claimed round-robin by `threads` workers.
                Parallel.forEach(stripes, workers: threads, work)
                for i in 0..<p {
                    for j in i..<p {
                        var sum = 0.0
                        for s in 0..<stripes { sum += partials[s * p * p + i * p + j] }
                        let old = beta == 0 ? 0 : beta * cBase[i * p + j]
                        let v = old + alpha * sum
                        cBase[i * p + j] = v
                        cBase[j * p + i] = v
                    }
                }
            }
        }
    }

    public func cholesky(_ a: Matrix) throws -> CholeskyFactor { try Cholesky.factor(a) }

    public func symmetricEigen(_ a: Matrix, range: EigenRange) throws -> SymmetricEigen {
        guard a.rows == a.columns else {
            throw LinearAlgebraError.shapeMismatch(routine: "swift.symmetricEigen",
                detail: "the matrix is \(a.rows)x\(a.columns), not square")
        }
        // Only the upper triangle is read, as with LAPACK's uplo = 'U'.
        for i in 0..<a.rows {
            for j in i..<a.columns where a[i, j].isNaN {
                throw LinearAlgebraError.nanInInput(routine: "swift.symmetricEigen", row: i, column: j)
            }
        }
        var full = try SymmetricEigenSolver.decompose(a)
        if case let .largest(k) = range {
            let k = max(0, min(k, a.rows))
            full = SymmetricEigen(values: Array(full.values.prefix(k)),
                                  vectors: Matrix(rows: a.rows, columns: k) { buf in
                                      for i in 0..<a.rows {
                                          for j in 0..<k { buf[i * k + j] = full.vectors[i, j] }
                                      }
                                  })
        }
        return full
    }
}

/// C = beta * C, where beta == 0 clears C (so NaNs in it do not survive), as BLAS specifies.
@inline(__always)
func scale(_ c: UnsafeMutablePointer<Double>, count: Int, by beta: Double) {
    if beta == 0 {
        c.update(repeating: 0, count: count)
    } else if beta != 1 {
        for i in 0..<count { c[i] *= beta }
    }
}
