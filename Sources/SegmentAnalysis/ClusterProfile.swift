import Foundation
import SegmentCore
import SegmentData
import SegmentModels

/// A cluster explained in the original features: its centre mapped back through the inverse PCA and
/// the inverse scaling to the cleaned features' units, and the features where it differs most from
/// the population mean (in population standard deviations), with what they mean.
public struct ClusterProfile: Codable, Sendable, Equatable {
    public struct Difference: Codable, Sendable, Equatable {
        public var feature: String
        /// The centre's value in the cleaned feature's units.
        public var value: Double
        public var populationMean: Double
        /// (value - mean) / population standard deviation.
        public var standardized: Double
        /// What the feature measures.
        public var meaning: String
    }

    public var cluster: Int
    /// Every feature's centre value (cleaned units), in feature order.
    public var centre: [Double]
    /// Every feature's standardized difference, in feature order (for the heat map).
    public var standardized: [Double]
    public var top: [Difference]
    /// A few words from the top differences.
    public var summary: String

    /// `meanings`: what each source column measures, by name, for columns the subset's facts do not
    /// describe (the DIAS descriptions of the full layout).
    public static func profiles(centers: Matrix, pca: PCA.Model, scaler: StandardScaler.Model, features: [OutputFeature],
                                backend: any LinearAlgebraBackend, top: Int = 6,
                                meanings: [String: String] = [:]) throws -> [ClusterProfile] {
        let z = try pca.inverseTransform(centers, backend: backend)   // in scaled units
        var original = z
        scaler.inverseTransform(&original, threads: 1)
        return (0..<centers.rows).map { j in
            let zs = z.row(j)
            let order = rankDescending(zs, by: abs)
            let diffs = order.prefix(top).map { i in
                Difference(feature: features[i].name, value: original[j, i], populationMean: scaler.mean[i],
                           standardized: zs[i], meaning: meaning(of: features[i], meanings: meanings))
            }
            let words = diffs.prefix(3).map { d in describe(d, feature: features.first { $0.name == d.feature }!) }
            return ClusterProfile(cluster: j, centre: original.row(j), standardized: zs, top: diffs,
                                  summary: words.joined(separator: "; "))
        }
    }

    /// What a cleaned feature measures, from the schema facts and the engineered-feature table.
    public static func meaning(of f: OutputFeature, meanings: [String: String] = [:]) -> String {
        func of(_ c: String) -> String { AZDIASReference.factsByName[c]?.meaning ?? meanings[c] ?? c }
        switch f.source {
        case let .value(c):
            return of(c)
        case let .binary(c, zero, one):
            return "\(of(c)) (0 = \(zero), 1 = \(one))"
        case let .dummy(c, code):
            return "share with \(c) = \(code): \(of(c))"
        case .engineered:
            return EngineeredFeatures.meanings[f.name] ?? f.name
        case let .year(c):
            return "year of \(c)" + (meanings[c].map { ": \($0)" } ?? "")
        }
    }

    static func describe(_ d: Difference, feature: OutputFeature) -> String {
        let dir = d.standardized > 0 ? "high" : "low"
        switch feature.source {
        case .dummy:
            return String(format: "%@ %@ (%.0f%% vs %.0f%%)", d.feature, d.standardized > 0 ? "common" : "rare",
                          max(0, min(1, d.value)) * 100, d.populationMean * 100)
        default:
            return "\(d.feature) \(dir) (\(fmt(d.value)) vs \(fmt(d.populationMean)): \(d.meaning))"
        }
    }
}
