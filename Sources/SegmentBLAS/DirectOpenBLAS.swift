import COpenBLAS
import SegmentCore

/// The bare OpenBLAS calls, made with no backend in between: the baseline the benchmark holds the
/// `OpenBLASBackend` against ("within 10% of the same calls made directly"). Benchmark use only,
/// behind an SPI: each call runs OpenBLAS's own threads and sets the count back to 1 before it
/// returns, so the backend's calls in the same process stay single-threaded.
@_spi(Benchmarks)
public enum DirectOpenBLAS {
    /// `cblas_dgemm` on row-major storage: C (m x n) = A (m x k) · Bᵀ (B is n x k).
    public static func gemmABt(a: [Double], b: [Double], c: inout [Double], m: Int, n: Int, k: Int, threads: Int) {
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                                1, ap.baseAddress, Int32(k), bp.baseAddress, Int32(k), 0, cp.baseAddress, Int32(n))
                }
            }
        }
    }

    /// `cblas_dsyrk`: C (p x p, upper) = Aᵀ A for a row-major n x p A.
    public static func syrk(a: [Double], c: inout [Double], n: Int, p: Int, threads: Int) {
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(p), Int32(n),
                            1, ap.baseAddress, Int32(p), 0, cp.baseAddress, Int32(p))
            }
        }
    }

    /// `LAPACKE_dsyevr` for all eigenpairs of an n x n symmetric matrix (destroys `a`).
    @discardableResult
    public static func syevr(a: inout [Double], n: Int, threads: Int) -> Int32 {
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n * n)
        var isuppz = [Int32](repeating: 0, count: 2 * n)
        var m: Int32 = 0
        return a.withUnsafeMutableBufferPointer { ap in
            LAPACKE_dsyevr(LAPACK_ROW_MAJOR, CChar(86) /* V */, CChar(65) /* A */, CChar(85) /* U */,
                           Int32(n), ap.baseAddress, Int32(n), 0, 0, 0, 0,
                           Double.leastNormalMagnitude, &m, &w, &z, Int32(n), &isuppz)
        }
    }
}
