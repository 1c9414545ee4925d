import SegmentCore
import SegmentAnalysis

/// The answer in plain words, shared by the HTML and Markdown reports and the terminal: which
/// segments to target, how far a mail-out to them reaches, and what the high-missing rows mean.
public enum Findings {
    /// One sentence per target segment, best first.
    public static func targets(_ s: RunSummary) -> [String] {
        let c = s.segments
        return c.targets.map { t in
            let who = t.cluster < s.profiles.count ? s.profiles[t.cluster].summary : ""
            return "Segment \(t.cluster): customers are \(fmt(t.ratio, 1))x as common as in the population "
                + "(95% interval \(fmt(t.ratioLow, 1))-\(fmt(t.ratioHigh, 1))). It holds \(t.populationCount) people "
                + "(\(fmt(t.populationShareOfAll * 100, 1))% of the population); at the two files' scale there are "
                + "\(fmt(t.customersPerHundred, 1)) customers per 100 of them, against \(fmt(c.customersPerHundred, 1)) "
                + "per 100 over everyone the segments describe." + (who.isEmpty ? "" : " Who they are: \(who).")
        }
    }

    /// What mailing every target reaches, or why there is no target.
    public static func reach(_ s: RunSummary) -> String {
        let c = s.segments
        guard let last = c.targets.last else {
            return "No segment is over-represented by the rule below, so no segment stands out as a target."
        }
        let names = c.targets.map { "\($0.cluster)" }
        let list = names.count == 1 ? "segment \(names[0])"
            : "segments " + names.dropLast().joined(separator: ", ") + " and " + names.last!
        return "Mailing \(list) reaches \(fmt(last.cumulativePopulationShareOfAll * 100, 1))% of the population, "
            + "among whom \(fmt(last.cumulativeCustomerShareOfAll * 100, 1))% of the customers are found."
    }

    /// The high-missing group as a data-coverage finding.
    public static func coverage(_ s: RunSummary) -> String {
        let h = s.segments.highMissing
        return "\(fmt(h.customerShare * 100, 1))% of the customers and \(fmt(h.populationShare * 100, 1))% of the "
            + "population have too many missing values to be placed in a segment (customers are \(fmt(h.ratio, 2))x as "
            + "common there). They are counted as a group of their own, not a segment, and each segment's shares are "
            + "taken among the people the segments describe, so this difference does not dilute the segments' ratios."
    }

    /// The per-person score, and how well it tells customers from the population.
    public static func likeness(_ s: RunSummary) -> String? {
        guard let l = s.customerLikeness else { return nil }
        return "A finer, per-person score: `customer_likeness` in the assignment files (and in `segment score`'s output) "
            + "is a logistic model's estimate of how much more common customers are than the population at that "
            + "person's place, like a segment's ratio but for one person. "
            + (l.crossValidatedAUC.map { "It tells a customer from a member of the population with a cross-validated ROC AUC of \(fmt($0, 3)) (\(l.foldAUCs.count) folds)." }
               ?? "There are too few placeable customers to cross-validate it (fewer than one per fold): treat it with care.")
    }
}
