import SegmentCore
import SegmentData

/// What a fit may use: the linear-algebra backend and the number of worker threads.
public struct FitContext: Sendable {
    public var backend: any LinearAlgebraBackend
    public var threads: Int

    public init(backend: any LinearAlgebraBackend, threads: Int = ProcessInfoCompat.activeProcessorCount) {
        self.backend = backend
        self.threads = max(1, threads)
    }
}

/// An estimator: the settings of a step (k, a strategy, a seed) that `fit` turns into an immutable,
/// `Codable` fitted model (Spark ML's `Estimator[M]` and `Model`, scikit-learn's `fit` and its fitted
/// attributes). A fitted model applies itself to new data (`transform`, `predict`), so a run can be
/// saved and applied to later files. Every step of the pipeline is one: `CleaningOptions` fits a
/// `CleaningRecipe`, then `Imputer`, `StandardScaler`, `PCA` and `KMeans`.
///
/// Each estimator also keeps its own convenience `fit` (e.g. `KMeans.fit` returns the labels too);
/// this requirement is the common shape a composition of steps can rely on.
public protocol Estimator: Sendable {
    /// What the estimator is fitted on: a matrix, or a raw table for the cleaning recipe.
    associatedtype Input
    /// What `fit` returns.
    associatedtype Model: Codable, Sendable, Equatable

    func fit(_ input: Input, in context: FitContext) throws -> Model
}

extension Imputer {
    public func fit(_ x: Matrix, in context: FitContext) -> Model { fit(x, threads: context.threads) }
}

extension StandardScaler {
    public func fit(_ x: Matrix, in context: FitContext) -> Model { fit(x, threads: context.threads) }
}

extension PCA: Estimator {
    public func fit(_ x: Matrix, in context: FitContext) throws -> Model { try fit(x, backend: context.backend) }
}

extension KMeans: Estimator {
    public func fit(_ x: Matrix, in context: FitContext) throws -> Model { try fit(x, backend: context.backend).model }
}

extension CleaningOptions: Estimator {
    /// The recipe fitted on a population table (without the missing-data assessment; see
    /// `CleaningRecipe.fit` for both).
    public func fit(_ table: RawTable, in context: FitContext) throws -> CleaningRecipe {
        try CleaningRecipe.fitWithoutAssessment(table, options: self, threads: context.threads).0
    }
}
