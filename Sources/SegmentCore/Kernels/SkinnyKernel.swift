/// The product of a tall row-major matrix with the transpose of a short one — `C = alpha · A · Bᵀ
/// (+ C)` with B at most `maxColumns` rows by `maxDepth` columns — as the k-means distance step
/// and the k-means++ candidates need it (A: a chunk of people x features, B: the centres).
///
/// The general packed kernel copies A into panels first; with only k ≤ 128 products per element
/// that copy costs as much as the arithmetic. Here B is packed once (alpha folded in, zero-padded
/// to three SIMD8 panels) and A's rows are read where they are, four at a time, into twelve
/// SIMD8 accumulators. `make bench` (models stage) measured the Swift backend's Lloyd iteration at
/// k = 20 on 798,015 x 30 at 42 ms with the packed kernel.
/// Every element is one dot product summed in order of k, so a row's result does not depend on how
/// the rows are split between threads.
enum SkinnyKernel {
    static let maxColumns = 24, maxDepth = 128

    static func applies(m: Int, n: Int, k: Int) -> Bool { n >= 1 && n <= maxColumns && k >= 1 && k <= maxDepth }

    /// `dots` (rows.count x centers.rows) = rows `rows` of `x` times `centers`ᵀ, on the calling
    /// thread, when the shape applies; false (and `dots` untouched) otherwise.
    ///
    /// The k-means distance steps call this on every backend, not the backend's GEMM: OpenBLAS
    /// copies (packs) the chunk of rows on every call, and on this shape the copy cost as much as
    /// the product. `segment-bench run --stages linalg` (891,221 x 85 times 20 x 85): OpenBLAS
    /// backend 65.8 ms, this kernel 39.1 ms; a default run's profile had `dgemm_oncopy` at 13.5% of
    /// all cycles. The backends then also agree bit for bit on every distance.
    static func product(_ x: Matrix, rows: Range<Int>, _ centers: Matrix, into dots: inout Matrix) -> Bool {
        let m = rows.count, n = centers.rows, k = x.columns
        guard applies(m: m, n: n, k: k), centers.columns == k, dots.rows == m, dots.columns == n else { return false }
        x.withUnsafeBufferPointer { xb in
            centers.withUnsafeBufferPointer { cb in
                dots.withUnsafeMutableBufferPointer { db in
                    guard m > 0, let out = db.baseAddress else { return }
                    out.update(repeating: 0, count: m * n)
                    gemm(m: m, n: n, k: k, alpha: 1, a: xb.baseAddress! + rows.lowerBound * k, lda: k,
                         b: cb.baseAddress!, ldb: k, c: out, ldc: n, threads: 1)
                }
            }
        }
        return true
    }

    /// C[i, j] += alpha · Σ_t A[i, t] · B[j, t], for A m x k (row stride lda), B n x k (row stride ldb).
    static func gemm(m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                     b: UnsafePointer<Double>, ldb: Int, c: UnsafeMutablePointer<Double>, ldc: Int, threads: Int) {
        precondition(applies(m: m, n: n, k: k))
        let packed = UnsafeMutablePointer<Double>.allocate(capacity: k * maxColumns)
        defer { packed.deallocate() }
        packed.initialize(repeating: 0, count: k * maxColumns)
        for j in 0..<n { for t in 0..<k { packed[t * maxColumns + j] = alpha * b[j * ldb + t] } }
        let panels = (n + 7) / 8
        let bp = UncheckedSendable(UnsafePointer(packed)), ap = UncheckedSendable(a), cp = UncheckedSendable(c)
        let workers = max(1, min(threads, m / 4096))
        parallelFor(workers) { w in
            rows(m * w / workers, m * (w + 1) / workers, n: n, k: k, panels: panels,
                 a: ap.value, lda: lda, b: bp.value, c: cp.value, ldc: ldc)
        }
    }

    @inline(__always)
    static func panel(_ b: UnsafePointer<Double>, _ t: Int, _ p: Int) -> SIMD8<Double> {
        UnsafeRawPointer(b + t * maxColumns + p * 8).loadUnaligned(as: SIMD8<Double>.self)
    }

    static func rows(_ lo: Int, _ hi: Int, n: Int, k: Int, panels: Int, a: UnsafePointer<Double>, lda: Int,
                     b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, ldc: Int) {
        var i = lo
        while i + 4 <= hi {
            let a0 = a + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
            var c00 = SIMD8<Double>(), c01 = SIMD8<Double>(), c02 = SIMD8<Double>()
            var c10 = SIMD8<Double>(), c11 = SIMD8<Double>(), c12 = SIMD8<Double>()
            var c20 = SIMD8<Double>(), c21 = SIMD8<Double>(), c22 = SIMD8<Double>()
            var c30 = SIMD8<Double>(), c31 = SIMD8<Double>(), c32 = SIMD8<Double>()
            switch panels {
            case 1:
                for t in 0..<k {
                    let b0 = panel(b, t, 0)
                    c00.addProduct(SIMD8(repeating: a0[t]), b0); c10.addProduct(SIMD8(repeating: a1[t]), b0)
                    c20.addProduct(SIMD8(repeating: a2[t]), b0); c30.addProduct(SIMD8(repeating: a3[t]), b0)
                }
            case 2:
                for t in 0..<k {
                    let b0 = panel(b, t, 0), b1 = panel(b, t, 1)
                    let x0 = SIMD8(repeating: a0[t]), x1 = SIMD8(repeating: a1[t])
                    let x2 = SIMD8(repeating: a2[t]), x3 = SIMD8(repeating: a3[t])
                    c00.addProduct(x0, b0); c01.addProduct(x0, b1); c10.addProduct(x1, b0); c11.addProduct(x1, b1)
                    c20.addProduct(x2, b0); c21.addProduct(x2, b1); c30.addProduct(x3, b0); c31.addProduct(x3, b1)
                }
            default:
                for t in 0..<k {
                    let b0 = panel(b, t, 0), b1 = panel(b, t, 1), b2 = panel(b, t, 2)
                    let x0 = SIMD8(repeating: a0[t]), x1 = SIMD8(repeating: a1[t])
                    let x2 = SIMD8(repeating: a2[t]), x3 = SIMD8(repeating: a3[t])
                    c00.addProduct(x0, b0); c01.addProduct(x0, b1); c02.addProduct(x0, b2)
                    c10.addProduct(x1, b0); c11.addProduct(x1, b1); c12.addProduct(x1, b2)
                    c20.addProduct(x2, b0); c21.addProduct(x2, b1); c22.addProduct(x2, b2)
                    c30.addProduct(x3, b0); c31.addProduct(x3, b1); c32.addProduct(x3, b2)
                }
            }
            store(c + i * ldc, n, c00, c01, c02)
            store(c + (i + 1) * ldc, n, c10, c11, c12)
            store(c + (i + 2) * ldc, n, c20, c21, c22)
            store(c + (i + 3) * ldc, n, c30, c31, c32)
            i += 4
        }
        while i < hi {
            let a0 = a + i * lda
            var c00 = SIMD8<Double>(), c01 = SIMD8<Double>(), c02 = SIMD8<Double>()
            for t in 0..<k {
                let x0 = SIMD8(repeating: a0[t])
                c00.addProduct(x0, panel(b, t, 0))
                if panels > 1 { c01.addProduct(x0, panel(b, t, 1)) }
                if panels > 2 { c02.addProduct(x0, panel(b, t, 2)) }
            }
            store(c + i * ldc, n, c00, c01, c02)
            i += 1
        }
    }

    @inline(__always)
    static func store(_ row: UnsafeMutablePointer<Double>, _ n: Int, _ p0: SIMD8<Double>, _ p1: SIMD8<Double>, _ p2: SIMD8<Double>) {
        for j in 0..<min(n, 8) { row[j] += p0[j] }
        if n > 8 { for j in 8..<min(n, 16) { row[j] += p1[j - 8] } }
        if n > 16 { for j in 16..<n { row[j] += p2[j - 16] } }
    }
}
