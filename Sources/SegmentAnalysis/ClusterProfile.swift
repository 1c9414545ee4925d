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
        let v = pca.components, lambda = pca.explainedVariance
        // Two features are one fact when they move together in the space the segments live in:
        // their correlation there, from the kept components (C = V diag(λ) Vᵀ of the standardised
        // features), at 0.9 or more in size (GREEN_AVANTGARDE and PRAEGENDE_JUGENDJAHRE_MOVEMENT).
        func covariance(_ a: Int, _ b: Int) -> Double {
            (0..<v.columns).reduce(0.0) { $0 + v[a, $1] * lambda[$1] * v[b, $1] }
        }
        func sameFact(_ a: Int, _ b: Int) -> Bool {
            let d = (covariance(a, a) * covariance(b, b)).squareRoot()
            return d > 0 && abs(covariance(a, b)) / d >= 0.9
        }
        return (0..<centers.rows).map { j in
            let zs = z.row(j)
            let order = rankDescending(zs, by: abs)
            var chosen: [Int] = []
            for i in order where chosen.count < top && !chosen.contains(where: { sameFact($0, i) }) { chosen.append(i) }
            let diffs = chosen.map { i in
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
        switch feature.source {
        case .dummy:
            return String(format: "%@ %@ (%.0f%% vs %.0f%%)", d.feature, d.standardized > 0 ? "common" : "rare",
                          max(0, min(1, d.value)) * 100, d.populationMean * 100)
        case let .binary(c, zero, one):
            if let phrase = binaryPhrase(column: c, zero: zero, one: one, share: d.value, population: d.populationMean, meaning: d.meaning) {
                return phrase
            }
            // The share with the second code, and what the column is (without the "(0 = a, 1 = b)").
            var what = d.meaning
            if let r = what.range(of: " (0 = ", options: .backwards) { what = String(what[..<r.lowerBound]) }
            return String(format: "%@ = %@ for %.0f%% (population %.0f%%): %@", c, one.description,
                          max(0, min(1, d.value)) * 100, max(0, min(1, d.populationMean)) * 100, what)
        default:
            if let phrase = directional(d) { return phrase }
            let dir = d.standardized > 0 ? "high" : "low"
            return "\(d.feature) \(dir) (\(fmt(d.value)) vs \(fmt(d.populationMean)): \(d.meaning))"
        }
    }

    /// A two-code column said by what its second code means, when the meaning names it:
    /// "sex: 1 male, 2 female" -> "sex: 6% female (population 52%; ANREDE_KZ)";
    /// "former East (O) or West (W)" -> "80% West (...)"; "insurance attitude: safety vs risk" ->
    /// "insurance attitude: 30% risk (...)"; "... membership flag" -> "youth green-avantgarde
    /// membership for 95% (...)". Nil when the meaning names neither code.
    static func binaryPhrase(column: String, zero: Code, one: Code, share: Double, population: Double, meaning full: String) -> String? {
        // Without the recipe's "(0 = a, 1 = b)" suffix, which says how the codes became 0 and 1.
        var m = full
        if let r = m.range(of: " (0 = ", options: .backwards) { m = String(m[..<r.lowerBound]) }
        let pct = String(format: "%.0f%%", max(0, min(1, share)) * 100)
        let tail = String(format: " (population %.0f%%; %@)", max(0, min(1, population)) * 100, column)
        let concept: String? = m.range(of: ": ").map { String(m[..<$0.lowerBound]) }
        let body = m.range(of: ": ").map { String(m[$0.upperBound...]) } ?? m
        // "1 male, 2 female"
        for part in body.components(separatedBy: ", ") {
            let words = part.split(separator: " ", maxSplits: 1).map(String.init)
            if words.count == 2, words[0] == one.description {
                return (concept.map { "\($0): " } ?? "") + "\(pct) \(words[1])" + tail
            }
        }
        // "West (W)"
        if let r = m.range(of: " (\(one.description))") {
            let before = m[..<r.lowerBound].split(separator: " ")
            if let label = before.last { return "\(pct) \(label)" + tail }
        }
        // "safety vs risk", the codes in order
        if let vs = body.range(of: " vs ") {
            let second = body[vs.upperBound...].trimmingCharacters(in: .whitespaces)
            if !second.isEmpty, zero < one { return (concept.map { "\($0): " } ?? "") + "\(pct) \(second)" + tail }
        }
        // "... flag": the flag's subject, for the share that has it
        if m.hasSuffix(" flag"), one.description == "1" {
            return "\(m.dropLast(5)) for \(pct)" + tail
        }
        return nil
    }

    /// A difference said in the direction its codes mean, when the meaning says which end is which:
    /// "<concept>, 1 = highest" (low codes are more of it: SEMIO_*, FINANZ_*, HH_EINKOMMEN_SCORE),
    /// "<concept>, 1 = very low" (low codes are less of it), or "(1 = A ... 5 = B)" (towards A or B).
    /// So "SEMIO_KULT low (1 = highest)" reads "more affinity culture-minded", not "low".
    static func directional(_ d: Difference) -> String? {
        let m = d.meaning
        let lowCodes = d.standardized < 0
        let numbers = "(\(d.feature) \(fmt(d.value)) vs \(fmt(d.populationMean)))"
        if let range = m.range(of: "(1 = "), let dots = m.range(of: " ... ", range: range.upperBound..<m.endIndex),
           let close = m.range(of: ")", range: dots.upperBound..<m.endIndex) {
            let concept = m[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let first = String(m[range.upperBound..<dots.lowerBound])
            var last = String(m[dots.upperBound..<close.lowerBound])
            if let eq = last.range(of: " = ") { last = String(last[eq.upperBound...]) }
            return "\(concept) towards \(lowCodes ? first : last) \(numbers)"
        }
        // "(1 = mainstream, 0 = avantgarde)": the label of the code nearest the segment's value.
        if let open = m.range(of: "("), m.hasSuffix(")"), m[open.upperBound...].contains(" = ") {
            let inner = m[open.upperBound..<m.index(before: m.endIndex)]
            let pairs = inner.components(separatedBy: ", ").compactMap { part -> (Double, String)? in
                let kv = part.components(separatedBy: " = ")
                guard kv.count == 2, let v = Double(kv[0]) else { return nil }
                return (v, kv[1])
            }
            if pairs.count >= 2, let nearest = pairs.min(by: { abs($0.0 - d.value) < abs($1.0 - d.value) }) {
                let concept = m[..<open.lowerBound].trimmingCharacters(in: .whitespaces)
                return "\(concept): mostly \(nearest.1) \(numbers)"
            }
        }
        guard let comma = m.range(of: ", 1 = ", options: .backwards) else { return nil }
        let concept = String(m[..<comma.lowerBound])
        let top = String(m[comma.upperBound...])
        let highFirst = ["highest", "strongest", "most", "very high", "upper class", "wealthy"].contains(top)
        let lowFirst = ["very low", "lowest", "least", "weakest"].contains(top)
        guard highFirst || lowFirst else { return nil }
        let more = lowCodes == highFirst
        return "\(more ? "more" : "less") \(concept) \(numbers)"
    }
}
