import Foundation

/// The symmetric eigen-decomposition in pure Swift: Householder reduction to tridiagonal form
/// followed by the implicit QL algorithm with Wilkinson-style shifts (the EISPACK `tred2`/`tql2`
/// pair, as in Golub & Van Loan §8.3 and the JAMA package).
///
/// Backward stable: eigenvalues are accurate to about `n · ε · ‖A‖`, which is 1e-13 relative or
/// better for the few-hundred-row covariance matrices of this pipeline. O(n³) time, O(n²) memory.
enum SymmetricEigenSolver {
    /// All eigenpairs of the symmetric `a` (its upper triangle is read), eigenvalues descending,
    /// eigenvectors as columns.
    static func decompose(_ a: Matrix) throws -> SymmetricEigen {
        let n = a.rows
        if n == 0 { return SymmetricEigen(values: [], vectors: Matrix(rows: 0, columns: 0)) }
        // U = Vᵀ, row-major and flat, starts as the symmetric matrix built from the upper triangle.
        var u = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                u[i * n + j] = a[i, j]
                u[j * n + i] = a[i, j]
            }
        }
        var d = [Double](repeating: 0, count: n)
        var e = [Double](repeating: 0, count: n)
        u.withUnsafeMutableBufferPointer { tridiagonalize($0, n: n, &d, &e) }
        // QL rotates pairs of columns of V: rows of U = Vᵀ, each rotation contiguous.
        try implicitQL(&u, &d, &e)

        let order = (0..<n).sorted { d[$0] > d[$1] || (d[$0] == d[$1] && $0 < $1) }
        let vectors = Matrix(rows: n, columns: n) { buf in
            for (col, src) in order.enumerated() {
                for i in 0..<n { buf[i * n + col] = u[src * n + i] }
            }
        }
        return SymmetricEigen(values: order.map { d[$0] }, vectors: vectors)
    }

    /// Householder reduction of the symmetric matrix to tridiagonal form (EISPACK `tred2`), on
    /// U = Vᵀ stored flat and row-major: `tred2` walks V down its columns, which are U's rows, so
    /// every inner loop here runs over contiguous memory (the arrays-of-arrays version strode
    /// across rows and was 3-8x LAPACK's time). The arithmetic is `tred2`'s, with its two inner
    /// products summed in four running sums so that they vectorise. On return `d` is the diagonal, `e[1...]` the sub-diagonal, and
    /// `u` the transpose of the accumulated orthogonal transformation.
    private static func tridiagonalize(_ u: UnsafeMutableBufferPointer<Double>, n: Int, _ d: inout [Double], _ e: inout [Double]) {
        // V[r][c] is u[c * n + r].
        func row(_ c: Int) -> UnsafeMutablePointer<Double> { u.baseAddress! + c * n }
        for j in 0..<n { d[j] = row(j)[n - 1] }
        var i = n - 1
        while i > 0 {
            // Scale the row to avoid under- and overflow.
            var scale = 0.0
            var h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = row(j)[i - 1]
                    row(j)[i] = 0
                    row(i)[j] = 0
                }
            } else {
                // The Householder vector.
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                // Apply the similarity transformation to the remaining columns.
                d.withUnsafeMutableBufferPointer { dp in
                    e.withUnsafeMutableBufferPointer { ep in
                        for j in 0..<i {
                            let vj = row(j)
                            f = dp[j]
                            row(i)[j] = f
                            // g = e[j] + Σ V[k][j] d[k] over k >= j, in four running sums (so the
                            // loop vectorises), while e[k] += V[k][j] f.
                            var g0 = vj[j] * f, g1 = 0.0, g2 = 0.0, g3 = 0.0
                            var k = j + 1
                            while k + 4 <= i {
                                g0 += vj[k] * dp[k]; ep[k] += vj[k] * f
                                g1 += vj[k + 1] * dp[k + 1]; ep[k + 1] += vj[k + 1] * f
                                g2 += vj[k + 2] * dp[k + 2]; ep[k + 2] += vj[k + 2] * f
                                g3 += vj[k + 3] * dp[k + 3]; ep[k + 3] += vj[k + 3] * f
                                k += 4
                            }
                            while k < i { g0 += vj[k] * dp[k]; ep[k] += vj[k] * f; k += 1 }
                            g = ep[j] + ((g0 + g1) + (g2 + g3))
                            ep[j] = g
                        }
                    }
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                d.withUnsafeMutableBufferPointer { dp in
                    e.withUnsafeMutableBufferPointer { ep in
                        for j in 0..<i {
                            let vj = row(j)
                            f = dp[j]
                            g = ep[j]
                            for k in j..<i { vj[k] -= f * ep[k] + g * dp[k] }
                            dp[j] = vj[i - 1]
                            vj[i] = 0
                        }
                    }
                }
            }
            d[i] = h
            i -= 1
        }
        // Accumulate the transformations.
        for i in 0..<(n - 1) {
            row(i)[n - 1] = row(i)[i]
            row(i)[i] = 1
            let h = d[i + 1]
            let next = row(i + 1)
            if h != 0 {
                for k in 0...i { d[k] = next[k] / h }
                d.withUnsafeBufferPointer { dp in
                    for j in 0...i {
                        let vj = row(j)
                        // g = Σ V[k][i+1] V[k][j], in four running sums.
                        var g0 = 0.0, g1 = 0.0, g2 = 0.0, g3 = 0.0
                        var k = 0
                        while k + 4 <= i + 1 {
                            g0 += next[k] * vj[k]; g1 += next[k + 1] * vj[k + 1]
                            g2 += next[k + 2] * vj[k + 2]; g3 += next[k + 3] * vj[k + 3]
                            k += 4
                        }
                        while k <= i { g0 += next[k] * vj[k]; k += 1 }
                        let g = (g0 + g1) + (g2 + g3)
                        for k in 0...i { vj[k] -= g * dp[k] }
                    }
                }
            }
            for k in 0...i { next[k] = 0 }
        }
        for j in 0..<n {
            d[j] = row(j)[n - 1]
            row(j)[n - 1] = 0
        }
        row(n - 1)[n - 1] = 1
        e[0] = 0
    }

    /// Implicit QL iterations on the tridiagonal (d, e); `w` holds the eigenvectors as rows.
    private static func implicitQL(_ w: inout [Double], _ d: inout [Double], _ e: inout [Double]) throws {
        let n = d.count
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0
        var tst1 = 0.0
        let eps = Double.ulpOfOne
        let maxIterations = 60 * max(n, 1)
        for l in 0..<n {
            // Find a small sub-diagonal element.
            tst1 = max(tst1, abs(d[l]) + abs(e[l]))
            var m = l
            while m < n - 1 {
                if abs(e[m]) <= eps * tst1 { break }
                m += 1
            }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    if iterations > maxIterations {
                        throw LinearAlgebraError.noConvergence(routine: "swift.symmetricEigen", info: l + 1)
                    }
                    // The implicit shift.
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypot(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    if l + 2 < n { for i in (l + 2)..<n { d[i] -= h } }
                    f += h
                    // The implicit QL transformation.
                    p = d[m]
                    var c = 1.0, c2 = 1.0, c3 = 1.0
                    let el1 = e[l + 1]
                    var s = 0.0, s2 = 0.0
                    var i = m - 1
                    while i >= l {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        // Rotate eigenvectors i and i+1 (rows of w).
                        let (cc, ss) = (c, s)
                        w.withUnsafeMutableBufferPointer { buf in
                            let wi = buf.baseAddress! + i * n, wi1 = wi + n
                            for k in 0..<n {
                                let t = wi1[k]
                                wi1[k] = ss * wi[k] + cc * t
                                wi[k] = cc * wi[k] - ss * t
                            }
                        }
                        i -= 1
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while abs(e[l]) > eps * tst1
            }
            d[l] += f
            e[l] = 0
        }
    }
}
