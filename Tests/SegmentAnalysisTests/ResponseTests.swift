import Foundation
import Testing
@testable import SegmentAnalysis
import SegmentData
@testable import SegmentModels

@Suite("Response model helpers")
struct ResponseTests {
    @Test("average precision as scikit-learn computes it")
    func averagePrecision() {
        // Ranked: +, -, +, - : precision 1 at recall 0.5, 2/3 at recall 1.
        #expect(abs(ResponseTrainer.averagePrecision([0.9, 0.8, 0.7, 0.6], labels: [true, false, true, false]) - (0.5 + 0.5 * 2 / 3)) < 1e-12)
        // Perfect ranking: 1; ties count as one threshold.
        #expect(ResponseTrainer.averagePrecision([3, 2, 1], labels: [true, true, false]) == 1)
        #expect(abs(ResponseTrainer.averagePrecision([1, 1, 1, 1], labels: [true, false, false, false]) - 0.25) < 1e-12)
    }

    @Test("stratified folds share out each class evenly, seeded")
    func folds() {
        let labels = (0..<1000).map { $0 % 37 == 0 }
        let f = ResponseTrainer.stratifiedFolds(labels, folds: 5, seed: 1)
        let positives = (0..<5).map { k in labels.indices.filter { f[$0] == k && labels[$0] }.count }
        let rows = (0..<5).map { k in f.filter { $0 == k }.count }
        #expect(positives.max()! - positives.min()! <= 1)
        #expect(rows.max()! - rows.min()! <= 2)
        #expect(f == ResponseTrainer.stratifiedFolds(labels, folds: 5, seed: 1))
        #expect(f != ResponseTrainer.stratifiedFolds(labels, folds: 5, seed: 2))
    }
}

@Suite("Cumulative gains")
struct GainsTests {
    @Test("the share of positives among the top deciles")
    func gains() {
        // 20 rows, 4 positives ranked 1st, 2nd, 5th and 20th.
        var scores = (0..<20).map { Double(20 - $0) }
        var labels = [Bool](repeating: false, count: 20)
        for i in [0, 1, 4, 19] { labels[i] = true }
        let g = ResponseTrainer.cumulativeGains(scores, labels: labels)
        #expect(g[0] == 0.5 && g[1] == 0.5 && g[2] == 0.75 && g[8] == 0.75 && g[9] == 1)
        scores.reverse()
        #expect(ResponseTrainer.cumulativeGains(scores, labels: labels)[0] == 0.25)
    }
}

@Suite("Findings worded in the direction the codes mean")
struct DirectionTests {
    func d(_ feature: String, _ value: Double, _ mean: Double, _ z: Double, _ meaning: String) -> ClusterProfile.Difference {
        .init(feature: feature, value: value, populationMean: mean, standardized: z, meaning: meaning)
    }

    @Test("1 = highest: low codes are more of it; 1 = very low: low codes are less; A ... B scales and labelled codes")
    func directions() {
        #expect(ClusterProfile.directional(d("SEMIO_KULT", 2.19, 4.0, -0.9, "affinity culture-minded, 1 = highest"))
                == "more affinity culture-minded (SEMIO_KULT 2.19 vs 4.00)")
        #expect(ClusterProfile.directional(d("SEMIO_KAEM", 6.2, 4.4, 1.1, "affinity combative, 1 = highest"))
                == "less affinity combative (SEMIO_KAEM 6.20 vs 4.40)")
        #expect(ClusterProfile.directional(d("ARBEIT", 1.5, 3, -1, "community unemployment share, 1 = very low"))
                == "less community unemployment share (ARBEIT 1.50 vs 3.00)")
        #expect(ClusterProfile.directional(d("CAMEO_INTL_2015_WEALTH", 1.75, 3.27, -1.2, "household wealth (1 = wealthy ... 5 = poorer)"))
                == "household wealth towards wealthy (CAMEO_INTL_2015_WEALTH 1.75 vs 3.27)")
        #expect(ClusterProfile.directional(d("M", 0.0, 0.79, -2, "youth movement (1 = mainstream, 0 = avantgarde)"))
                == "youth movement: mostly avantgarde (M 0.00 vs 0.79)")
        #expect(ClusterProfile.directional(d("KBA13_ANZAHL_PKW", 700, 600, 0.5, "number of cars in the PLZ8")) == nil)
    }

    @Test("binary columns are said by what their second code means, at that code's share")
    func binary() {
        func b(_ c: String, _ zero: Code, _ one: Code, _ share: Double, _ pop: Double, _ meaning: String) -> String? {
            ClusterProfile.binaryPhrase(column: c, zero: zero, one: one, share: share, population: pop, meaning: meaning)
        }
        #expect(b("ANREDE_KZ", .number(1), .number(2), 0.06, 0.52, "sex: 1 male, 2 female") == "sex: 6% female (population 52%; ANREDE_KZ)")
        #expect(b("OST_WEST_KZ", .text("O"), .text("W"), 0.8, 0.79, "former East (O) or West (W)") == "80% West (population 79%; OST_WEST_KZ)")
        #expect(b("VERS_TYP", .number(1), .number(2), 0.3, 0.4, "insurance attitude: safety vs risk")
                == "insurance attitude: 30% risk (population 40%; VERS_TYP)")
        #expect(b("GREEN_AVANTGARDE", .number(0), .number(1), 0.95, 0.22, "youth green-avantgarde membership flag")
                == "youth green-avantgarde membership for 95% (population 22%; GREEN_AVANTGARDE)")
        #expect(b("X", .number(0), .number(1), 0.5, 0.5, "something else") == nil)
        // Through describe: the share is the second code's, whichever way the segment leans.
        // As the recipe describes it, with how the codes became 0 and 1.
        #expect(b("GREEN_AVANTGARDE", .number(0), .number(1), 0.95, 0.22, "youth green-avantgarde membership flag (0 = 0, 1 = 1)")
                == "youth green-avantgarde membership for 95% (population 22%; GREEN_AVANTGARDE)")
        #expect(b("X", .number(0), .number(1), 0.95, 0.22, "club membership flag (share with 1: member)")
                == "club membership for 95% (population 22%; X)")
        // A column with its own words says the segment's majority code, whichever way it leans.
        let sex = OutputFeature(name: "ANREDE_KZ", source: .binary(column: "ANREDE_KZ", zero: .number(1), one: .number(2)))
        #expect(ClusterProfile.describe(d("ANREDE_KZ", 0.06, 0.52, -0.9, "sex: 1 male, 2 female (share with 2: female)"), feature: sex)
                == "94% male (population 52%; ANREDE_KZ)")
        #expect(ClusterProfile.trait(d("ANREDE_KZ", 0.88, 0.52, 0.7, ""), feature: sex).words == "88% female")
        // The meaning the recipe gives a two-code column names the second code, never "(0 = 0, 1 = 1)".
        let flag = OutputFeature(name: "GREEN_AVANTGARDE", source: .binary(column: "GREEN_AVANTGARDE", zero: .number(0), one: .number(1)))
        #expect(ClusterProfile.meaning(of: flag) == "youth green-avantgarde membership flag (share with 1: belongs to the green avantgarde)")
        #expect(ClusterProfile.meaning(of: sex) == "sex: 1 male, 2 female (share with 2: female)")
    }

    @Test("reversed scales read by what they mean: low wealth codes are wealthier, low SEMIO codes more affinity")
    func reversedScales() {
        func words(_ f: OutputFeature, _ value: Double, _ mean: Double, _ z: Double) -> String {
            ClusterProfile.trait(d(f.name, value, mean, z, ClusterProfile.meaning(of: f)), feature: f).words
        }
        let wealth = OutputFeature(name: "CAMEO_INTL_2015_WEALTH", source: .engineered(column: "CAMEO_INTL_2015", part: 0))
        #expect(words(wealth, 1.2, 3.27, -1.4) == "wealthier (typically wealthy households)")
        #expect(words(wealth, 4.6, 3.27, 1.1) == "poorer (typically poorer households)")
        let income = OutputFeature(name: "HH_EINKOMMEN_SCORE", source: .value(column: "HH_EINKOMMEN_SCORE"))
        #expect(words(income, 2.7, 4.2, -0.9) == "higher-income")
        #expect(words(income, 5.5, 4.2, 0.8) == "lower-income")
        let culture = OutputFeature(name: "SEMIO_KULT", source: .value(column: "SEMIO_KULT"))
        #expect(words(culture, 2.5, 4.0, -0.8) == "more culture-minded")
        #expect(words(culture, 5.5, 4.0, 0.8) == "less culture-minded")
        let age = OutputFeature(name: "ALTERSKATEGORIE_GROB", source: .value(column: "ALTERSKATEGORIE_GROB"))
        #expect(words(age, 3.7, 2.8, 0.9) == "older (typically over 60)")
        #expect(words(age, 1.9, 2.8, -0.9) == "younger (typically 30-45)")
        let decade = OutputFeature(name: "PRAEGENDE_JUGENDJAHRE_DECADE", source: .engineered(column: "PRAEGENDE_JUGENDJAHRE", part: 0))
        #expect(words(decade, 1.6, 4.3, -1.2) == "of an older generation (typically youth in the 1950s)")
        // A column without words leans towards the named end of its scale (D19_* are the spreadsheet's D19_*_RZ).
        let banks = OutputFeature(name: "D19_BANKEN_ANZ_12", source: .value(column: "D19_BANKEN_ANZ_12"))
        #expect(words(banks, 2.2, 0.7, 1.1) == "higher D19_BANKEN_ANZ_12 (towards very high activity)")
        #expect(words(banks, 0.1, 0.7, -0.5) == "lower D19_BANKEN_ANZ_12 (towards no transactions known)")
        let food = OutputFeature(name: "D19_NAHRUNGSERGAENZUNG", source: .value(column: "D19_NAHRUNGSERGAENZUNG"))
        #expect(words(food, 3, 0.9, 1.1) == "higher D19_NAHRUNGSERGAENZUNG (towards Prospects > 24 months)")
        // The evidence keeps the column, both values and the scale.
        #expect(ClusterProfile.trait(d("HH_EINKOMMEN_SCORE", 2.71, 4.23, -0.9, ClusterProfile.meaning(of: income)), feature: income).phrase
                == "higher-income (HH_EINKOMMEN_SCORE 2.71 vs 4.23; 1 = highest income ... 6 = very low)")
    }

    @Test("one-hot columns: more often where the segment has more of the code, less often where less, by the code's meaning")
    func oneHot() {
        let f = OutputFeature(name: "CAMEO_DEUG_2015_9", source: .dummy(column: "CAMEO_DEUG_2015", code: .number(9)))
        #expect(ClusterProfile.describe(d("CAMEO_DEUG_2015_9", 0.74, 0.14, 1.7, ""), feature: f)
                == "more often urban working class (CAMEO_DEUG_2015 = 9: 74% vs 14%)")
        #expect(ClusterProfile.describe(d("CAMEO_DEUG_2015_9", 0.01, 0.14, -0.4, ""), feature: f)
                == "less often urban working class (CAMEO_DEUG_2015 = 9: 1% vs 14%)")
        // LP_STATUS_GROB's spreadsheet lists the fine codes under merged group cells: code 5 is the fifth group.
        let status = OutputFeature(name: "LP_STATUS_GROB_5", source: .dummy(column: "LP_STATUS_GROB", code: .number(5)))
        #expect(ClusterProfile.trait(d("LP_STATUS_GROB_5", 0.33, 0.13, 0.6, ClusterProfile.meaning(of: status)), feature: status).words
                == "more often top earners")
        // A column the spreadsheet does not know keeps its name and code.
        let other = OutputFeature(name: "NEW_3", source: .dummy(column: "NEW", code: .number(3)))
        #expect(ClusterProfile.describe(d("NEW_3", 0.5, 0.2, 0.9, "share with NEW = 3: new"), feature: other) == "more often NEW = 3 (50% vs 20%)")
    }
}
