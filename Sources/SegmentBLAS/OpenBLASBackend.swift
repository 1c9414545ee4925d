import COpenBLAS
import SegmentKit

/// The OpenBLAS/LAPACKE backend: `cblas_dgemm`, `cblas_dsyrk` and `LAPACKE_dsyevr`, called on the
/// `Matrix` storage in place (no copies of the operands; `dsyevr` gets a copy because it destroys its
/// input). This is the only module that imports the C libraries.
///
/// OpenBLAS' thread count is process-wide; the backend sets it to its own `threads` before each call
/// when it differs, so two backends with different counts can be used in one process (serially).
public struct OpenBLASBackend: LinearAlgebraBackend {
    public let threads: Int
    public var name: String { "openblas" }

    /// A backend whose calls use `threads` OpenBLAS threads (at least 1).
    public init(threads: Int = ProcessInfoCompat.activeProcessorCount) {
        self.threads = max(1, threads)
        applyThreads()
    }

    public func withThreads(_ threads: Int) -> any LinearAlgebraBackend { OpenBLASBackend(threads: threads) }

    /// The OpenBLAS core the library dispatched to (e.g. `Haswell`, `SkylakeX`, `Zen`).
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
    /// OpenBLAS' build configuration string.
    public static var config: String { openblas_get_config().map { String(cString: $0) } ?? "unknown" }

    public var details: [String: String] {
        ["corename": Self.coreName, "config": Self.config]
    }

    @inline(__always)
    private func applyThreads() {
        if Int(openblas_get_num_threads()) != threads {
            openblas_set_num_threads(Int32(clamping: threads))
        }
    }

    public func gemm(_ transA: Transpose, _ a: Matrix, rows aRows: Range<Int>?,
                     _ transB: Transpose, _ b: Matrix,
                     alpha: Double, beta: Double, into c: inout Matrix) throws {
        let routine = "cblas_dgemm"
        let (m, n, k) = try gemmShape(transA, a, rows: aRows, transB, b, c: c, routine: routine)
        let (m32, n32, k32) = (try int32(m, routine), try int32(n, routine), try int32(k, routine))
        let lda = try int32(max(1, a.columns), routine)
        let ldb = try int32(max(1, b.columns), routine)
        let ldc = try int32(max(1, n), routine)
        let offset = (aRows?.lowerBound ?? 0) * a.columns
        guard m > 0, n > 0 else { return }
        applyThreads()
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    if k == 0 {
                        // BLAS would do the same; avoid handing it null operand pointers.
                        for i in 0..<(m * n) { cp[i] = beta == 0 ? 0 : beta * cp[i] }
                        return
                    }
                    cblas_dgemm(CblasRowMajor, cblas(transA), cblas(transB), m32, n32, k32,
                                alpha, ap.baseAddress! + offset, lda, bp.baseAddress!, ldb,
                                beta, cp.baseAddress!, ldc)
                }
            }
        }
    }

    public func gram(_ a: Matrix, alpha: Double, beta: Double, into c: inout Matrix) throws {
        let routine = "cblas_dsyrk"
        let p = a.columns, n = a.rows
        guard c.rows == p, c.columns == p else {
            throw LinearAlgebraError.shapeMismatch(routine: routine,
                detail: "C is \(c.rows)x\(c.columns) but Aᵀ A is \(p)x\(p)")
        }
        guard p > 0 else { return }
        let (p32, n32) = (try int32(p, routine), try int32(n, routine))
        applyThreads()
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                let cBase = cp.baseAddress!
                if n == 0 {
                    for i in 0..<(p * p) { cBase[i] = beta == 0 ? 0 : beta * cBase[i] }
                    return
                }
                // C (p x p) = alpha * Aᵀ A + beta * C with A stored n x p: trans = CblasTrans, K = n.
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p32, n32,
                            alpha, ap.baseAddress!, p32, beta, cBase, p32)
                // SYRK fills the upper triangle only; mirror it.
                for i in 0..<p {
                    for j in (i + 1)..<max(i + 1, p) { cBase[j * p + i] = cBase[i * p + j] }
                }
            }
        }
    }

    public func symmetricEigen(_ a: Matrix, range: EigenRange) throws -> SymmetricEigen {
        let routine = "LAPACKE_dsyevr"
        guard a.rows == a.columns else {
            throw LinearAlgebraError.shapeMismatch(routine: routine,
                detail: "the matrix is \(a.rows)x\(a.columns), not square")
        }
        let n = a.rows
        let wanted: Int
        switch range {
        case .all: wanted = n
        case let .largest(k): wanted = max(0, min(k, n))
        }
        if n == 0 || wanted == 0 {
            if let at = upperNaN(a) {
                throw LinearAlgebraError.nanInInput(routine: routine, row: at.0, column: at.1)
            }
            return SymmetricEigen(values: [], vectors: Matrix(rows: n, columns: 0))
        }
        let n32 = try int32(n, routine)
        var work = a                       // dsyevr destroys its input
        var values = [Double](repeating: 0, count: n)
        var z = Matrix(rows: n, columns: wanted)   // row-major: ldz >= the number of vectors
        var isuppz = [Int32](repeating: 0, count: 2 * max(1, wanted))
        var found: Int32 = 0
        let il: Int32 = wanted == n ? 1 : n32 - Int32(wanted) + 1
        let rangeChar = ccChar(wanted == n ? "A" : "I")
        let info = work.withUnsafeMutableBufferPointer { ap in
            z.withUnsafeMutableBufferPointer { zp in
                LAPACKE_dsyevr(LAPACK_ROW_MAJOR, ccChar("V"), rangeChar, ccChar("U"), n32,
                               ap.baseAddress!, n32, 0, 0, il, n32,
                               Double.leastNormalMagnitude, &found, &values,
                               zp.baseAddress!, Int32(wanted), &isuppz)
            }
        }
        if info != 0 {
            // LAPACKE reports a NaN in argument 6 (the matrix) as info = -6.
            if info == -6 {
                let at = upperNaN(a)
                throw LinearAlgebraError.nanInInput(routine: routine, row: at?.0, column: at?.1)
            }
            if info < 0 { throw LinearAlgebraError.illegalArgument(routine: routine, position: Int(-info)) }
            throw LinearAlgebraError.noConvergence(routine: routine, info: Int(info))
        }
        let m = Int(found)
        // dsyevr returns ascending eigenvalues; the protocol promises descending.
        let desc = Array(values.prefix(m).reversed())
        let vectors = Matrix(rows: n, columns: m) { buf in
            for i in 0..<n {
                for j in 0..<m { buf[i * m + j] = z[i, m - 1 - j] }
            }
        }
        return SymmetricEigen(values: desc, vectors: vectors)
    }

    private func upperNaN(_ a: Matrix) -> (Int, Int)? {
        for i in 0..<a.rows { for j in i..<a.columns where a[i, j].isNaN { return (i, j) } }
        return nil
    }
}

// MARK: - C flag conversions, in one place

@inline(__always)
private func cblas(_ t: Transpose) -> CBLAS_TRANSPOSE {
    t == .none ? CblasNoTrans : CblasTrans
}

@inline(__always)
private func ccChar(_ s: Unicode.Scalar) -> CChar {
    CChar(truncatingIfNeeded: s.value)
}

/// `Int` -> the 32-bit BLAS/LAPACK integer, checked once.
@inline(__always)
private func int32(_ v: Int, _ routine: String) throws -> Int32 {
    guard let r = Int32(exactly: v) else { throw LinearAlgebraError.sizeOverflow(routine: routine, value: v) }
    return r
}

/// Builds a backend by kind; the executable's `--backend` flag lands here.
public func makeBackend(_ kind: BackendKind, threads: Int) -> any LinearAlgebraBackend {
    switch kind {
    case .openblas: return OpenBLASBackend(threads: threads)
    case .swift: return SwiftBackend(threads: threads)
    }
}
