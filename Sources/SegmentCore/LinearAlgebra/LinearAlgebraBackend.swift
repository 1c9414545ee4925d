/// Whether an operand of a product is used as stored or transposed.
public enum Transpose: String, Sendable, Codable, CaseIterable {
    case none
    case transpose

    /// The shape of `op(m)` for a stored shape.
    @inlinable
    public func apply(rows: Int, columns: Int) -> (rows: Int, columns: Int) {
        self == .none ? (rows, columns) : (columns, rows)
    }
}

/// Which eigenpairs a symmetric eigen-decomposition returns.
public enum EigenRange: Sendable, Equatable {
    /// Every eigenpair.
    case all
    /// Only the `k` largest eigenvalues and their vectors.
    case largest(Int)
}

/// The eigenpairs of a symmetric matrix, in **descending** order of eigenvalue.
public struct SymmetricEigen: Sendable, Equatable, Codable {
    /// Eigenvalues, largest first.
    public var values: [Double]
    /// Eigenvectors as the **columns** of an n x m matrix, column j belonging to `values[j]`.
    public var vectors: Matrix

    public init(values: [Double], vectors: Matrix) {
        precondition(vectors.columns == values.count, "one eigenvector per eigenvalue")
        self.values = values
        self.vectors = vectors
    }

    /// The eigenvector of `values[j]` as an array.
    public func vector(_ j: Int) -> [Double] { vectors.column(j) }
}

/// An error from a linear-algebra routine, naming the routine.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible, Sendable {
    /// An input of `routine` holds a NaN (at the given row and column when known).
    case nanInInput(routine: String, row: Int?, column: Int?)
    /// The operand shapes do not fit the product.
    case shapeMismatch(routine: String, detail: String)
    /// The eigen-solver did not converge (LAPACK `info > 0`, or the QL iteration limit).
    case noConvergence(routine: String, info: Int)
    /// LAPACK rejected an argument (`info < 0`): the argument's position.
    case illegalArgument(routine: String, position: Int)
    /// A size does not fit the 32-bit integers of the BLAS/LAPACK interface.
    case sizeOverflow(routine: String, value: Int)
    /// A Cholesky factorisation met a leading minor (of this order) that is not positive definite.
    case notPositiveDefinite(routine: String, order: Int)

    public var description: String {
        switch self {
        case let .nanInInput(routine, row, column):
            if let row, let column {
                return "\(routine): the input matrix holds a NaN (first at row \(row), column \(column))"
            }
            return "\(routine): the input matrix holds a NaN"
        case let .shapeMismatch(routine, detail):
            return "\(routine): operand shapes do not fit: \(detail)"
        case let .noConvergence(routine, info):
            return "\(routine): the eigen-solver did not converge (info \(info))"
        case let .illegalArgument(routine, position):
            return "\(routine): argument \(position) has an illegal value"
        case let .sizeOverflow(routine, value):
            return "\(routine): size \(value) does not fit a 32-bit BLAS integer"
        case let .notPositiveDefinite(routine, order):
            return "\(routine): the matrix is not positive definite (leading minor of order \(order))"
        }
    }
}

/// The linear algebra the pipeline needs, implemented once on OpenBLAS/LAPACKE (`SegmentBLAS`) and
/// once in pure Swift (`SwiftBackend`). The backend is chosen at run time, so one binary can run and
/// benchmark both; every estimator takes a backend and nothing above it touches a pointer.
///
/// All matrices are row-major (`Matrix`). Results agree between backends to rounding: products to
/// about 1e-12 relative (summation order differs), eigenvalues to about 1e-10 relative.
public protocol LinearAlgebraBackend: Sendable {
    /// A short name for reports and flags (`openblas`, `swift`).
    var name: String { get }
    /// The number of threads the backend's own kernels use.
    var threads: Int { get }
    /// Facts for reports: for OpenBLAS the core name and build configuration.
    var details: [String: String] { get }

    /// `C[cRows] = alpha * op(A[aRows]) * op(B) + beta * C[cRows]`.
    ///
    /// `aRows` selects a block of A's stored rows (the default is all of them) so a caller can
    /// stream a tall matrix through the product in chunks without copying it; it must be all rows
    /// when A is transposed. `c` must have the shape of the product; when `beta == 0` its old
    /// contents are ignored (NaNs in it do not propagate), as BLAS specifies.
    func gemm(_ transA: Transpose, _ a: Matrix, rows aRows: Range<Int>?,
              _ transB: Transpose, _ b: Matrix,
              alpha: Double, beta: Double, into c: inout Matrix) throws

    /// The Gram matrix `C = alpha * Aᵀ A + beta * C` of A's columns (a p x p result for an n x p A),
    /// through SYRK. Both triangles of C are filled.
    func gram(_ a: Matrix, alpha: Double, beta: Double, into c: inout Matrix) throws

    /// The eigenpairs of the symmetric matrix `a` (only its upper triangle is read), descending.
    /// Throws `LinearAlgebraError.nanInInput` when `a` holds a NaN.
    func symmetricEigen(_ a: Matrix, range: EigenRange) throws -> SymmetricEigen

    /// The Cholesky factor of the symmetric positive definite `a` (only its upper triangle is read).
    func cholesky(_ a: Matrix) throws -> CholeskyFactor

    /// The same backend with another thread count. Estimators that parallelise over row chunks
    /// themselves call it with 1, so there is one level of parallelism at a time.
    func withThreads(_ threads: Int) -> any LinearAlgebraBackend
}

extension LinearAlgebraBackend {
    /// `op(A) * op(B)` as a new matrix.
    public func multiply(_ a: Matrix, _ transA: Transpose = .none,
                         _ b: Matrix, _ transB: Transpose = .none,
                         alpha: Double = 1) throws -> Matrix {
        let (m, _) = transA.apply(rows: a.rows, columns: a.columns)
        let (_, n) = transB.apply(rows: b.rows, columns: b.columns)
        var c = Matrix(rows: m, columns: n)
        try gemm(transA, a, rows: nil, transB, b, alpha: alpha, beta: 0, into: &c)
        return c
    }

    /// `alpha * Aᵀ A` as a new matrix.
    public func gram(_ a: Matrix, alpha: Double = 1) throws -> Matrix {
        var c = Matrix(rows: a.columns, columns: a.columns)
        try gram(a, alpha: alpha, beta: 0, into: &c)
        return c
    }

    /// Checks the operand shapes of `gemm` and returns (m, n, k) of the product.
    public func gemmShape(_ transA: Transpose, _ a: Matrix, rows aRows: Range<Int>?,
                          _ transB: Transpose, _ b: Matrix, c: Matrix,
                          routine: String) throws -> (m: Int, n: Int, k: Int) {
        let aRange = aRows ?? 0..<a.rows
        guard aRange.lowerBound >= 0, aRange.upperBound <= a.rows else {
            throw LinearAlgebraError.shapeMismatch(routine: routine,
                detail: "row range \(aRange) outside A's \(a.rows) rows")
        }
        if transA == .transpose && aRange != 0..<a.rows {
            throw LinearAlgebraError.shapeMismatch(routine: routine,
                detail: "a row block of A cannot be combined with transposing A")
        }
        let (m, ka) = transA.apply(rows: aRange.count, columns: a.columns)
        let (kb, n) = transB.apply(rows: b.rows, columns: b.columns)
        guard ka == kb else {
            throw LinearAlgebraError.shapeMismatch(routine: routine,
                detail: "op(A) is \(m)x\(ka) but op(B) is \(kb)x\(n)")
        }
        guard c.rows == m, c.columns == n else {
            throw LinearAlgebraError.shapeMismatch(routine: routine,
                detail: "C is \(c.rows)x\(c.columns) but the product is \(m)x\(n)")
        }
        return (m, n, ka)
    }

    /// Throws `nanInInput` naming `routine` when `a` holds a NaN.
    public func checkFinite(_ a: Matrix, routine: String) throws {
        if let at = a.firstNaN {
            throw LinearAlgebraError.nanInInput(routine: routine, row: at.row, column: at.column)
        }
    }
}

/// The backends this build offers, by name, for the `--backend` flag.
public enum BackendKind: String, Sendable, Codable, CaseIterable {
    case openblas
    case swift
}
