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
        let low = ClusterProfile.describe(d("ANREDE_KZ", 0.06, 0.52, -0.9, "sex: 1 male, 2 female (0 = 1, 1 = 2)"),
                                          feature: OutputFeature(name: "ANREDE_KZ", source: .binary(column: "ANREDE_KZ", zero: .number(1), one: .number(2))))
        #expect(low == "sex: 6% female (population 52%; ANREDE_KZ)")
    }

    @Test("one-hot columns: common where the segment has more of the code, rare where less")
    func oneHot() {
        let f = OutputFeature(name: "CAMEO_DEUG_2015_9", source: .dummy(column: "CAMEO_DEUG_2015", code: .number(9)))
        #expect(ClusterProfile.describe(d("CAMEO_DEUG_2015_9", 0.74, 0.14, 1.7, ""), feature: f) == "CAMEO_DEUG_2015_9 common (74% vs 14%)")
        #expect(ClusterProfile.describe(d("CAMEO_DEUG_2015_9", 0.01, 0.14, -0.4, ""), feature: f) == "CAMEO_DEUG_2015_9 rare (1% vs 14%)")
    }
}
