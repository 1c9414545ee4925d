import SegmentCore
import SegmentData
/// The mapping tables for the mixed features (azdias_facts.md §4). Each table covers every valid
/// code; a code outside it (a file with codes the schema does not list) becomes NaN and is counted.
public enum EngineeredFeatures {
    /// PRAEGENDE_JUGENDJAHRE -> (decade index 1 = 40s ... 6 = 90s, movement 1 = mainstream / 0 = avantgarde).
    public static let praegende: [Int: (decade: Double, movement: Double)] = [
        1: (1, 1), 2: (1, 0), 3: (2, 1), 4: (2, 0), 5: (3, 1), 6: (3, 0), 7: (3, 0), 8: (4, 1),
        9: (4, 0), 10: (5, 1), 11: (5, 0), 12: (5, 1), 13: (5, 0), 14: (6, 1), 15: (6, 0),
    ]

    /// CAMEO_INTL_2015 "XY" -> (wealth X: 1 wealthy ... 5 poorer, life stage Y: 1 pre-family ... 5 elders),
    /// for every code 11...55 with digits 1-5 (the four that never occur included).
    public static let cameoInternational: [String: (wealth: Double, lifeStage: Double)] = {
        var t: [String: (Double, Double)] = [:]
        for w in 1...5 { for l in 1...5 { t["\(w)\(l)"] = (Double(w), Double(l)) } }
        return t
    }()

    /// WOHNLAGE -> (neighbourhood quality 1 very good ... 5 very poor, NaN for rural and for 0 "no
    /// score"; rural flag 1 for 7/8).
    public static let wohnlage: [Int: (quality: Double, rural: Double)] = [
        0: (.nan, 0), 1: (1, 0), 2: (2, 0), 3: (3, 0), 4: (4, 0), 5: (5, 0), 7: (.nan, 1), 8: (.nan, 1),
    ]

    /// PLZ8_BAUMAX / KBA05_BAUMAX -> (family-home scale 1 = mainly 1-2-family ... 4 = mainly 10+-family,
    /// NaN for business; business flag 1 for 5).
    public static let baumax: [Int: (family: Double, business: Double)] = [
        1: (1, 0), 2: (2, 0), 3: (3, 0), 4: (4, 0), 5: (.nan, 1),
    ]

    /// The engineered parts of a mixed column, by name, with their output feature names.
    public static func parts(of column: String) -> [String]? {
        switch column {
        case "PRAEGENDE_JUGENDJAHRE": return ["PRAEGENDE_JUGENDJAHRE_DECADE", "PRAEGENDE_JUGENDJAHRE_MOVEMENT"]
        case "CAMEO_INTL_2015": return ["CAMEO_INTL_2015_WEALTH", "CAMEO_INTL_2015_LIFE_STAGE"]
        case "WOHNLAGE": return ["WOHNLAGE_QUALITY", "WOHNLAGE_RURAL"]
        case "PLZ8_BAUMAX", "KBA05_BAUMAX": return [column + "_FAMILY", column + "_BUSINESS"]
        default: return nil
        }
    }

    /// What the engineered feature means, for reports.
    public static let meanings: [String: String] = [
        "PRAEGENDE_JUGENDJAHRE_DECADE": "decade of youth (1 = 1940s ... 6 = 1990s)",
        "PRAEGENDE_JUGENDJAHRE_MOVEMENT": "youth movement (1 = mainstream, 0 = avantgarde)",
        "CAMEO_INTL_2015_WEALTH": "household wealth (1 = wealthy ... 5 = poorer)",
        "CAMEO_INTL_2015_LIFE_STAGE": "life stage (1 = pre-family ... 5 = elders in retirement)",
        "WOHNLAGE_QUALITY": "neighbourhood quality (1 = very good ... 5 = very poor)",
        "WOHNLAGE_RURAL": "rural neighbourhood (1 = rural)",
        "PLZ8_BAUMAX_FAMILY": "PLZ8 dominant building (1 = 1-2-family ... 4 = 10+-family homes)",
        "PLZ8_BAUMAX_BUSINESS": "PLZ8 mainly business buildings (1 = yes)",
        "KBA05_BAUMAX_FAMILY": "microcell dominant building (1 = 1-2-family ... 4 = 10+-family homes)",
        "KBA05_BAUMAX_BUSINESS": "microcell mainly business buildings (1 = yes)",
    ]

    /// The engineered values of one code of a mixed column (NaN pair when unmapped).
    static func values(column: String, code: Code) -> (Double, Double)? {
        switch column {
        case "PRAEGENDE_JUGENDJAHRE":
            guard let n = code.number, let v = praegende[n] else { return nil }
            return (v.decade, v.movement)
        case "CAMEO_INTL_2015":
            guard let v = cameoInternational[code.description] else { return nil }
            return (v.wealth, v.lifeStage)
        case "WOHNLAGE":
            guard let n = code.number, let v = wohnlage[n] else { return nil }
            return (v.quality, v.rural)
        case "PLZ8_BAUMAX", "KBA05_BAUMAX":
            guard let n = code.number, let v = baumax[n] else { return nil }
            return (v.family, v.business)
        default:
            return nil
        }
    }
}
