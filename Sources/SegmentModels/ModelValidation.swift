import SegmentCore
import SegmentData

/// A fitted model that does not hold together, found before it is used: which field, and what is
/// wrong with it. A model file can be edited or damaged; nothing in it is trusted until checked.
public struct ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}

/// The checks the models share.
package enum ModelCheck {
    package static func count(_ field: String, _ actual: Int, _ expected: Int) throws {
        guard actual == expected else {
            throw ModelError(field: field, problem: "has \(actual) entr\(actual == 1 ? "y" : "ies"), expected \(expected)")
        }
    }

    /// Beyond this a fitted value is not one the tool could have written: its square (distances are
    /// sums of squares over at most a few hundred features) would be near the end of double range.
    package static let largest = 1e150

    package static func finite(_ field: String, _ values: [Double]) throws {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelError(field: "\(field)[\(i)]", problem: "is \(values[i]), not a finite number")
        }
        if let i = values.firstIndex(where: { abs($0) > largest }) {
            throw ModelError(field: "\(field)[\(i)]", problem: "is \(values[i]), too large for a fitted value (beyond 1e150)")
        }
    }

    package static func indices(_ field: String, _ values: [Int], below bound: Int) throws {
        if let i = values.firstIndex(where: { $0 < 0 || $0 >= bound }) {
            throw ModelError(field: "\(field)[\(i)]", problem: "is \(values[i]), outside 0..<\(bound)")
        }
    }

    package static func unique(_ field: String, _ values: [String]) throws {
        var seen = Set<String>()
        for v in values where !seen.insert(v).inserted {
            throw ModelError(field: field, problem: "names '\(v)' twice")
        }
    }
}

extension Imputer.Model {
    /// Checks the model against the number of features it is applied to.
    public func validate(features: Int) throws {
        try ModelCheck.count("imputer.fill", fill.count, features)
        try ModelCheck.finite("imputer.fill", fill)
        try ModelCheck.indices("imputer.emptyColumns", emptyColumns, below: features)
    }
}

extension StandardScaler.Model {
    public func validate(features: Int) throws {
        try ModelCheck.count("scaler.mean", mean.count, features)
        try ModelCheck.count("scaler.scale", scale.count, features)
        try ModelCheck.finite("scaler.mean", mean)
        try ModelCheck.finite("scaler.scale", scale)
        if let i = scale.firstIndex(where: { $0 <= 0 }) {
            throw ModelError(field: "scaler.scale[\(i)]", problem: "is \(scale[i]); a scale must be positive")
        }
        try ModelCheck.indices("scaler.constantColumns", constantColumns, below: features)
    }
}

extension PCA.Model {
    /// Checks the model against the number of features; returns the number of components.
    @discardableResult
    public func validate(features: Int) throws -> Int {
        try ModelCheck.count("pca.mean", mean.count, features)
        try ModelCheck.count("pca.components (rows)", components.rows, features)
        guard components.columns >= 1 else { throw ModelError(field: "pca.components", problem: "has no components") }
        try ModelCheck.count("pca.explainedVariance", explainedVariance.count, components.columns)
        try ModelCheck.count("pca.explainedVarianceRatio", explainedVarianceRatio.count, components.columns)
        try ModelCheck.finite("pca.mean", mean)
        try ModelCheck.finite("pca.components", components.storage)
        try ModelCheck.finite("pca.explainedVariance", explainedVariance)
        return components.columns
    }
}

extension KMeans.Model {
    /// Checks the centres against the number of PCA components.
    public func validate(dimensions: Int) throws {
        guard centers.rows >= 1 else { throw ModelError(field: "kmeans.centers", problem: "has no centres") }
        try ModelCheck.count("kmeans.centers (columns)", centers.columns, dimensions)
        try ModelCheck.finite("kmeans.centers", centers.storage)
        // Squared distances of centres this far out overflow to infinity.
        if let i = centers.storage.firstIndex(where: { abs($0) > 1e150 }) {
            throw ModelError(field: "kmeans.centers[\(i)]", problem: "is \(centers.storage[i]), too large to measure distances to")
        }
    }
}

extension LogisticRegression.Model {
    public func validate(dimensions: Int) throws {
        try ModelCheck.count("likeness.coefficients", coefficients.count, dimensions)
        try ModelCheck.finite("likeness.coefficients", coefficients + [intercept])
    }
}

extension CleaningRecipe {
    /// Checks that the recipe holds together: its columns are in its schema, every feature's source
    /// is a kept column, names are unique.
    public func validate() throws {
        let names = schema.features.map(\.name)
        try ModelCheck.unique("recipe.schema", names)
        try ModelCheck.unique("recipe.keptColumns", keptColumns)
        try ModelCheck.unique("recipe.features", features.map(\.name))
        guard !features.isEmpty else { throw ModelError(field: "recipe.features", problem: "is empty") }
        guard rowThreshold >= 0 else { throw ModelError(field: "recipe.rowThreshold", problem: "is negative") }
        let known = Set(names)
        if let c = keptColumns.first(where: { !known.contains($0) }) {
            throw ModelError(field: "recipe.keptColumns", problem: "names '\(c)', which the recipe's schema does not have")
        }
        let kept = Set(keptColumns)
        for (j, f) in features.enumerated() {
            guard kept.contains(f.source.column) else {
                throw ModelError(field: "recipe.features[\(j)]", problem: "reads '\(f.source.column)', which is not a kept column")
            }
            if case let .engineered(c, part) = f.source {
                guard EngineeredFeatures.parts(of: c) != nil, (0...1).contains(part) else {
                    throw ModelError(field: "recipe.features[\(j)]", problem: "is part \(part) of '\(c)', which is not an engineered feature")
                }
            }
        }
    }
}
