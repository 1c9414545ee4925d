#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS
import Foundation
import SegmentCore

/// The OpenBLAS/LAPACKE backend: `cblas_dgemm`, `cblas_dsyrk` and `LAPACKE_dsyevr`, called on the
/// `Matrix` storage in place (no copies of the operands; `dsyevr` gets a copy because it destroys its
/// input). This is the only module that imports the C libraries.
///
/// Parallelism: OpenBLAS's thread count is process-wide, and its threaded kernels partition sums
/// differently for different counts. So it is set to 1 once, at start-up (`OpenBLASRuntime`), and
/// the backend runs its own `threads` workers over fixed blocks (rows of a tall GEMM, stripes of the
/// Gram product): the result is the same, bit for bit, whatever the thread count, and two backends
/// with different counts can be used in one process, even at once.
public struct OpenBLASBackend: LinearAlgebraBackend {
    public let threads: Int
    public var name: String { "openblas" }

    /// A backend whose calls use `threads` workers (at least 1), each over single-threaded OpenBLAS.
    public init(threads: Int = ProcessInfoCompat.activeProcessorCount) {
        self.threads = max(1, threads)
        OpenBLASRuntime.start()
    }

    public func withThreads(_ threads: Int) -> any LinearAlgebraBackend { OpenBLASBackend(threads: threads) }

    /// The OpenBLAS core the library dispatched to (e.g. `Haswell`, `SkylakeX`, `Zen`).
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
    /// OpenBLAS' build configuration string.
    public static var config: String { openblas_get_config().map { String(cString: $0) } ?? "unknown" }

    public var details: [String: String] {
        var d = ["corename": Self.coreName, "config": Self.config]
        if let fallback = OpenBLASCoreChoice.replacedFallback {
            d["coreSelection"] = "segment set OPENBLAS_CORETYPE=\(Self.coreName): OpenBLAS had chosen \(fallback), a fallback, on a CPU that runs \(Self.coreName)"
        } else if let user = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            d["coreSelection"] = "OPENBLAS_CORETYPE=\(user), set by the user"
        }
        return d
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
        // Tall products (A not transposed) run as fixed blocks of rows, each a single-threaded
        // cblas_dgemm, the blocks spread over `threads` workers: the same calls whatever the thread
        // count, so the same bits (OpenBLAS's own threading partitions differently for 1 and 2).
        // Small or transposed-A products are one single-threaded call.
        let block = Self.gemmBlockRows
        let blocks = transA == .none && m >= 2 * block ? (m + block - 1) / block : 1
        let workers = min(threads, blocks)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    if k == 0 {
                        // BLAS would do the same; avoid handing it null operand pointers.
                        for i in 0..<(m * n) { cp[i] = beta == 0 ? 0 : beta * cp[i] }
                        return
                    }
                    if blocks == 1 {
                        cblas_dgemm(CblasRowMajor, cblas(transA), cblas(transB), m32, n32, k32,
                                    alpha, ap.baseAddress! + offset, lda, bp.baseAddress!, ldb,
                                    beta, cp.baseAddress!, ldc)
                        return
                    }
                    let aBox = UncheckedBox(ap.baseAddress! + offset), bBox = UncheckedBox(bp.baseAddress!)
                    let cBox = UncheckedBox(cp.baseAddress!)
                    let tb = cblas(transB)
                    Parallel.forEach(blocks, workers: workers) { blk in
                        let lo = blk * block, rows = min(block, m - lo)
                        cblas_dgemm(CblasRowMajor, CblasNoTrans, tb, Int32(rows), n32, k32,
                                    alpha, aBox.value + lo * Int(lda), lda, bBox.value, ldb,
                                    beta, cBox.value + lo * n, ldc)
                    }
                }
            }
        }
    }

    /// Rows per block of a tall GEMM.
    static let gemmBlockRows = 8_192

    /// Row stripes of the Gram product: fixed, so the summation order — and the result, bit for bit —
    /// does not depend on the thread count (OpenBLAS's own threaded SYRK splits the sum differently
    /// for 1 and 2 threads). Each stripe is a single-threaded `cblas_dsyrk`; stripes run in parallel.
    static let gramStripes = 8

    public func gram(_ a: Matrix, alpha: Double, beta: Double, into c: inout Matrix) throws {
        let routine = "cblas_dsyrk"
        let p = a.columns, n = a.rows
        guard c.rows == p, c.columns == p else {
            throw LinearAlgebraError.shapeMismatch(routine: routine,
                detail: "C is \(c.rows)x\(c.columns) but Aᵀ A is \(p)x\(p)")
        }
        guard p > 0 else { return }
        let p32 = try int32(p, routine)
        _ = try int32(n, routine)
        let stripes = max(1, min(Self.gramStripes, n))
        let per = (n + stripes - 1) / stripes
        var partials = [Double](repeating: 0, count: stripes * p * p)
        let workers = min(threads, stripes)
        a.withUnsafeBufferPointer { ap in
            let aBox = UncheckedBox(ap.baseAddress)
            partials.withUnsafeMutableBufferPointer { pb in
                let pBox = UncheckedBox(pb.baseAddress!)
                Parallel.forEach(stripes, workers: workers) { s in
                    let lo = min(n, s * per), hi = min(n, lo + per)
                    if hi > lo, let base = aBox.value {
                        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p32, Int32(hi - lo),
                                    1, base + lo * p, p32, 0, pBox.value + s * p * p, p32)
                    }
                }
            }
        }
        c.withUnsafeMutableBufferPointer { cp in
            for i in 0..<p {
                for j in i..<p {
                    var sum = 0.0
                    for s in 0..<stripes { sum += partials[s * p * p + i * p + j] }
                    let v = (beta == 0 ? 0 : beta * cp[i * p + j]) + alpha * sum
                    cp[i * p + j] = v
                    cp[j * p + i] = v
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
        // Single-threaded (see OpenBLASRuntime), so the result does not depend on the thread count.
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

    public func cholesky(_ a: Matrix) throws -> CholeskyFactor {
        let routine = "LAPACKE_dpotrf"
        guard a.rows == a.columns else {
            throw LinearAlgebraError.shapeMismatch(routine: routine, detail: "the matrix is \(a.rows)x\(a.columns), not square")
        }
        let n = a.rows
        if let at = upperNaN(a) { throw LinearAlgebraError.nanInInput(routine: routine, row: at.0, column: at.1) }
        if n == 0 { return CholeskyFactor(upper: a) }
        let n32 = try int32(n, routine)
        var u = a
        let info = u.withUnsafeMutableBufferPointer { up in
            LAPACKE_dpotrf(LAPACK_ROW_MAJOR, ccChar("U"), n32, up.baseAddress!, n32)
        }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: routine, position: Int(-info)) }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(routine: routine, order: Int(info)) }
        // dpotrf leaves the strict lower triangle as it was: zero it, as the factor promises.
        for i in 1..<max(1, n) { for j in 0..<i { u[i, j] = 0 } }
        return CholeskyFactor(upper: u)
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

/// A pointer handed to the stripe workers (each writes its own stripe).
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Builds a backend by kind; the executable's `--backend` flag lands here.
public func makeBackend(_ kind: BackendKind, threads: Int) -> any LinearAlgebraBackend {
    switch kind {
    case .openblas: return OpenBLASBackend(threads: threads)
    case .swift: return SwiftBackend(threads: threads)
    }
}

/// The owner of OpenBLAS's process-wide state. `start()` sets its thread count to 1 once, before any
/// work: the backend calls it single-threaded and runs its own workers over fixed blocks (see
/// `OpenBLASBackend`). The executable calls it first thing in `main`; every backend's initialiser
/// calls it too (a no-op after the first time), so library users and tests get the same setting.
///
/// Only the public API is used. It does not stop the pool that OpenBLAS's library constructor starts
/// before `main`: its idle threads spin for about 0.1 s after the library loads (about 33 ms of wall
/// time on two cores, measured on `segment describe` of the customer file). Ending that early took a
/// private symbol looked up with `dlsym`, which the tool no longer does.
public enum OpenBLASRuntime {
    private static let once: Void = { openblas_set_num_threads(1) }()

    /// Sets OpenBLAS's thread count to 1; only the first call does anything.
    public static func start() { _ = once }
}
