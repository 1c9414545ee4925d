/// The Cholesky factor of a symmetric positive definite matrix: upper triangular `U` with
/// `A = Uᵀ U` (row-major; the strict lower triangle is zero). Made by a backend's `cholesky`
/// (LAPACK `dpotrf`, or `Cholesky.factor` in Swift); solving with it is two triangular solves,
/// O(n²), so a factor can be kept and reused (the logistic regression's chord Newton steps).
public struct CholeskyFactor: Sendable {
    public let upper: Matrix

    public init(upper: Matrix) { self.upper = upper }

    /// `x` with `A x = b`.
    public func solve(_ b: [Double]) -> [Double] {
        let n = upper.rows
        precondition(b.count == n, "CholeskyFactor.solve: \(b.count) values for an order-\(n) factor")
        // Uᵀ y = b (forward), then U x = y (backward).
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= upper[k, i] * y[k] }
            y[i] = s / upper[i, i]
        }
        var x = y
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for k in (i + 1)..<n { s -= upper[i, k] * x[k] }
            x[i] = s / upper[i, i]
        }
        return x
    }
}

/// The pure-Swift Cholesky factorisation (the Swift backend's `cholesky`).
public enum Cholesky {
    /// Factors `a` (only its upper triangle is read). Throws `notPositiveDefinite` with the order of
    /// the leading minor that is not, as LAPACK's `info > 0`.
    public static func factor(_ a: Matrix, routine: String = "swift.cholesky") throws -> CholeskyFactor {
        let n = a.rows
        guard a.columns == n else {
            throw LinearAlgebraError.shapeMismatch(routine: routine, detail: "the matrix is \(a.rows)x\(a.columns), not square")
        }
        // Row-oriented upper Cholesky: row i of U from the rows above it (a dot product of two
        // contiguous column strips would be the blocked form; at the orders used, <= ~600, the
        // O(n³/3) loop takes tens of milliseconds against a SYRK of seconds).
        var u = Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in i..<n {
                let v = a[i, j]
                if v.isNaN { throw LinearAlgebraError.nanInInput(routine: routine, row: i, column: j) }
                u[i, j] = v
            }
        }
        for i in 0..<n {
            var d = u[i, i]
            for k in 0..<i { d -= u[k, i] * u[k, i] }
            guard d > 0, d.isFinite else { throw LinearAlgebraError.notPositiveDefinite(routine: routine, order: i + 1) }
            let pivot = d.squareRoot()
            u[i, i] = pivot
            for j in (i + 1)..<n {
                var s = u[i, j]
                for k in 0..<i { s -= u[k, i] * u[k, j] }
                u[i, j] = s / pivot
            }
        }
        return CholeskyFactor(upper: u)
    }
}
