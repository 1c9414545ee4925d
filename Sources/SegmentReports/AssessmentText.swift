import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis

/// Left-justifies (or right-justifies) text in a fixed-width column.
func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    guard s.count < width else { return s }
    let fill = String(repeating: " ", count: width - s.count)
    return right ? fill + s : s + fill
}

extension CleaningAssessment {
    /// A plain-text summary for the terminal (`segment describe`).
    public func text(top: Int = 12) -> String {
        var out: [String] = []
        let dropped = columns.filter { $0.dropped != nil }
        out.append("\(rows) rows, \(columns.count) columns; \(columns.count - dropped.count) used, \(outputFeatures) features after encoding")
        out.append("")
        out.append("Columns by missing share (after converting the missing codes):")
        for c in columns.sorted(by: { $0.missingFraction > $1.missingFraction }).prefix(top) {
            out.append("  " + pad(c.name, 24) + String(format: " %6.2f%%  ", c.missingFraction * 100) + (c.dropped.map { "dropped: " + $0 } ?? ""))
        }
        let otherDrops = dropped.filter { d in !columns.sorted(by: { $0.missingFraction > $1.missingFraction }).prefix(top).contains { $0.name == d.name } }
        for c in otherDrops {
            out.append("  " + pad(c.name, 24) + String(format: " %6.2f%%  dropped: ", c.missingFraction * 100) + c.dropped!)
        }
        out.append("")
        out.append("Co-missing groups (columns missing on nearly the same rows, Jaccard >= \(CleaningAssessment.coMissingJaccard)):")
        for g in coMissingGroups {
            out.append("  \(g.rowsMissingInAll) rows missing in all of: \(g.columns.joined(separator: ", "))")
        }
        out.append("")
        out.append("Missing values per row (over the used columns):")
        let maxCount = rowHistogram.max() ?? 1
        for (m, count) in rowHistogram.enumerated() where count > 0 || m == rowThreshold {
            let bar = String(repeating: "#", count: max(count > 0 ? 1 : 0, Int(50 * Double(count) / Double(maxCount))))
            out.append(String(format: "  %3d %8d ", m, count) + bar + (m == rowThreshold ? "  <- split: more than this is high-missing" : ""))
        }
        out.append("Split at \(rowThreshold) (\(rowThresholdRule)): " + String(format: "%d low-missing rows (%.1f%%), %d high-missing rows (%.1f%%)",
                          lowMissingRows,
                          100 * Double(lowMissingRows) / Double(max(rows, 1)), highMissingRows,
                          100 * Double(highMissingRows) / Double(max(rows, 1))))
        out.append("")
        out.append("Columns whose values differ most between the two row groups (total variation distance):")
        for d in groupDifferences.prefix(top) {
            let tv = d.totalVariation.map { String(format: "%.3f", $0) } ?? "  -  "
            out.append("  " + pad(d.column, 24) + " " + tv + String(format: "   missing: %.1f%% of low rows, %.1f%% of high rows",
                                                                  d.missingShareLow * 100, d.missingShareHigh * 100))
        }
        return out.joined(separator: "\n")
    }
}
