import SegmentCore
import SegmentAnalysis

/// The answer in plain words, shared by the HTML and Markdown reports and the terminal: which
/// segments to target, how far a mail-out to them reaches, and what the high-missing rows mean.
public enum Findings {
    /// One paragraph per target segment, best first: who they are, then the numbers.
    public static func targets(_ s: RunSummary) -> [String] {
        let c = s.segments
        return c.targets.map { t in
            let who = t.cluster < s.profiles.count ? portrait(s.profiles[t.cluster]) : nil
            return "Segment \(t.cluster): customers are \(fmt(t.ratio, 1))x as common as in the population "
                + "(95% interval \(fmt(t.ratioLow, 1))-\(fmt(t.ratioHigh, 1))). " + (who.map { "\($0) " } ?? "")
                + "It holds \(t.populationCount) people "
                + "(\(fmt(t.populationShareOfAll * 100, 1))% of the population); at the two files' scale there are "
                + "\(fmt(t.customersPerHundred, 1)) customers per 100 of them, against \(fmt(c.customersPerHundred, 1)) "
                + "per 100 over everyone the segments describe."
        }
    }

    /// A segment's persona in one paragraph: its size and standing with customers, who its people
    /// are in plain words, and the evidence for the three strongest traits.
    public static func persona(_ s: RunSummary, _ p: ClusterProfile) -> String {
        var text = "Segment \(p.cluster)"
        if let g = s.segments.groups.first(where: { $0.cluster == p.cluster }) {
            text += " holds \(fmt(g.populationShareOfAll * 100, 1))% of the population; "
            switch g.representation {
            case "over":
                text += "customers are \(fmt(g.ratio, 1))x as common there as in the population (95% interval "
                    + "\(fmt(g.ratioLow, 1))-\(fmt(g.ratioHigh, 1))): a segment to target."
            case "under":
                text += "customers are \(fmt(1 / max(g.ratio, 1e-9), 1))x rarer there than in the population "
                    + "(ratio \(fmt(g.ratio, 2))): not worth mailing."
            default:
                text += "customers are about as common there as in the population (ratio \(fmt(g.ratio, 2)), "
                    + "\(fmt(g.ratioLow, 2))-\(fmt(g.ratioHigh, 2)))."
            }
        } else {
            text += "."
        }
        if let who = portrait(p) { text += " " + who }
        if !p.summary.isEmpty { text += " In numbers: \(p.summary)." }
        return text
    }

    /// "Compared with the population, its people are wealthier, older (typically over 60) and 88%
    /// female.": the traits that stand out (half a standard deviation or more, at least two, at
    /// most five), strongest first. Nil for a profile without traits (a summary from before them).
    static func portrait(_ p: ClusterProfile) -> String? {
        let strong = zip(p.traits, p.top).filter { abs($0.1.standardized) >= 0.5 }.map(\.0)
        let words = Array((strong.count >= 2 ? strong : Array(p.traits.prefix(2))).prefix(5))
        guard !words.isEmpty else { return nil }
        return "Compared with the population, its people are \(englishList(words))."
    }

    /// "a", "a and b", "a, b and c".
    static func englishList(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    /// What mailing every target reaches, or why there is no target.
    public static func reach(_ s: RunSummary) -> String {
        let c = s.segments
        guard let last = c.targets.last else {
            return "No segment is over-represented by the rule below, so no segment stands out as a target."
        }
        let names = c.targets.map { "\($0.cluster)" }
        let list = (names.count == 1 ? "segment " : "segments ") + englishList(names)
        return "Mailing \(list) reaches \(fmt(last.cumulativePopulationShareOfAll * 100, 1))% of the population, "
            + "among whom \(fmt(last.cumulativeCustomerShareOfAll * 100, 1))% of the customers are found."
    }

    /// Why a report has no k-sweep evidence.
    public static func noSweep(_ s: RunSummary) -> String {
        "The number of segments, \(s.kmeans.k), was given with --k, so no k sweep was run and there is no evidence "
            + "here for or against it. Run without --k for the sweep's choice, or add --k-range 2-20 to see the "
            + "evidence beside your k."
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
