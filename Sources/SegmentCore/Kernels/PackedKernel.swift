import Dispatch

// The pure-Swift matrix product: a Goto-style blocked GEMM with packed panels and a 6x8 register
// micro-kernel on SIMD8<Double> (two AVX2 registers or one AVX-512 register per row).
//
// Written by hand rather than taken from a package: no Swift package on these machines provides a
// BLAS-like kernel (swift-numerics has none), and this backend exists precisely to be the pure-Swift
// side of the backend benchmark (`segment bench`), which shows it within 3x of OpenBLAS on the
// pipeline's tall-skinny shapes.

/// A strided read-only view of `op(M)`: element (i, p) is `base[i * rowStride + p * colStride]`.
/// Internal to the kernels; the pointer is valid only inside the closure that made it.
@usableFromInline
struct StridedOperand {
    @usableFromInline let base: UnsafePointer<Double>
    @usableFromInline let rowStride: Int
    @usableFromInline let colStride: Int

    @inlinable init(base: UnsafePointer<Double>, rowStride: Int, colStride: Int) {
        self.base = base
        self.rowStride = rowStride
        self.colStride = colStride
    }
}

enum PackedKernel {
    static let mr = 6
    static let nr = 8
    /// Depth of a packed block: a 6 x 256 A panel (12 KiB) and an 8 x 256 B panel (16 KiB) stay in L1/L2.
    static let kc = 256
    /// Rows of A packed at once (a multiple of `mr`): 96 x 256 doubles = 192 KiB, within L2.
    static let mc = 96
    /// Columns of B packed at once (a multiple of `nr`).
    static let nc = 2048

    /// Packs rows `i0..<i0+mb`, depths `p0..<p0+kb` of op(A) into `mr`-row panels laid out
    /// `[panel][p][r]`, zero-padding the last panel.
    @inline(__always)
    static func packA(_ a: StridedOperand, i0: Int, mb: Int, p0: Int, kb: Int,
                      into dst: UnsafeMutablePointer<Double>) {
        var out = dst
        var i = 0
        while i < mb {
            let rows = min(mr, mb - i)
            if a.colStride == 1 && rows == mr {
                // Rows of A are contiguous along p: gather six streams.
                let r0 = a.base + (i0 + i) * a.rowStride + p0
                let rs = a.rowStride
                for p in 0..<kb {
                    out[0] = r0[p]
                    out[1] = r0[rs + p]
                    out[2] = r0[2 * rs + p]
                    out[3] = r0[3 * rs + p]
                    out[4] = r0[4 * rs + p]
                    out[5] = r0[5 * rs + p]
                    out += mr
                }
            } else if a.rowStride == 1 && rows == mr {
                // op(A) = Aᵀ of a row-major A: the six values of one p are contiguous.
                for p in 0..<kb {
                    let src = a.base + (i0 + i) + (p0 + p) * a.colStride
                    out[0] = src[0]; out[1] = src[1]; out[2] = src[2]
                    out[3] = src[3]; out[4] = src[4]; out[5] = src[5]
                    out += mr
                }
            } else {
                for p in 0..<kb {
                    for r in 0..<mr {
                        out[r] = r < rows ? a.base[(i0 + i + r) * a.rowStride + (p0 + p) * a.colStride] : 0
                    }
                    out += mr
                }
            }
            i += mr
        }
    }

    /// Packs depths `p0..<p0+kb`, columns `j0..<j0+nb` of op(B) into `nr`-column panels laid out
    /// `[panel][p][c]`, zero-padding the last panel.
    @inline(__always)
    static func packB(_ b: StridedOperand, p0: Int, kb: Int, j0: Int, nb: Int,
                      into dst: UnsafeMutablePointer<Double>) {
        var out = dst
        var j = 0
        while j < nb {
            let cols = min(nr, nb - j)
            if b.colStride == 1 && cols == nr {
                for p in 0..<kb {
                    let src = b.base + (p0 + p) * b.rowStride + j0 + j
                    UnsafeMutableRawPointer(out).storeBytes(
                        of: UnsafeRawPointer(src).loadUnaligned(as: SIMD8<Double>.self),
                        as: SIMD8<Double>.self)
                    out += nr
                }
            } else {
                for p in 0..<kb {
                    for c in 0..<nr {
                        out[c] = c < cols ? b.base[(p0 + p) * b.rowStride + (j0 + j + c) * b.colStride] : 0
                    }
                    out += nr
                }
            }
            j += nr
        }
    }

    /// C[0..<rows, 0..<cols] += alpha * (packed A panel) * (packed B panel), over `kb` depths.
    @inline(__always)
    static func microKernel(kb: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
                            c: UnsafeMutablePointer<Double>, ldc: Int,
                            rows: Int, cols: Int, alpha: Double) {
        var c0 = SIMD8<Double>(), c1 = SIMD8<Double>(), c2 = SIMD8<Double>()
        var c3 = SIMD8<Double>(), c4 = SIMD8<Double>(), c5 = SIMD8<Double>()
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kb {
            let bv = pb.loadUnaligned(as: SIMD8<Double>.self)
            c0.addProduct(SIMD8(repeating: pa[0]), bv)
            c1.addProduct(SIMD8(repeating: pa[1]), bv)
            c2.addProduct(SIMD8(repeating: pa[2]), bv)
            c3.addProduct(SIMD8(repeating: pa[3]), bv)
            c4.addProduct(SIMD8(repeating: pa[4]), bv)
            c5.addProduct(SIMD8(repeating: pa[5]), bv)
            pa += 6
            pb += 64
        }
        let av = SIMD8<Double>(repeating: alpha)
        if cols == nr {
            @inline(__always) func store(_ v: SIMD8<Double>, _ r: Int) {
                let dst = UnsafeMutableRawPointer(c + r * ldc)
                let old = UnsafeRawPointer(dst).loadUnaligned(as: SIMD8<Double>.self)
                dst.storeBytes(of: old + av * v, as: SIMD8<Double>.self)
            }
            store(c0, 0)
            if rows > 1 { store(c1, 1) }
            if rows > 2 { store(c2, 2) }
            if rows > 3 { store(c3, 3) }
            if rows > 4 { store(c4, 4) }
            if rows > 5 { store(c5, 5) }
        } else {
            let acc = [c0, c1, c2, c3, c4, c5]
            for r in 0..<rows {
                for j in 0..<cols { c[r * ldc + j] += alpha * acc[r][j] }
            }
        }
    }

    /// `C = alpha * op(A) op(B) + C` for an m x n result over depth k (C already scaled by beta).
    ///
    /// `upperOnly` computes only the micro-tiles that touch the upper triangle (j >= i) of a square
    /// C: the Gram product uses it and mirrors afterwards. `threads > 1` splits the rows of C.
    static func gemm(m: Int, n: Int, k: Int, alpha: Double,
                     a: StridedOperand, b: StridedOperand,
                     c: UnsafeMutablePointer<Double>, ldc: Int,
                     upperOnly: Bool, threads: Int) {
        guard m > 0, n > 0, k > 0, alpha != 0 else { return }
        let ncEff = min(nc, (n + nr - 1) / nr * nr)
        let packBBuf = UnsafeMutablePointer<Double>.allocate(capacity: kc * ncEff)
        defer { packBBuf.deallocate() }
        let rowBlocks = (m + mc - 1) / mc
        let workers = max(1, min(threads, rowBlocks))
        let packABufs = UnsafeMutablePointer<Double>.allocate(capacity: workers * kc * mc)
        defer { packABufs.deallocate() }

        var jc = 0
        while jc < n {
            let nb = min(ncEff, n - jc)
            var pc = 0
            while pc < k {
                let kb = min(kc, k - pc)
                packB(b, p0: pc, kb: kb, j0: jc, nb: nb, into: packBBuf)
                let packedB = UnsafePointer(packBBuf)
                let body: (Int) -> Void = { w in
                    let packA = packABufs + w * kc * mc
                    var blk = w
                    while blk < rowBlocks {
                        let ic = blk * mc
                        let mb = min(mc, m - ic)
                        // Skip A blocks entirely below the diagonal of this column block.
                        if upperOnly && ic >= jc + nb { blk += workers; continue }
                        PackedKernel.packA(a, i0: ic, mb: mb, p0: pc, kb: kb, into: packA)
                        var jr = 0
                        while jr < nb {
                            let cols = min(nr, nb - jr)
                            var ir = 0
                            while ir < mb {
                                let rows = min(mr, mb - ir)
                                let gi = ic + ir, gj = jc + jr
                                if !upperOnly || gj + cols > gi {
                                    microKernel(kb: kb, a: packA + ir * kb, b: packedB + jr * kb,
                                                c: c + gi * ldc + gj, ldc: ldc,
                                                rows: rows, cols: cols, alpha: alpha)
                                }
                                ir += mr
                            }
                            jr += nr
                        }
                        blk += workers
                    }
                }
                if workers == 1 {
                    body(0)
                } else {
                    parallelFor(workers, body)
                }
                pc += kb
            }
            jc += nb
        }
    }
}
