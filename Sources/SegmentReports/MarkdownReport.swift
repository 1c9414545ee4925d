import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis

/// `report.md`: the report's findings as tables, for a terminal or a repository.
public enum MarkdownReport {
    public static func render(_ s: RunSummary) -> String {
        var o: [String] = []
        o.append("# Customer segments\n")
        o.append("\(s.inputs.population) (\(s.inputs.populationRows) people) against \(s.inputs.customers) (\(s.inputs.customerRows) customers); \(s.kmeans.k) segments.\n")
        o.append("## Who to target\n")
        for (i, t) in Findings.targets(s).enumerated() { o.append("\(i + 1). \(t)") }
        if !s.segments.targets.isEmpty { o.append("") }
        o.append(Findings.reach(s) + "\n")
        o.append("**Coverage.** " + Findings.coverage(s) + "\n")
        if let l = Findings.likeness(s) { o.append(l + "\n") }
        o.append("## Findings\n")
        for g in s.segments.over {
            o.append("- **Customers are \(fmt(g.ratio, 1))x over-represented in \(HTMLReport.groupLabel(g))**: " + (g.cluster.map { s.profiles[$0].summary } ?? ""))
        }
        for g in s.segments.under {
            o.append("- **Customers are \(fmt(1 / max(g.ratio, 1e-9), 1))x under-represented in \(HTMLReport.groupLabel(g))**: " + (g.cluster.map { s.profiles[$0].summary } ?? ""))
        }
        o.append("\nRule: \(s.representationRule).\n")
        o.append("## Segments\n")
        o.append("Shares of the \(s.segments.populationCharacterisedRows) people and \(s.segments.customerCharacterisedRows) customers the segments describe; the high-missing line is of all rows. The last column is the ratio over all rows, high-missing rows included.\n")
        o.append("| group | population | customers | ratio | 95% interval | difference (pp) | | ratio (all rows) |")
        o.append("|---|---:|---:|---:|---|---:|---|---:|")
        for g in s.segments.groups {
            o.append("| \(HTMLReport.groupLabel(g)) | \(g.populationCount) (\(fmt(g.populationShare * 100, 2))%) | \(g.customerCount) (\(fmt(g.customerShare * 100, 2))%) | \(fmt(g.ratio, 2)) | \(fmt(g.ratioLow, 2))-\(fmt(g.ratioHigh, 2)) | \(fmt(g.difference * 100, 2)) [\(fmt(g.differenceLow * 100, 2)), \(fmt(g.differenceHigh * 100, 2))] | \(g.representation) | \(fmt(g.ratioOfAll, 2)) |")
        }
        o.append("\n## What the segments look like\n")
        for p in s.profiles {
            o.append("### segment \(p.cluster)\n")
            o.append(Findings.persona(s, p) + "\n")
            o.append("| feature | segment | population | difference (SD) | meaning |")
            o.append("|---|---:|---:|---:|---|")
            for d in p.top {
                o.append("| \(d.feature) | \(fmt(d.value, 2)) | \(fmt(d.populationMean, 2)) | \(fmt(d.standardized, 2)) | \(d.meaning.replacingOccurrences(of: "|", with: "/")) |")
            }
            o.append("")
        }
        if let aside = s.inputs.customerColumnsBySegment, !aside.isEmpty {
            o.append("## The customers' own columns, by segment\n")
            o.append("Shares among each segment's customers (the customers file's extra columns; not features).\n")
            for a in aside {
                o.append("| \(a.column) | " + a.values.joined(separator: " | ") + " | customers |")
                o.append("|---|" + a.values.map { _ in "---:" }.joined(separator: "|") + "|---:|")
                o.append("| all customers | " + a.values.map { fmt((a.overall[$0] ?? 0) * 100, 1) + "%" }.joined(separator: " | ") + " | |")
                for g in a.groups where g.customers > 0 {
                    o.append("| \(g.cluster.map { "segment \($0)" } ?? "high-missing") | " + a.values.map { fmt((g.shares[$0] ?? 0) * 100, 1) + "%" }.joined(separator: " | ") + " | \(g.customers) |")
                }
                o.append("")
            }
        }
        let a = s.cleaning.assessment
        o.append("## Cleaning\n")
        o.append("\(a.rows) population rows; split at more than \(a.rowThreshold) missing values (\(a.rowThresholdRule)): \(a.lowMissingRows) clustered, \(a.highMissingRows) high-missing. \(s.cleaning.features.count) features after encoding.\n")
        o.append("| column | missing | dropped |")
        o.append("|---|---:|---|")
        for c in a.columns.sorted(by: { $0.missingFraction > $1.missingFraction }) where c.missingFraction > 0 || c.dropped != nil {
            o.append("| \(c.name) | \(fmt(c.missingFraction * 100, 2))% | \(c.dropped ?? "") |")
        }
        o.append("\nCo-missing groups:\n")
        for g in a.coMissingGroups { o.append("- \(g.rowsMissingInAll) rows: \(g.columns.joined(separator: ", "))") }
        if let types = s.inputs.columnTypes {
            o.append("\n## Columns of the full layout\n")
            let placed = types.filter { $0.type != nil }
            o.append("\(placed.count) of \(types.count) columns typed" + ((s.inputs.metadataFiles ?? []).isEmpty ? " without DIAS metadata" : " with the DIAS metadata (\((s.inputs.metadataFiles ?? []).joined(separator: ", ")))") + ".\n")
            o.append("| column | type | typed by | metadata name | why | missing codes |")
            o.append("|---|---|---|---|---|---|")
            for d in types {
                o.append("| \(d.column) | \(d.type?.rawValue ?? "left out") | \(d.source.rawValue) | \(d.metadataName.map { $0 == d.column ? "=" : $0 } ?? "-") (\(d.metadataMatch.rawValue)) | \(d.reason.replacingOccurrences(of: "|", with: "/")) | \(d.missingCodes.joined(separator: ", ")) |")
            }
        }
        o.append("\n## Principal components\n")
        o.append("\(s.pca.components) components (\(s.pca.selection)) explain \(fmt(s.pca.explainedVarianceRatioTotal * 100, 1))% of the variance.\n")
        o.append("| component | explained | cumulative | top positive | top negative |")
        o.append("|---:|---:|---:|---|---|")
        for c in s.pca.perComponent.prefix(10) {
            o.append("| \(c.index) | \(fmt(c.explainedVarianceRatio * 100, 2))% | \(fmt(c.cumulativeRatio * 100, 1))% | \(c.topPositive.prefix(3).map { "\($0.feature) \(fmt($0.weight, 3))" }.joined(separator: ", ")) | \(c.topNegative.prefix(3).map { "\($0.feature) \(fmt($0.weight, 3))" }.joined(separator: ", ")) |")
        }
        if s.sweep == nil {
            o.append("\n## k sweep\n")
            o.append(Findings.noSweep(s) + "\n")
        }
        if let sw = s.sweep {
            o.append("\n## k sweep\n")
            o.append("Suggested k = \(sw.suggestedK) (\(sw.rule)); chosen k = \(s.kmeans.k). On \(sw.rows) rows.\n")
            o.append("Each criterion alone: knee \(sw.kneeK.map(String.init) ?? "-"), customer-information plateau \(sw.informationK.map(String.init) ?? "-"), largest silhouette \(sw.silhouetteK.map(String.init) ?? "-"), largest Calinski-Harabasz \(sw.calinskiHarabaszK.map(String.init) ?? "-").\n")
            o.append("Customer information: how much the segments tell customers from the population (Jensen-Shannon divergence of the two files' segment shares, bits); where it stops rising, more segments find no new customer structure.\n")
            o.append("| k | inertia | mean distance | silhouette | Calinski-Harabasz | customer information | iterations |")
            o.append("|---:|---:|---:|---:|---:|---:|---:|")
            for p in sw.points {
                o.append("| \(p.k) | \(fmt(p.inertia, 1)) | \(fmt(p.meanDistance, 4)) | \(p.silhouette.map { fmt($0, 3) } ?? "") | \(p.calinskiHarabasz.map { fmt($0, 1) } ?? "") | \(p.customerInformation.map { fmt($0, 4) } ?? "") | \(p.iterations) |")
            }
        }
        let d = s.kmeans.diagnostics
        o.append("\n## k-means\n")
        if let ari = s.plantedARI {
            o.append("Against the generator's planted segments (`--truth`): adjusted Rand index \(fmt(ari, 3)) over the low-missing rows.\n")
        }
        o.append("k = \(s.kmeans.k), inertia \(fmt(s.kmeans.inertia, 1)), \(s.kmeans.iterations) iterations (best of \(s.kmeans.nInit)); converged: \(!d.didNotConverge ? "yes" : "no"); empty clusters relocated: \(d.emptyClustersRelocated); distinct centres: \(d.distinctCenters).")
        return o.joined(separator: "\n") + "\n"
    }
}

/// The assignment files: one line per data row (`row`, 0-based like the generator's truth files and
/// a pandas index), the person id when the file has one, the segment (`cluster`: an integer, -1 for
/// high-missing rows, as scikit-learn marks noise), `high_missing` (`true`/`false`, which pandas reads
/// as booleans) and the distance to the centre (empty for high-missing rows). With a comparison,
/// each row also gets its group's numbers: `customer_share` and `segment_ratio` among the people the
/// segments describe (the high-missing group: among all rows), which is the row's customer-likeness
/// score, and the same over all rows (`customer_share_all_rows`, `segment_ratio_all_rows`). A model
/// saved before the comparison was kept gives the one `customer_share` column it has (over all rows).
public enum AssignmentsCSV {
    public static func render(_ a: Assignments, comparison: SegmentComparison? = nil,
                              allRowsCustomerShares: [Double]? = nil, threads: Int = 1) -> [UInt8] {
        var out: [UInt8] = []
        stream(a, comparison: comparison, allRowsCustomerShares: allRowsCustomerShares, threads: threads) { out += $0 }
        return out
    }

    /// Rows per block a worker formats at a time when streaming (~18 MB of text with the
    /// comparison's columns): the text held at once is a block per worker, not the whole file
    /// (1.4 GB for 20 M rows, which rendered whole and joined took 2.8 GB at the end of a run).
    public static let streamRows = 262_144

    /// The same bytes as `render`, handed to `sink` in order, a block of rows per worker at a time.
    public static func stream(_ a: Assignments, comparison: SegmentComparison? = nil,
                              allRowsCustomerShares: [Double]? = nil, threads: Int = 1, blockRows: Int = streamRows,
                              to sink: ([UInt8]) throws -> Void) rethrows {
        var header = "row," + (a.ids.map { $0.name + "," } ?? "") + "cluster,high_missing,distance"
        if comparison != nil {
            header += ",customer_share,segment_ratio,customer_share_all_rows,segment_ratio_all_rows"
        } else if allRowsCustomerShares != nil {
            header += ",customer_share"
        }
        let withLikeness = !a.likeness.isEmpty
        if withLikeness { header += ",customer_likeness" }
        try sink(Array((header + "\n").utf8))
        // Each group's columns, formatted once.
        let extra: [String]? = comparison.map { c in
            c.groups.map { g in
                "," + [g.customerShare, g.ratio, g.customerShareOfAll, g.ratioOfAll].map { String(format: "%.6f", $0) }
                    .joined(separator: ",")
            }
        } ?? allRowsCustomerShares.map { shares in shares.map { "," + String(format: "%.6f", $0) } }
        let k = (extra?.count ?? 1) - 1
        let extraBytes = extra?.map { Array($0.utf8) }
        let comma = UInt8(ascii: ","), highMissing = Array("-1,true,".utf8), placed = Array(",false,".utf8)
        // Row blocks formatted at once and handed on in order: the bytes do not depend on the thread
        // count or the block size.
        let n = a.group.count, span = Swift.max(1, threads) * Swift.max(1, blockRows)
        for start in stride(from: 0, to: n, by: span) {
            let parts = RowBlocks(rows: Swift.min(n, start + span) - start, threads: threads, minRows: 65_536).map { block -> [UInt8] in
            let rows = (start + block.lowerBound)..<(start + block.upperBound)
            var part: [UInt8] = []
            part.reserveCapacity(rows.count * (comparison == nil ? 24 : 64))
            for i in rows {
                let g = a.group[i]
                DecimalText.appendInt(i, to: &part)
                part.append(comma)
                if let ids = a.ids {
                    if let id = ids.values[i] { DecimalText.appendInt(id, to: &part) }
                    part.append(comma)
                }
                if g < 0 {
                    part.append(contentsOf: highMissing)
                } else {
                    DecimalText.appendInt(Int(g), to: &part)
                    part.append(contentsOf: placed)
                    DecimalText.appendG(a.distance[i], significant: 9, to: &part)
                }
                if let extraBytes { part.append(contentsOf: extraBytes[g < 0 ? k : Int(g)]) }
                if withLikeness {
                    part.append(comma)
                    if g >= 0 { DecimalText.appendG(a.likeness[i], significant: 6, to: &part) }
                }
                part.append(0x0A)
            }
            return part
            }
            for part in parts { try sink(part) }
        }
    }
}
