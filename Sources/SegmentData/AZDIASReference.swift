import SegmentCore
/// Published facts about the real AZDIAS data (aggregates only, from public notebooks; see
/// `../shared/reference` in the project's workspace): the schema, the valid codes with a short
/// meaning per feature, the per-code marginal counts and the raw `describe()` statistics. The
/// generator draws from them and the checker compares generated files against them.
public enum AZDIASReference {
    /// Rows of the real population and customer files.
    public static let populationRows = 891_221
    public static let customerRows = 191_652

    /// Columns whose codes are text in the real files (`O`/`W`, `X`, `XX`, `1A`..`9E`).
    public static let textColumns: Set<String> = ["OST_WEST_KZ", "CAMEO_DEUG_2015", "CAMEO_DEU_2015", "CAMEO_INTL_2015"]

    /// Columns pandas reads as int64 (never empty in the real file); every other numeric column is
    /// written float-formatted (`2.0`) because it has empty cells.
    public static let integerColumns: Set<String> = [
        "AGER_TYP", "ALTERSKATEGORIE_GROB", "ANREDE_KZ", "FINANZ_MINIMALIST", "FINANZ_SPARER",
        "FINANZ_VORSORGER", "FINANZ_ANLEGER", "FINANZ_UNAUFFAELLIGER", "FINANZ_HAUSBAUER", "FINANZTYP",
        "GEBURTSJAHR", "GREEN_AVANTGARDE", "HEALTH_TYP", "NATIONALITAET_KZ", "PRAEGENDE_JUGENDJAHRE",
        "SEMIO_SOZ", "SEMIO_FAM", "SEMIO_REL", "SEMIO_MAT", "SEMIO_VERT", "SEMIO_LUST", "SEMIO_ERL",
        "SEMIO_KULT", "SEMIO_RAT", "SEMIO_KRIT", "SEMIO_DOM", "SEMIO_KAEM", "SEMIO_PFLICHT", "SEMIO_TRADV",
        "SHOPPER_TYP", "VERS_TYP", "ZABEOTYP",
    ]

    /// What the reference says of one feature beyond the summary file.
    public struct FeatureFacts: Sendable {
        public var feature: Feature
        /// The valid (non-missing) codes, in order.
        public var validCodes: [Code]
        /// A short meaning of the feature and its codes.
        public var meaning: String
        public var missingFractionPopulation: Double?
        public var missingFractionCustomers: Double?
    }

    /// A raw marginal: a code (or `nil` for an empty cell) and its count in the real population.
    public struct Marginal: Sendable {
        public var code: Code?
        public var count: Int
        public var isMissing: Bool
    }

    /// pandas `describe()` of one raw column.
    public struct Describe: Sendable {
        public var count: Double, mean: Double, std: Double, min: Double, p25: Double, p50: Double, p75: Double, max: Double
    }

    public static let facts: [FeatureFacts] = parseFeatures()
    public static let schema = FeatureSchema(features: facts.map(\.feature))
    public static let factsByName: [String: FeatureFacts] = Dictionary(uniqueKeysWithValues: facts.map { ($0.feature.name, $0) })

    /// Per column, the printed marginal counts (75 columns have them; some lists are partial).
    public static let marginals: [String: [Marginal]] = parseMarginals()
    /// Columns whose printed marginal list is complete (every valid code present, counts sum to N).
    public static var completeMarginals: Set<String> {
        Set(marginals.compactMap { name, list in
            list.reduce(0) { $0 + $1.count } == populationRows ? name : nil
        })
    }
    public static let describe: [String: Describe] = parseDescribe()

    // MARK: parsing the embedded tables

    private static func rows(_ csv: String) -> [[String]] {
        csv.split(separator: "\n").dropFirst().map { line in
            line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        }
    }

    private static func parseFeatures() -> [FeatureFacts] {
        rows(featuresCSV).map { f in
            let missing = FeatureSchema.parseMissingList(f[3]) ?? []
            let feature = Feature(name: f[0], informationLevel: f[1], type: FeatureType(rawValue: f[2])!,
                                  missingCodes: missing)
            return FeatureFacts(feature: feature, validCodes: parseValidCodes(f[4]), meaning: f[5],
                                missingFractionPopulation: Double(f[6]), missingFractionCustomers: Double(f[7]))
        }
    }

    /// `1..3`, `1,2`, `0..5,7,8 (note)`, `O,W`, `1A..1E,2A..2D`, `11..15,21..25 (note)`.
    static func parseValidCodes(_ text: String) -> [Code] {
        let head = text.split(separator: "(").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        var codes: [Code] = []
        for part in head.split(separator: ",") {
            let p = part.trimmingCharacters(in: .whitespaces)
            let ends = p.components(separatedBy: "..")
            if ends.count == 2 {
                if let a = Int(ends[0]), let b = Int(ends[1]), a <= b {
                    codes += (a...b).map { .number($0) }
                } else if let a = ends[0].last?.asciiValue, let b = ends[1].last?.asciiValue,
                          ends[0].dropLast() == ends[1].dropLast(), a <= b {
                    let prefix = String(ends[0].dropLast())
                    codes += (a...b).map { .text(prefix + String(UnicodeScalar($0))) }
                }
            } else if !p.isEmpty {
                codes.append(Code(token: p))
            }
        }
        return codes
    }

    private static func parseMarginals() -> [String: [Marginal]] {
        var out: [String: [Marginal]] = [:]
        for r in rows(valueCountsCSV) where r.count >= 4 {
            guard let count = Int(r[2]) else { continue }          // "(not printed)" rows
            let code: Code? = r[1] == "<empty>" ? nil : Code(token: r[1])
            out[r[0], default: []].append(Marginal(code: code, count: count, isMissing: r[3] == "1"))
        }
        return out
    }

    private static func parseDescribe() -> [String: Describe] {
        var out: [String: Describe] = [:]
        for r in rows(describeCSV) where r.count >= 9 {
            let v = r[1...8].map { Double($0) ?? .nan }
            out[r[0]] = Describe(count: v[0], mean: v[1], std: v[2], min: v[3], p25: v[4], p50: v[5], p75: v[6], max: v[7])
        }
        return out
    }
}

import Foundation
