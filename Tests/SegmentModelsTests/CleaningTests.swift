import Foundation
import Testing
import SegmentTestSupport
import SegmentCore
import SegmentData
@testable import SegmentModels

let cleaningSchema = FeatureSchema(features: [
    Feature(name: "ORD", informationLevel: "person", type: .ordinal, missingCodes: [.number(-1), .number(0)]),
    Feature(name: "BIN", informationLevel: "person", type: .categorical, missingCodes: [.number(-1)]),
    Feature(name: "OST_WEST_KZ", informationLevel: "building", type: .categorical, missingCodes: [.number(-1)]),
    Feature(name: "CAT", informationLevel: "person", type: .categorical, missingCodes: [.number(0)]),
    Feature(name: "PRAEGENDE_JUGENDJAHRE", informationLevel: "person", type: .mixed, missingCodes: [.number(-1), .number(0)]),
    Feature(name: "CAMEO_INTL_2015", informationLevel: "microcell_rr4", type: .mixed, missingCodes: [.number(-1), .text("XX")]),
    Feature(name: "WOHNLAGE", informationLevel: "building", type: .mixed, missingCodes: [.number(-1)]),
    Feature(name: "PLZ8_BAUMAX", informationLevel: "macrocell_plz8", type: .mixed, missingCodes: [.number(-1), .number(0)]),
    Feature(name: "HIGHMISS", informationLevel: "person", type: .numeric, missingCodes: []),
    Feature(name: "LP_LEBENSPHASE_GROB", informationLevel: "person", type: .mixed, missingCodes: [.number(0)]),
])

let populationCSV = """
ORD;BIN;OST_WEST_KZ;CAT;PRAEGENDE_JUGENDJAHRE;CAMEO_INTL_2015;WOHNLAGE;PLZ8_BAUMAX;HIGHMISS;LP_LEBENSPHASE_GROB
3;1;W;2;14;51;3;1;;5
0;2;O;1;2;XX;7;5;;0
1;1;W;3;5;24;0;3;9;2
-1;-1;-1;0;0;-1;-1;-1;;0
2;2;W;1;8;15;8;2;;3
4;1;O;2;11;33;5;4;;4
;;;;;;;;;
5;2;W;3;15;41;1;;;1

"""

let nan = Double.nan
/// The expected cleaned rows 0, 1, 2, 4, 5, 7 (rows 3 and 6 have 9 missing values: high-missing).
let expectedCleaned: [[Double]] = [
    [3, 0, 1, 0, 1, 0, 6, 1, 5, 1, 3, 0, 1, 0],
    [nan, 1, 0, 1, 0, 0, 1, 0, nan, nan, nan, 1, nan, 1],
    [1, 0, 1, 0, 0, 1, 3, 1, 2, 4, nan, 0, 3, 0],
    [2, 1, 1, 1, 0, 0, 4, 1, 1, 5, nan, 1, 2, 0],
    [4, 0, 0, 0, 1, 0, 5, 0, 3, 3, 5, 0, 4, 0],
    [5, 1, 1, 0, 0, 1, 6, 0, 4, 1, 1, 0, nan, nan],
]

func testOptions() -> CleaningOptions {
    var o = CleaningOptions()
    o.columnMissingThreshold = 0.5
    o.rowThreshold = .count(3)
    return o
}

func fitTiny() throws -> (CleaningRecipe, CleaningAssessment, RawTable) {
    let table = try load(populationCSV, schema: cleaningSchema)
    let (recipe, assessment) = try CleaningRecipe.fit(table, options: testOptions(), threads: 1)
    return (recipe, assessment, table)
}

@Suite("Cleaning recipe")
struct CleaningTests {
    @Test("steps 1-3: missing codes, the column drop, the row split")
    func assessment() throws {
        let (recipe, a, _) = try fitTiny()
        let frac = Dictionary(uniqueKeysWithValues: a.columns.map { ($0.name, $0.missingFraction) })
        #expect(frac["ORD"] == 3.0 / 8)          // 0, -1 and an empty cell
        #expect(frac["BIN"] == 2.0 / 8)
        #expect(frac["OST_WEST_KZ"] == 2.0 / 8)  // the text column's "-1" is a missing code
        #expect(frac["CAMEO_INTL_2015"] == 3.0 / 8)  // XX, -1, empty
        #expect(frac["HIGHMISS"] == 7.0 / 8)
        #expect(recipe.droppedColumns.map(\.name) == ["HIGHMISS", "LP_LEBENSPHASE_GROB"])
        #expect(recipe.droppedColumns.map(\.reason) == [.missing, .lebensphasePolicy])
        #expect(recipe.keptColumns.count == 9)   // LP_LEBENSPHASE_GROB still counts missing values per row
        #expect(a.rowHistogram == [4, 1, 0, 1, 0, 0, 0, 0, 0, 2])
        #expect(a.lowMissingRows == 6 && a.highMissingRows == 2)
    }

    @Test("steps 4-5: the encoded matrix, value by value")
    func encoding() throws {
        let (recipe, _, table) = try fitTiny()
        #expect(recipe.featureNames == ["ORD", "BIN", "OST_WEST_KZ", "CAT_1", "CAT_2", "CAT_3",
                                        "PRAEGENDE_JUGENDJAHRE_DECADE", "PRAEGENDE_JUGENDJAHRE_MOVEMENT",
                                        "CAMEO_INTL_2015_WEALTH", "CAMEO_INTL_2015_LIFE_STAGE",
                                        "WOHNLAGE_QUALITY", "WOHNLAGE_RURAL", "PLZ8_BAUMAX_FAMILY", "PLZ8_BAUMAX_BUSINESS"])
        let cleaned = try recipe.apply(table, threads: 1)
        #expect(cleaned.lowRows == [0, 1, 2, 4, 5, 7])
        #expect(cleaned.highMissingCount == 2 && cleaned.isHighMissing(3) && cleaned.isHighMissing(6))
        for (i, want) in expectedCleaned.enumerated() {
            #expect(sameWithNaN(cleaned.matrix.row(i), want), "row \(i): \(cleaned.matrix.row(i))")
        }
        #expect(cleaned.unseenCodes.isEmpty)
    }

    @Test("customers: same columns in the same order; a customer-only category is all zeros and counted")
    func customers() throws {
        let (recipe, _, _) = try fitTiny()
        // Columns shuffled; CAT 4 and BIN 3 never occur in the population; CAT 3 never in customers.
        let customersCSV = """
        HIGHMISS;LP_LEBENSPHASE_GROB;CAT;ORD;BIN;OST_WEST_KZ;PRAEGENDE_JUGENDJAHRE;CAMEO_INTL_2015;WOHNLAGE;PLZ8_BAUMAX
        ;1;4;2;1;W;14;51;3;1
        ;2;1;3;3;O;1;12;2;5

        """
        let table = try load(customersCSV, schema: cleaningSchema)
        let cleaned = try recipe.apply(table, threads: 1)
        #expect(cleaned.featureNames == recipe.featureNames)
        #expect(sameWithNaN(cleaned.matrix.row(0), [2, 0, 1, 0, 0, 0, 6, 1, 5, 1, 3, 0, 1, 0]))
        #expect(sameWithNaN(cleaned.matrix.row(1), [3, nan, 0, 1, 0, 0, 1, 1, 1, 2, 2, 0, nan, 1]))
        #expect(cleaned.unseenCodes == ["CAT": 1, "BIN": 1])
    }

    @Test("the recipe survives JSON and re-applies bit for bit, whatever the thread count")
    func roundTrip() throws {
        let (recipe, _, table) = try fitTiny()
        let data = try JSONEncoder().encode(recipe)
        let decoded = try JSONDecoder().decode(CleaningRecipe.self, from: data)
        #expect(decoded == recipe)
        let a = try recipe.apply(table, threads: 1), b = try decoded.apply(table, threads: 2)
        #expect(a.matrix.storage.map(\.bitPattern) == b.matrix.storage.map(\.bitPattern))
        #expect(a.lowRows == b.lowRows)
    }

    @Test("one-hot can be replaced by dropping; too many levels drop the column")
    func policies() throws {
        let table = try load(populationCSV, schema: cleaningSchema)
        var o = testOptions()
        o.multiLevel = .drop
        let (dropped, _) = try CleaningRecipe.fit(table, options: o, threads: 1)
        #expect(!dropped.featureNames.contains { $0.hasPrefix("CAT") })
        #expect(dropped.droppedColumns.contains { $0.name == "CAT" && $0.reason == .multiLevelPolicy })
        o = testOptions()
        o.maxOneHotLevels = 2
        let (capped, _) = try CleaningRecipe.fit(table, options: o, threads: 1)
        #expect(capped.droppedColumns.contains { $0.name == "CAT" && $0.reason == .tooManyLevels })
        o = testOptions()
        o.lebensphase = .keep
        o.dropColumns = ["ORD"]
        let (kept, _) = try CleaningRecipe.fit(table, options: o, threads: 1)
        #expect(kept.featureNames.contains("LP_LEBENSPHASE_GROB") && !kept.featureNames.contains("ORD"))
        o.dropColumns = ["NOPE"]
        expectDataError({ _ = try CleaningRecipe.fit(table, options: o, threads: 1) }) {
            $0.description.contains("'NOPE'")
        }
    }

    @Test("the categories of every categorical column, from one pass, at one and two threads")
    func categories() throws {
        // 12,000 rows (several workers), codes that take the presence table and codes that do not
        // (5000, 2.5, -20), missing codes, empty cells, and text codes through the dictionary.
        var lines = ["ORD;BIN;OST_WEST_KZ;CAT;PRAEGENDE_JUGENDJAHRE;CAMEO_INTL_2015;WOHNLAGE;PLZ8_BAUMAX;HIGHMISS;LP_LEBENSPHASE_GROB"]
        var g = SplitMix64(seed: 3)
        let cats = ["0", "1", "2", "7", "5000", "2.5", "-20", ""]
        var expectedCAT = Set<Code>(), expectedOW = Set<Code>()
        for r in 0..<12_000 {
            let cat = r == 11_999 ? "4097" : cats[g.nextInt(below: cats.count)]
            let ow = r < 11_000 ? (g.nextInt(below: 2) == 0 ? "W" : "-1") : "O"
            if cat != "0" && !cat.isEmpty { expectedCAT.insert(Code(token: cat)) }
            if ow != "-1" { expectedOW.insert(Code(token: ow)) }
            lines.append("1;1;\(ow);\(cat);14;51;3;1;1;5")
        }
        let table = try load(lines.joined(separator: "\n") + "\n", schema: cleaningSchema)
        let resolvers = (0..<cleaningSchema.count).map {
            ColumnResolver(table: table, column: $0, codes: [], missingCodes: cleaningSchema.features[$0].missingCodes)
        }
        for threads in [1, 2] {
            let levels = CleaningRecipe.distinctCodes(table, columns: [1, 2, 3], resolvers: resolvers, threads: threads)
            #expect(levels[3] == expectedCAT.sorted())
            #expect(levels[2] == expectedOW.sorted())
            #expect(levels[1] == [.number(1)])
        }
    }

    @Test("the automatic row split sits in the valley between the two modes")
    func autoThreshold() {
        // The published AZDIAS shape (azdias_facts.md §2): 0 NaN 623,209 rows, a dense tail to 24, almost
        // nothing at 25-29, a few hundred at 30-32, and the second mode of 92,945 rows at 33-49.
        var h = [Int](repeating: 0, count: 80)
        for (k, v) in [623_209, 15_738, 27_926, 17_629, 12_607, 22_515, 13_771, 13_714, 24_592].enumerated() { h[k] = v }
        for k in 9...18 { h[k] = 2_420 }
        for k in 19...24 { h[k] = 335 }
        for k in 25...29 { h[k] = 5 }
        h[30] = 138; h[31] = 105; h[32] = 104
        for k in 33...49 { h[k] = k == 43 ? 60_000 : 2_058 }
        let t = CleaningRecipe.autoRowThreshold(h)
        #expect(t >= 25 && t <= 30, "split at \(t)")
        let high = h[(t + 1)...].reduce(0, +)
        #expect(abs(Double(high) / 891_221 - 0.1045) < 0.002)
        // One mode only: nothing is set aside.
        var single = [Int](repeating: 0, count: 10)
        single[0] = 100; single[1] = 10; single[2] = 1
        #expect(CleaningRecipe.autoRowThreshold(single) == 9)
    }

    @Test("every mapping table covers every valid code, code by code")
    func mappings() {
        // PRAEGENDE_JUGENDJAHRE: azdias_facts.md §4.
        let pj: [Int: (Double, Double)] = [1: (1, 1), 2: (1, 0), 3: (2, 1), 4: (2, 0), 5: (3, 1), 6: (3, 0), 7: (3, 0),
                                          8: (4, 1), 9: (4, 0), 10: (5, 1), 11: (5, 0), 12: (5, 1), 13: (5, 0), 14: (6, 1), 15: (6, 0)]
        for code in 1...15 {
            let v = EngineeredFeatures.values(column: "PRAEGENDE_JUGENDJAHRE", code: .number(code))!
            #expect(v.0 == pj[code]!.0 && v.1 == pj[code]!.1, "PJ \(code)")
        }
        for w in 1...5 {
            for l in 1...5 {
                let v = EngineeredFeatures.values(column: "CAMEO_INTL_2015", code: .text("\(w)\(l)"))!
                #expect(v.0 == Double(w) && v.1 == Double(l))
            }
        }
        let wohn: [Int: (Double, Double)] = [0: (nan, 0), 1: (1, 0), 2: (2, 0), 3: (3, 0), 4: (4, 0), 5: (5, 0), 7: (nan, 1), 8: (nan, 1)]
        for (code, want) in wohn {
            let v = EngineeredFeatures.values(column: "WOHNLAGE", code: .number(code))!
            #expect(sameWithNaN([v.0, v.1], [want.0, want.1]), "WOHNLAGE \(code)")
        }
        for column in ["PLZ8_BAUMAX", "KBA05_BAUMAX"] {
            for code in 1...5 {
                let v = EngineeredFeatures.values(column: column, code: .number(code))!
                #expect(sameWithNaN([v.0, v.1], code == 5 ? [nan, 1] : [Double(code), 0]))
            }
        }
        // Coverage: every valid code the reference lists for the mixed columns has a mapping.
        for name in ["PRAEGENDE_JUGENDJAHRE", "CAMEO_INTL_2015", "WOHNLAGE", "PLZ8_BAUMAX", "KBA05_BAUMAX"] {
            for code in AZDIASReference.factsByName[name]!.validCodes {
                let c: Code = name == "CAMEO_INTL_2015" ? .text(code.description) : code
                #expect(EngineeredFeatures.values(column: name, code: c) != nil, "\(name) \(code) unmapped")
            }
        }
        #expect(EngineeredFeatures.values(column: "PRAEGENDE_JUGENDJAHRE", code: .number(16)) == nil)
    }

    @Test("on the generated data: the six outliers go; ~10% of the population and ~26% of customers are high-missing")
    func generated() throws {
        let data = GeneratedData.shared
        let (recipe, assessment) = try CleaningRecipe.fit(data.population)
        let missingDrops = recipe.droppedColumns.filter { $0.reason == .missing }.map(\.name).sorted()
        #expect(missingDrops == ["AGER_TYP", "ALTER_HH", "GEBURTSJAHR", "KBA05_BAUMAX", "KK_KUNDENTYP", "TITEL_KZ"])
        let popShare = Double(assessment.highMissingRows) / Double(assessment.rows)
        #expect(abs(popShare - 0.104) < 0.015, "population high-missing share \(popShare), split at \(assessment.rowThreshold), histogram \(assessment.rowHistogram)")
        let customers = try recipe.apply(data.customers)
        let cusShare = Double(customers.highMissingCount) / Double(customers.rowCount)
        #expect(abs(cusShare - 0.26) < 0.02, "customer high-missing share \(cusShare)")
        #expect(customers.featureNames == recipe.featureNames)
        // GEBAEUDETYP 5 exists once in the population and never in customers: its column is still there.
        #expect(recipe.featureNames.contains("GEBAEUDETYP_5"))
        // Co-missing groups include the PLZ8 block.
        #expect(assessment.coMissingGroups.contains { Set($0.columns).isSuperset(of: ["PLZ8_ANTG1", "PLZ8_GBZ"]) })
    }

}
