import Foundation
import SegmentCore
import SegmentAnalysis

/// `response_report.md`: how well the response models did, and why.
public enum ResponseReport {
    public static func markdown(_ m: ResponseModel, train: String) -> String {
        let e = m.evaluation
        var o: [String] = ["# Who answers the mail-out\n"]
        o.append("\(train): \(e.rows) people, \(e.positives) responders (\(fmt(100 * Double(e.positives) / Double(max(1, e.rows)), 2))%); \(m.featureNames.count) features. Predictions use the **\(m.chosen == "boosted" ? "boosted trees" : "logistic regression")** (the better cross-validated ROC AUC).\n")
        o.append("## Settings search and the held-out fold\n")
        o.append("\(e.search.count) settings tried, each cross-validated on the \(e.folds.count) tuning folds; the held-out fold (\(e.heldOut.rows) people, \(e.heldOut.positives) responders) was not used to choose.\n")
        o.append("| boosted-tree settings | mean ROC AUC |")
        o.append("|---|---:|")
        for c in e.search { o.append("| \(c.settings)\(c.settings == e.chosenSettings ? " (chosen)" : "") | \(fmt(c.meanROCAUC, 3)) |") }
        o.append("\nHeld out: boosted trees ROC AUC \(fmt(e.heldOut.boostedROCAUC, 3)) (PR AUC \(fmt(e.heldOut.boostedPRAUC, 3))), logistic regression \(fmt(e.heldOut.logisticROCAUC, 3)) (PR AUC \(fmt(e.heldOut.logisticPRAUC, 3))).\n")
        o.append("## Cross-validation of the chosen settings (\(e.folds.count) stratified tuning folds)\n")
        o.append("| fold | rows | responders | boosted ROC AUC | boosted PR AUC | rounds | logistic ROC AUC | logistic PR AUC |")
        o.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for f in e.folds {
            o.append("| \(f.fold + 1) | \(f.rows) | \(f.positives) | \(fmt(f.boostedROCAUC, 3)) | \(fmt(f.boostedPRAUC, 3)) | \(f.boostedRounds) | \(fmt(f.logisticROCAUC, 3)) | \(fmt(f.logisticPRAUC, 3)) |")
        }
        o.append("| mean ± sd | | | \(fmt(e.boostedROCAUC.mean, 3)) ± \(fmt(e.boostedROCAUC.sd, 3)) | \(fmt(e.boostedPRAUC.mean, 3)) | | \(fmt(e.logisticROCAUC.mean, 3)) ± \(fmt(e.logisticROCAUC.sd, 3)) | \(fmt(e.logisticPRAUC.mean, 3)) |\n")
        o.append("## Whom to mail: cumulative gains (out-of-fold)\n")
        o.append("The share of all responders among the people each model ranks highest; mailing at random reaches the same share as the share of people mailed.\n")
        o.append("| people mailed | boosted trees | logistic regression | at random |")
        o.append("|---:|---:|---:|---:|")
        for (d, (b, l)) in zip(e.boostedCumulativeGains, e.logisticCumulativeGains).enumerated() {
            o.append("| top \((d + 1) * 10)% | \(fmt(b * 100, 1))% | \(fmt(l * 100, 1))% | \((d + 1) * 10)% |")
        }
        o.append("")
        o.append("## What drives a response (boosted trees, by gain)\n")
        o.append("| feature | gain | meaning |")
        o.append("|---|---:|---|")
        for i in e.importance { o.append("| \(i.feature) | \(fmt(i.gain, 1)) | \(i.meaning.replacingOccurrences(of: "|", with: "/")) |") }
        o.append("\n## Response rate by segment\n")
        o.append("| segment | response rate |")
        o.append("|---|---:|")
        for (g, r) in e.responseRateBySegment.enumerated() {
            o.append("| \(g == e.responseRateBySegment.count - 1 ? "high-missing" : "segment \(g)") | \(fmt(r * 100, 2))% |")
        }
        o.append("\n## Settings\n")
        for (k, v) in e.settings.sorted(by: { $0.key < $1.key }) { o.append("- \(k): \(v)") }
        return o.joined(separator: "\n") + "\n"
    }
}
