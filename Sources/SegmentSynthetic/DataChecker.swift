import Foundation
import SegmentCore
import SegmentData

/// Compares a loaded population file with the published facts: per-column marginals (total
/// variation distance against `azdias_value_counts.csv`), the deterministic relations between
/// columns, the per-row missing distribution, and the rare-code facts. Used by `segment check` and
/// by the generator's tests.
public struct DataCheck: Codable, Sendable {
    public struct ColumnDeviation: Codable, Sendable {
        public var column: String
        /// Total variation distance between observed and published shares of every raw value
        /// (codes, coded-missing codes and empty cells).
        public var totalVariation: Double
        /// The value whose share is furthest off, with both shares.
        public var worstValue: String
        public var publishedShare: Double
        public var observedShare: Double
        /// The distance a sample of this many rows drawn from the published distribution shows on
        /// average (0.5 Σ sqrt(2/π) sqrt(p(1-p)/n)): at 20,000 rows a 44-level column is ~0.02 off
        /// by chance alone, at 891,221 rows ~0.003.
        public var samplingNoise: Double
        /// The distance beyond twice that noise: what the check judges.
        public var excess: Double { max(0, totalVariation - 2 * samplingNoise) }
    }

    public struct Relation: Codable, Sendable {
        public var name: String
        public var rowsChecked: Int
        public var violations: Int
        public var firstViolationRow: Int?
    }

    public var file: String
    public var rows: Int
    /// Columns with a complete published marginal, worst first.
    public var marginals: [ColumnDeviation]
    public var relations: [Relation]
    /// Share of rows with no missing value (empty or coded) in the 79 columns kept by the notebooks.
    public var completeRowShare: Double
    /// Share of rows with 33 or more missing values in those 79 columns (the published second mode).
    public var highMissingRowShare: Double
    public var gebaeudetyp5Rows: Int

    public var worstTotalVariation: Double { marginals.first?.totalVariation ?? 0 }
    public var brokenRelations: [Relation] { relations.filter { $0.violations > 0 } }

    /// The six columns the notebooks drop, excluded from the per-row figures.
    static let outlierColumns: Set<String> = ["TITEL_KZ", "AGER_TYP", "KK_KUNDENTYP", "KBA05_BAUMAX", "GEBURTSJAHR", "ALTER_HH"]

    public init(table: RawTable) {
        let schema = table.schema
        let n = table.rowCount
        file = table.source
        rows = n
        // Marginals.
        var devs: [ColumnDeviation] = []
        for name in AZDIASReference.completeMarginals.sorted() {
            guard let col = schema.index(of: name), let ref = AZDIASReference.marginals[name] else { continue }
            // Each distinct code counted once (the column's codes are counted, not its rows read).
            var observed: [String: Int] = [:]
            let counted = table.codes.valueCounts(column: col)
            if counted.empty > 0 { observed["<empty>", default: 0] += counted.empty }
            for (v, c) in zip(counted.values, counted.counts) {
                observed[table.code(value: v, column: col)?.description ?? "<empty>", default: 0] += c
            }
            var tv = 0.0, worst = ("", 0.0, 0.0, -1.0), noise = 0.0
            var seen = Set<String>()
            for m in ref {
                let key = m.code?.description ?? "<empty>"
                seen.insert(key)
                let p = Double(m.count) / Double(AZDIASReference.populationRows)
                let q = Double(observed[key] ?? 0) / Double(max(n, 1))
                noise += (2 / Double.pi).squareRoot() * (p * (1 - p) / Double(max(n, 1))).squareRoot()
                tv += abs(p - q)
                if abs(p - q) > worst.3 { worst = (key, p, q, abs(p - q)) }
            }
            for (key, c) in observed where !seen.contains(key) {
                let q = Double(c) / Double(max(n, 1))
                tv += q
                if q > worst.3 { worst = (key, 0, q, q) }
            }
            devs.append(ColumnDeviation(column: name, totalVariation: tv / 2, worstValue: worst.0,
                                        publishedShare: worst.1, observedShare: worst.2, samplingNoise: noise / 2))
        }
        marginals = devs.sorted { $0.totalVariation > $1.totalVariation }

        // Relations. The columns they read, each cell's code as text, made once per column (a
        // code's text is made once, not once per row).
        var described: [String: [String?]] = [:]
        for name in ["GREEN_AVANTGARDE", "PRAEGENDE_JUGENDJAHRE", "LP_STATUS_FEIN", "LP_STATUS_GROB", "LP_FAMILIE_FEIN",
                     "LP_FAMILIE_GROB", "CAMEO_DEU_2015", "CAMEO_DEUG_2015", "CAMEO_INTL_2015"] {
            guard let c = schema.index(of: name) else { continue }
            described[name] = table.codes.mapped(column: c) { table.code(value: $0, column: c)?.description }
        }
        func text(_ r: Int, _ name: String) -> String? { described[name]?[r] ?? nil }
        var rels: [Relation] = []
        func check(_ name: String, _ test: (Int) -> Bool?) {
            var checked = 0, bad = 0, first: Int?
            for r in 0..<n {
                guard let ok = test(r) else { continue }
                checked += 1
                if !ok { bad += 1; if first == nil { first = r } }
            }
            rels.append(Relation(name: name, rowsChecked: checked, violations: bad, firstViolationRow: first))
        }
        let avant: Set<String> = ["2", "4", "6", "7", "9", "11", "13", "15"]
        check("GREEN_AVANTGARDE = avantgarde flag of PRAEGENDE_JUGENDJAHRE") { r in
            guard let ga = text(r, "GREEN_AVANTGARDE") else { return nil }
            let pj = text(r, "PRAEGENDE_JUGENDJAHRE") ?? ""
            return ga == (avant.contains(pj) ? "1" : "0")
        }
        let status = ["1": "1", "2": "1", "3": "2", "4": "2", "5": "2", "6": "3", "7": "3", "8": "4", "9": "4", "10": "5"]
        let family = ["1": "1", "2": "2", "3": "3", "4": "3", "5": "3", "6": "4", "7": "4", "8": "4", "9": "5", "10": "5", "11": "5"]
        for (fine, coarse, map) in [("LP_STATUS_FEIN", "LP_STATUS_GROB", status), ("LP_FAMILIE_FEIN", "LP_FAMILIE_GROB", family)] {
            check("\(coarse) = grouping of \(fine)") { r in
                guard let f = text(r, fine), let m = map[f] else { return nil }
                return text(r, coarse) == m
            }
        }
        check("CAMEO_DEUG_2015 = first character of CAMEO_DEU_2015") { r in
            guard let d = text(r, "CAMEO_DEU_2015") else { return nil }
            return text(r, "CAMEO_DEUG_2015") == (d == "XX" ? "X" : String(d.prefix(1)))
        }
        check("CAMEO_INTL_2015 from CAMEO_DEU_2015") { r in
            guard let d = text(r, "CAMEO_DEU_2015") else { return nil }
            return text(r, "CAMEO_INTL_2015") == (d == "XX" ? "XX" : SyntheticColumns.cameoInternational[d])
        }
        relations = rels

        // Per-row missing counts over the 79 kept columns.
        let kept = schema.features.enumerated().filter { !Self.outlierColumns.contains($0.element.name) }
        let missingSets: [(Int, Set<String>)] = kept.map { ($0.offset, Set($0.element.missingCodes.map(\.description))) }
        let perRow = table.codes.countPerRow(columns: missingSets.map(\.0), threads: ProcessInfoCompat.activeProcessorCount) { k, v in
            guard let code = table.code(value: v, column: missingSets[k].0) else { return true }
            return missingSets[k].1.contains(code.description)
        }
        let complete = perRow.filter { $0 == 0 }.count, high = perRow.filter { $0 >= 33 }.count
        completeRowShare = Double(complete) / Double(max(n, 1))
        highMissingRowShare = Double(high) / Double(max(n, 1))
        var g5 = 0
        if let c = schema.index(of: "GEBAEUDETYP") {
            let counted = table.codes.valueCounts(column: c)
            for (v, count) in zip(counted.values, counted.counts) where table.code(value: v, column: c) == .number(5) { g5 += count }
        }
        gebaeudetyp5Rows = g5
    }

    /// A short human-readable report.
    /// The subset check's rule (`segment check` exits 1 when it fails): every relation holds and no
    /// column's marginal is further than `tolerance` from the published one beyond twice the
    /// distance sampling alone gives at this many rows (total variation distance).
    public func passes(tolerance: Double) -> Bool { brokenRelations.isEmpty && worstExcess <= tolerance }

    /// The column furthest off beyond its sampling noise, and by how much.
    public var worstExcess: Double { marginals.map(\.excess).max() ?? 0 }

    /// One line: PASS or FAIL, and why.
    public func verdict(tolerance: Double) -> String {
        var why: [String] = []
        if !brokenRelations.isEmpty { why.append("\(brokenRelations.count) relation\(brokenRelations.count == 1 ? "" : "s") broken") }
        let worst = marginals.max { $0.excess < $1.excess }
        if worstExcess > tolerance, let w = worst {
            why.append(String(format: "%@ is %.4f off (TVD), %.4f beyond twice its sampling noise at %d rows: above the tolerance %.4f",
                              w.column as NSString, w.totalVariation, w.excess, rows, tolerance))
        }
        return passes(tolerance: tolerance)
            ? String(format: "PASS: every relation holds; no marginal is more than %.4f off beyond its sampling noise (tolerance %.4f)",
                     worstExcess, tolerance)
            : "FAIL: " + why.joined(separator: "; ")
    }

    public func summary(top: Int = 10) -> String {
        var lines: [String] = []
        lines.append("\(file): \(rows) rows")
        lines.append(String(format: "complete rows (79 kept columns): %.1f%% (published 69.9%%); 33+ missing: %.1f%% (published 10.4%%)",
                            completeRowShare * 100, highMissingRowShare * 100))
        lines.append("GEBAEUDETYP = 5 on \(gebaeudetyp5Rows) row(s)")
        lines.append("worst marginal deviations (total variation distance against the published counts):")
        for d in marginals.prefix(top) {
            lines.append(String(format: "  %-24@ TVD %.4f  worst value %@: published %.4f, observed %.4f",
                                d.column as NSString, d.totalVariation, d.worstValue as NSString, d.publishedShare, d.observedShare))
        }
        lines.append("relations:")
        for r in relations {
            lines.append("  \(r.violations == 0 ? "ok    " : "BROKEN") \(r.name): \(r.violations) of \(r.rowsChecked) rows violate it")
        }
        return lines.joined(separator: "\n")
    }
}
