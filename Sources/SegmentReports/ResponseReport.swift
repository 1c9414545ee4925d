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
        o.append("Gain: the loss reduction of the final model's splits. Held-out AUC drop: how much the held-out ROC AUC falls when the feature is shuffled among the held-out people.\n")
        o.append("| feature | gain | held-out AUC drop | meaning |")
        o.append("|---|---:|---:|---|")
        let drops = Dictionary(e.permutationImportance.map { ($0.feature, $0.rocAUCDrop) }, uniquingKeysWith: { a, _ in a })
        for i in e.importance { o.append("| \(i.feature) | \(fmt(i.gain, 1)) | \(drops[i.feature].map { fmt($0, 4) } ?? "") | \(i.meaning.replacingOccurrences(of: "|", with: "/")) |") }
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

    /// `response_report.html`: the same findings on one self-contained page, with the cumulative
    /// gains chart (what share of responders the top x% of mailed people hold) and the response
    /// rate by segment. Charts scale to the page (SVG viewBox); tables scroll on a phone.
    public static func html(_ m: ResponseModel, train: String) -> String {
        let e = m.evaluation
        var body: [String] = []
        let chosen = m.chosen == "boosted" ? "boosted trees" : "logistic regression"
        body.append("<h1>Who answers the mail-out</h1>")
        body.append("<p>\(xml(train)): \(e.rows) people, \(e.positives) responders (\(fmt(100 * Double(e.positives) / Double(max(1, e.rows)), 2))%). Predictions use the <b>\(chosen)</b>. Cross-validated ROC AUC: boosted trees \(fmt(e.boostedROCAUC.mean, 3)) ± \(fmt(e.boostedROCAUC.sd, 3)), logistic regression \(fmt(e.logisticROCAUC.mean, 3)) ± \(fmt(e.logisticROCAUC.sd, 3)); on the held-out fold (\(e.heldOut.rows) people, never used to choose) \(fmt(e.heldOut.boostedROCAUC, 3)) and \(fmt(e.heldOut.logisticROCAUC, 3)).</p>")
        // Cumulative gains.
        let top10 = e.boostedCumulativeGains.first ?? 0, top30 = e.boostedCumulativeGains.count > 2 ? e.boostedCumulativeGains[2] : 0
        body.append("<h2>Whom to mail</h2><p>Mailing the \(m.chosen == "boosted" ? "boosted trees'" : "model's") top 10% of people reaches \(fmt(top10 * 100, 0))% of the responders, the top 30% reaches \(fmt(top30 * 100, 0))%; a random mailing reaches as many responders as people mailed (the dashed line). Out-of-fold scores, so these are what to expect on new people.</p>")
        var g = SVG(width: 420, height: 300)
        let left = 50.0, top = 15.0, w = 350.0, h = 240.0
        func px(_ f: Double) -> Double { left + f * w }
        func py(_ f: Double) -> Double { top + (1 - f) * h }
        for t in stride(from: 0.0, through: 1.0, by: 0.2) {
            g.line(px(0), py(t), px(1), py(t), stroke: "#eee")
            g.text(left - 6, py(t) + 4, "\(Int(t * 100))%", anchor: "end", size: 10)
            g.text(px(t), top + h + 16, "\(Int(t * 100))%", anchor: "middle", size: 10)
        }
        g.line(px(0), py(0), px(1), py(1), stroke: "#999", dash: true)
        g.polyline([(px(0), py(0))] + e.logisticCumulativeGains.enumerated().map { (px(Double($0 + 1) / 10), py($1)) }, stroke: "#e08a2c")
        g.polyline([(px(0), py(0))] + e.boostedCumulativeGains.enumerated().map { (px(Double($0 + 1) / 10), py($1)) }, stroke: "#1f5fa8", width: 2.5)
        g.text(px(0.55), py(0.18), "boosted trees", size: 11, fill: "#1f5fa8")
        g.text(px(0.55), py(0.10), "logistic regression", size: 11, fill: "#e08a2c")
        g.text(px(0.5), top + h + 32, "share of people mailed (highest scores first)", anchor: "middle", size: 11)
        g.text(14, py(0.5), "share of responders reached", anchor: "middle", size: 11, rotate: -90)
        body.append("<div class=\"chart\">\(g.rendered)</div>")
        // Response rate by segment.
        let rates = e.responseRateBySegment
        let maxRate = max(rates.max() ?? 0, 1e-9)
        var r = SVG(width: 420, height: Double(rates.count) * 22 + 20)
        for (i, v) in rates.enumerated() {
            let label = i == rates.count - 1 ? "high-missing" : "segment \(i)"
            r.text(90, Double(i) * 22 + 24, label, anchor: "end", size: 11)
            r.rect(96, Double(i) * 22 + 12, v / maxRate * 260, 15, fill: "#1f5fa8", title: "\(label): \(fmt(v * 100, 2))%")
            r.text(100 + v / maxRate * 260, Double(i) * 22 + 24, "\(fmt(v * 100, 2))%", size: 10)
        }
        body.append("<h2>Response rate by segment</h2><p>The training file's response rate among the people of each segment.</p><div class=\"chart\">\(r.rendered)</div>")
        // Drivers.
        let drops = Dictionary(e.permutationImportance.map { ($0.feature, $0.rocAUCDrop) }, uniquingKeysWith: { a, _ in a })
        body.append("<h2>What drives a response</h2><p>The boosted trees' features by gain (the loss reduction of their splits), and by how much the held-out ROC AUC drops when the feature is shuffled among the held-out people.</p><div class=\"scroll\"><table><tr><th>feature</th><th>gain</th><th>held-out AUC drop</th><th>meaning</th></tr>"
                    + e.importance.map { "<tr><td>\(xml($0.feature))</td><td>\(fmt($0.gain, 1))</td><td>\(drops[$0.feature].map { fmt($0, 4) } ?? "")</td><td>\(xml($0.meaning))</td></tr>" }.joined() + "</table></div>")
        // Search and folds.
        body.append("<h2>Settings tried</h2><div class=\"scroll\"><table><tr><th>boosted-tree settings</th><th>mean ROC AUC (tuning folds)</th></tr>"
                    + e.search.map { "<tr><td>\(xml($0.settings))\($0.settings == e.chosenSettings ? " (chosen)" : "")</td><td>\(fmt($0.meanROCAUC, 3))</td></tr>" }.joined() + "</table></div>")
        body.append("<h2>Cross-validation folds</h2><div class=\"scroll\"><table><tr><th>fold</th><th>rows</th><th>responders</th><th>boosted ROC AUC</th><th>boosted PR AUC</th><th>rounds</th><th>logistic ROC AUC</th><th>logistic PR AUC</th></tr>"
                    + e.folds.map { f in "<tr><td>\(f.fold)</td><td>\(f.rows)</td><td>\(f.positives)</td><td>\(fmt(f.boostedROCAUC, 3))</td><td>\(fmt(f.boostedPRAUC, 3))</td><td>\(f.boostedRounds)</td><td>\(fmt(f.logisticROCAUC, 3))</td><td>\(fmt(f.logisticPRAUC, 3))</td></tr>" }.joined()
                    + "</table></div>")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>Who answers the mail-out</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; max-width: 900px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
        h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
        p, li, h1, h2 { overflow-wrap: anywhere; }
        .chart svg { max-width: 100%; height: auto; } .scroll { overflow: auto; max-width: 100%; }
        table { border-collapse: collapse; font-size: 0.9em; } td, th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
        td:first-child, th:first-child { text-align: left; }
        </style></head><body>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }
}
