import SegmentCore
import SegmentData
/// Every decision of the cleaning recipe, each with the default the reports name.
public struct CleaningOptions: Codable, Sendable, Equatable {
    /// How the row split is placed.
    public enum RowThreshold: Codable, Sendable, Equatable, CustomStringConvertible {
        /// At the middle of the gap between the two modes of the per-row missing histogram.
        case auto
        /// Rows with more than this many missing values (over the kept columns) are high-missing.
        case count(Int)

        public var description: String {
            switch self {
            case .auto: return "auto"
            case let .count(n): return String(n)
            }
        }

        public init?(_ text: String) {
            if text == "auto" { self = .auto } else if let n = Int(text), n >= 0 { self = .count(n) } else { return nil }
        }

        /// `"auto"` or a number (before format 3: `{"auto": {}}` or `{"count": {"_0": 40}}`).
        private enum LegacyKeys: String, CodingKey { case auto, count }
        private enum PayloadKeys: String, CodingKey { case _0 }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .auto: try c.encode("auto")
            case let .count(n): try c.encode(n)
            }
        }

        public init(from decoder: any Decoder) throws {
            if let c = try? decoder.singleValueContainer() {
                if let n = try? c.decode(Int.self) { self = .count(n); return }
                if let t = try? c.decode(String.self), t == "auto" { self = .auto; return }
            }
            let keyed = try decoder.container(keyedBy: LegacyKeys.self)
            if keyed.contains(.auto) { self = .auto; return }
            self = .count(try keyed.nestedContainer(keyedBy: PayloadKeys.self, forKey: .count).decode(Int.self, forKey: ._0))
        }
    }

    /// Which of a FEIN/GROB pair is kept.
    public enum FinePairsPolicy: String, Codable, Sendable, CaseIterable {
        case coarse, fine, both
    }

    /// The FEIN/GROB pairs `finePairs` applies to.
    public static let finePairColumns = [("LP_FAMILIE_FEIN", "LP_FAMILIE_GROB"), ("LP_STATUS_FEIN", "LP_STATUS_GROB")]

    /// What happens to categorical columns with more than two levels.
    public enum MultiLevelPolicy: String, Codable, Sendable, CaseIterable {
        case oneHot = "one-hot"
        case drop
    }

    /// What happens to LP_LEBENSPHASE_FEIN / LP_LEBENSPHASE_GROB (mixed: age x income x household).
    public enum LebensphasePolicy: String, Codable, Sendable, CaseIterable {
        /// Dropped, as most published solutions do (the life stage is mixed with income and
        /// household type, and the CAMEO life stage covers it).
        case drop
        /// Kept as ordinal codes.
        case keep
    }

    /// Columns missing on more than this share of population rows are dropped. The default lies
    /// between the six outlier columns of the real data (34.8% and more) and the next tier (17.7%).
    public var columnMissingThreshold: Double = 0.30
    public var rowThreshold: RowThreshold = .auto
    public var multiLevel: MultiLevelPolicy = .oneHot
    /// Multi-level categoricals with more levels than this are dropped even under one-hot
    /// (CAMEO_DEU_2015: 44 levels, whose information CAMEO_DEUG_2015 and the CAMEO_INTL wealth and
    /// life stage keep).
    public var maxOneHotLevels: Int = 20
    public var lebensphase: LebensphasePolicy = .drop
    /// LP_FAMILIE and LP_STATUS come as FEIN columns and GROB columns that are exact groupings of
    /// them; one-hot encoding both counts the same information twice and PCA then turns the
    /// duplicated dummies into leading components. `coarse` (default) keeps the GROB columns only.
    public var finePairs: FinePairsPolicy = .coarse
    /// Columns to drop whatever their missingness.
    public var dropColumns: [String] = []

    public init() {}
}
