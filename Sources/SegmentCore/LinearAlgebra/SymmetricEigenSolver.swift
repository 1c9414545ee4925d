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
        // V starts as the symmetric matrix built from the upper triangle.
        var v = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in i..<n {
                v[i][j] = a[i, j]
                v[j][i] = a[i, j]
            }
        }
        var d = [Double](repeating: 0, count: n)
        var e = [Double](repeating: 0, count: n)
        tridiagonalize(&v, &d, &e)
        // QL rotates pairs of columns of V; keep them as rows of W = Vᵀ so each rotation is contiguous.
        var w = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { w[j * n + i] = v[i][j] } }
        try implicitQL(&w, &d, &e)

        let order = (0..<n).sorted { d[$0] > d[$1] || (d[$0] == d[$1] && $0 < $1) }
        let vectors = Matrix(rows: n, columns: n) { buf in
            for (col, src) in order.enumerated() {
                for i in 0..<n { buf[i * n + col] = w[src * n + i] }
            }
        }
        return SymmetricEigen(values: order.map { d[$0] }, vectors: vectors)
    }

    /// Householder reduction of the symmetric `v` to tridiagonal form. On return `d` is the
    /// diagonal, `e[1...]` the sub-diagonal, and `v` the accumulated orthogonal transformation.
    private static func tridiagonalize(_ v: inout [[Double]], _ d: inout [Double], _ e: inout [Double]) {
        let n = d.count
        for j in 0..<n { d[j] = v[n - 1][j] }
        var i = n - 1
        while i > 0 {
            // Scale the row to avoid under- and overflow.
            var scale = 0.0
            var h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = v[i - 1][j]
                    v[i][j] = 0
                    v[j][i] = 0
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
                for j in 0..<i {
                    f = d[j]
                    v[j][i] = f
                    g = e[j] + v[j][j] * f
                    if j + 1 < i {
                        for k in (j + 1)..<i {
                            g += v[k][j] * d[k]
                            e[k] += v[k][j] * f
                        }
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    for k in j..<i { v[k][j] -= f * e[k] + g * d[k] }
                    d[j] = v[i - 1][j]
                    v[i][j] = 0
                }
            }
            d[i] = h
            i -= 1
        }
        // Accumulate the transformations.
        for i in 0..<(n - 1) {
            v[n - 1][i] = v[i][i]
            v[i][i] = 1
            let h = d[i + 1]
            if h != 0 {
                for k in 0...i { d[k] = v[k][i + 1] / h }
                for j in 0...i {
                    var g = 0.0
                    for k in 0...i { g += v[k][i + 1] * v[k][j] }
                    for k in 0...i { v[k][j] -= g * d[k] }
                }
            }
            for k in 0...i { v[k][i + 1] = 0 }
        }
        for j in 0..<n {
            d[j] = v[n - 1][j]
            v[n - 1][j] = 0
        }
        v[n - 1][n - 1] = 1
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
