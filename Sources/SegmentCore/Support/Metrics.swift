/// Scores of a ranking against binary labels, shared by the estimators, the generator (the planted
/// model's own AUC) and the reports.
public enum Metrics {
    /// The area under the ROC curve of `scores` for `labels` (the Mann-Whitney statistic, ties
    /// counted half); NaN without both classes.
    public static func rocAUC(_ scores: [Double], labels: [Bool]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for t in i...j where labels[order[t]] { rankSumPositive += rank }
            i = j + 1
        }
        let positives = Double(labels.filter { $0 }.count), negatives = Double(labels.count) - positives
        guard positives > 0, negatives > 0 else { return .nan }
        return (rankSumPositive - positives * (positives + 1) / 2) / (positives * negatives)
    }
}
