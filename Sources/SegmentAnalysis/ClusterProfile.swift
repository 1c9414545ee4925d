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

        public init(feature: String, value: Double, populationMean: Double, standardized: Double, meaning: String) {
            self.feature = feature; self.value = value; self.populationMean = populationMean
            self.standardized = standardized; self.meaning = meaning
        }
    }

    public var cluster: Int
    /// Every feature's centre value (cleaned units), in feature order.
    public var centre: [Double]
    /// Every feature's standardized difference, in feature order (for the heat map).
    public var standardized: [Double]
    public var top: [Difference]
    /// A few words from the top differences, with their numbers.
    public var summary: String
    /// Each top difference in plain words, without numbers ("wealthier", "older (typically over
    /// 60)", "88% female"), in the order of `top`: what a persona is written from.
    public var traits: [String]

    public init(cluster: Int, centre: [Double], standardized: [Double], top: [Difference], summary: String, traits: [String]) {
        self.cluster = cluster; self.centre = centre; self.standardized = standardized
        self.top = top; self.summary = summary; self.traits = traits
    }

    private enum CodingKeys: String, CodingKey { case cluster, centre, standardized, top, summary, traits }

    /// A summary written before `traits` existed (schema 3 from before 0.1.0's personas) reads with none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(cluster: try c.decode(Int.self, forKey: .cluster), centre: try c.decode([Double].self, forKey: .centre),
                  standardized: try c.decode([Double].self, forKey: .standardized), top: try c.decode([Difference].self, forKey: .top),
                  summary: try c.decode(String.self, forKey: .summary),
                  traits: try c.decodeIfPresent([String].self, forKey: .traits) ?? [])
    }

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
            let said = zip(diffs, chosen).map { d, i in trait(d, feature: features[i]) }
            return ClusterProfile(cluster: j, centre: original.row(j), standardized: zs, top: diffs,
                                  summary: said.prefix(3).map(\.phrase).joined(separator: "; "), traits: said.map(\.words))
        }
    }

    /// What a cleaned feature measures, from the schema facts and the engineered-feature table.
    public static func meaning(of f: OutputFeature, meanings: [String: String] = [:]) -> String {
        func of(_ c: String) -> String { AZDIASReference.factsByName[c]?.meaning ?? meanings[c] ?? c }
        switch f.source {
        case let .value(c):
            return of(c)
        case let .binary(c, _, one):
            // The recoded value is the share with the second code.
            return "\(of(c)) (share with \(one)" + (FullReference.codeMeaning(column: c, code: one.description).map { ": \($0)" } ?? "") + ")"
        case let .dummy(c, code):
            return "share with \(c) = \(code)" + (FullReference.codeMeaning(column: c, code: code.description).map { " (\($0))" } ?? "")
                + ": \(of(c))"
        case .engineered:
            return EngineeredFeatures.meanings[f.name] ?? f.name
        case let .year(c):
            return "year of \(c)" + (meanings[c].map { ": \($0)" } ?? "")
        }
    }

    /// A difference in words: `phrase` with its numbers, for the findings, and `words` without
    /// them, for a persona.
    struct Said: Equatable { var words: String; var phrase: String }

    static func describe(_ d: Difference, feature: OutputFeature) -> String { trait(d, feature: feature).phrase }

    static func trait(_ d: Difference, feature: OutputFeature) -> Said {
        let numbers = "\(d.feature) \(fmt(d.value)) vs \(fmt(d.populationMean))"
        switch feature.source {
        case let .dummy(c, code):
            // "more often top earners (LP_STATUS_GROB = 5: 28% vs 10%)", by the code's published meaning.
            var what = FullReference.codeMeaning(column: c, code: code.description) ?? "\(c) = \(code)"
            // A one-word meaning ("indifferent") says what it is of: "indifferent (energy-consumer type)".
            if !what.contains(" "), let colon = d.meaning.range(of: ": ") {
                let concept = d.meaning[colon.upperBound...].replacingOccurrences(of: " (nominal)", with: "")
                if !concept.isEmpty { what += " (\(concept))" }
            }
            let words = "\(d.standardized > 0 ? "more" : "less") often \(what)"
            let shares = String(format: "%.0f%% vs %.0f%%", max(0, min(1, d.value)) * 100, max(0, min(1, d.populationMean)) * 100)
            return Said(words: words, phrase: "\(words) (" + (what.hasPrefix(c + " = ") ? "" : "\(c) = \(code): ") + shares + ")")
        case let .binary(c, zero, one):
            let share = max(0, min(1, d.value)), population = max(0, min(1, d.populationMean))
            let tail = String(format: " (population %.0f%%; %@)", population * 100, c)
            if let w = TraitWords.of(c) {
                // The segment's majority code, with its share: "88% female", "76% male".
                let words = share >= 0.5 ? String(format: "%.0f%% %@", share * 100, w.higher)
                                         : String(format: "%.0f%% %@", (1 - share) * 100, w.lower)
                return Said(words: words, phrase: words + tail)
            }
            if let phrase = binaryPhrase(column: c, zero: zero, one: one, share: d.value, population: d.populationMean, meaning: d.meaning) {
                return Said(words: phrase.replacingOccurrences(of: tail, with: ""), phrase: phrase)
            }
            // The share with the second code, and what the column is.
            let what = withoutRecoding(d.meaning)
            let words = String(format: "%@ = %@ for %.0f%%", c, one.description, share * 100)
            return Said(words: words, phrase: words + String(format: " (population %.0f%%): %@", population * 100, what))
        default:
            let name: String
            switch feature.source {
            case let .value(c): name = c
            default: name = feature.name
            }
            if let w = TraitWords.of(name) {
                let base = d.standardized > 0 ? w.higher : w.lower
                let typical = w.typical(d.value).map { "typically \($0)" }
                let scale = w.scale ?? scaleOf(d.meaning)
                let evidence = [typical, numbers, scale].compactMap { $0 }.joined(separator: "; ")
                return Said(words: base + (typical.map { " (\($0))" } ?? ""), phrase: "\(base) (\(evidence))")
            }
            if let phrase = directional(d) {
                return Said(words: phrase.replacingOccurrences(of: " (\(numbers))", with: ""), phrase: phrase)
            }
            // No words for this column: the direction of its codes, with the end of the scale it
            // leans to where the spreadsheet names the codes ("higher D19_BANKEN_ANZ_12 (towards
            // very high activity)"). A typical code is not said: a mean of skewed codes has none.
            let dir = d.standardized > 0 ? "higher" : "lower"
            if let ends = FullReference.scaleEnds(column: name) {
                let (code, label) = d.standardized > 0 ? ends.last : ends.first
                return Said(words: "\(dir) \(d.feature) (towards \(label))",
                            phrase: "\(dir) \(d.feature) (\(fmt(d.value)) vs \(fmt(d.populationMean)), towards \(code) = \(label): \(d.meaning))")
            }
            return Said(words: "\(dir) \(d.feature)", phrase: "\(d.feature) \(dir) (\(fmt(d.value)) vs \(fmt(d.populationMean)): \(d.meaning))")
        }
    }

    /// A meaning without the recipe's note on how a two-code column became 0 and 1.
    static func withoutRecoding(_ meaning: String) -> String {
        for marker in [" (share with ", " (0 = "] {
            if let r = meaning.range(of: marker, options: .backwards) { return String(meaning[..<r.lowerBound]) }
        }
        return meaning
    }

    /// The scale a meaning states: "(1 = wealthy ... 5 = poorer)" or ", 1 = highest".
    static func scaleOf(_ meaning: String) -> String? {
        if let open = meaning.range(of: "(1 = ") ?? meaning.range(of: "(0 = "),
           let close = meaning.range(of: ")", range: open.upperBound..<meaning.endIndex) {
            return String(meaning[meaning.index(after: open.lowerBound)..<close.lowerBound])
        }
        if let comma = meaning.range(of: ", ", options: .backwards) {
            let rest = meaning[comma.upperBound...]
            if let eq = rest.range(of: " = "), Int(rest[..<eq.lowerBound]) != nil, !rest.contains("missing") { return String(rest) }
        }
        return nil
    }

    /// A two-code column said by what its second code means, when the meaning names it:
    /// "sex: 1 male, 2 female" -> "sex: 6% female (population 52%; ANREDE_KZ)";
    /// "former East (O) or West (W)" -> "80% West (...)"; "insurance attitude: safety vs risk" ->
    /// "insurance attitude: 30% risk (...)"; "... membership flag" -> "youth green-avantgarde
    /// membership for 95% (...)". Nil when the meaning names neither code.
    static func binaryPhrase(column: String, zero: Code, one: Code, share: Double, population: Double, meaning full: String) -> String? {
        let m = withoutRecoding(full)
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
