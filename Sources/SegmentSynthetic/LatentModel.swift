import Foundation
import SegmentCore
import SegmentData
/// The planted structure of the synthetic AZDIAS data: four latent axes taken from the published
/// principal components, segments placed along them, and how strongly each column follows each axis.
///
/// Axis 0 — wealth / low density (+ = wealthy, 1-2-family, low mobility: PC1 of the notebooks, sign
/// flipped); axis 1 — age / tradition (+ = older, traditional, saver: PC2); axis 2 — the gender-linked
/// personality axis (+ = ANREDE_KZ 2 with the SEMIO_VERT/SOZ/FAM/KULT codes high: PC3); axis 3 —
/// avantgarde (the GREEN_AVANTGARDE / PRAEGENDE_JUGENDJAHRE movement).
/// Signs are on the codes as written (e.g. HH_EINKOMMEN_SCORE 1 = highest income, so it loads
/// negatively on wealth).
public enum LatentModel {
    public static let axes = ["wealth / low density", "age / tradition", "gender-linked personality", "avantgarde"]

    /// Further axes, used only by planted layouts of more than eight segments (`axisCount(planted:)`),
    /// as the real data's later principal components carry structure of their own. They are not
    /// tied to a meaning (`extraLoadings` deals the columns out). On four axes alone, 16 segments at
    /// least 1.6 apart crowd so that even the planted k recovers them with an ARI of about 0.4 for
    /// every tool, against 0.6-0.7 for eight and 0.63 on an independent stand-in with ten.
    public static let extraAxes = ["further axis 5", "further axis 6", "further axis 7"]

    /// The axes a layout of `count` planted segments is drawn on: the four above up to eight
    /// segments, then one more per four segments (9-12: 5, 13-16: 6, 17 and more: 7), so that
    /// every segment keeps about as many close neighbours as in the eight-segment layout.
    public static func axisCount(planted count: Int) -> Int {
        axes.count + min(extraAxes.count, max(0, (count - 8 + 3) / 4))
    }

    /// The names of the first `count` axes.
    public static func axisNames(_ count: Int) -> [String] { Array((axes + extraAxes).prefix(count)) }

    /// A planted segment: where it sits on the axes and how common it is.
    public struct Segment: Codable, Sendable, Equatable {
        public var id: Int
        public var label: String
        public var centre: [Double]
        public var populationWeight: Double
        public var customerWeight: Double
        public var ratio: Double { customerWeight / populationWeight }
    }

    /// Eight segments. Customers over-represent the older wealthy (0) and the wealthy avantgarde (6)
    /// (and the high-missing rows); they under-represent the young poorer urban (2), young men (4)
    /// and the dense-urban middle (7), as the published customer profile says; 1, 3 and 5 are
    /// neither (shares over all rows, the high-missing rows counted as their own group).
    public static let segments: [Segment] = [
        Segment(id: 0, label: "older, wealthy, 1-2-family areas, savers", centre: [1.5, 1.3, -0.2, 0.3], populationWeight: 0.10, customerWeight: 0.31),
        Segment(id: 1, label: "wealthy middle-aged in low-density areas", centre: [1.4, -0.3, 0.8, -0.5], populationWeight: 0.12, customerWeight: 0.15),
        Segment(id: 2, label: "young, poorer, dense urban", centre: [-1.4, -1.3, 0.3, -0.3], populationWeight: 0.15, customerWeight: 0.03),
        Segment(id: 3, label: "older, less affluent, traditional", centre: [-1.0, 1.3, -0.6, -0.4], populationWeight: 0.12, customerWeight: 0.11),
        Segment(id: 4, label: "young, mostly male, combative", centre: [0.1, -1.2, -1.4, 0.0], populationWeight: 0.14, customerWeight: 0.03),
        Segment(id: 5, label: "older women, social and family-minded", centre: [0.2, 0.9, 1.4, -0.2], populationWeight: 0.13, customerWeight: 0.15),
        Segment(id: 6, label: "comfortable green avantgarde", centre: [0.8, 0.3, 0.1, 2.2], populationWeight: 0.09, customerWeight: 0.19),
        Segment(id: 7, label: "dense-urban middle, mainstream", centre: [-0.7, 0.0, 0.7, -1.0], populationWeight: 0.15, customerWeight: 0.03),
    ]

    /// Spread of people around their segment centre on every axis.
    public static let withinSegmentSD = 0.35

    /// `count` planted segments at seeded random places on `axisCount(planted:)` axes, for measuring how the tool
    /// does at other numbers of segments than the eight above (`segment generate --planted-segments`).
    ///
    /// Centres are drawn in [-1.7, 1.7]^d (d = `axisCount(planted:)`) at least `minimumDistance` apart: the closest pair of the
    /// eight above is 1.82 apart, a little over five within-segment SDs, and on the 85 coded columns
    /// those overlap enough that the notebook pipeline's ARI is about 0.6. Population weights are
    /// uneven (0.5 to 1.5, then tilted so that the customer shares add up). About a third of the segments are planted over-represented
    /// among customers (ratio 1.7 to 3.5), a third under (0.15 to 0.55), the rest neutral (0.8 to
    /// 1.25) exactly; the ratios are of shares among everyone (the high-missing block is drawn independently
    /// of the segment, so they hold among the low-missing rows too), and clear of the 1.5 and 1/1.5
    /// lines so that the truth is not a coin toss.
    public static func planted(count: Int, seed: UInt64, minimumDistance: Double = 1.6) -> [Segment] {
        precondition(count >= 1)
        var rng = SplitMix64.stream(seed: seed, 0x91A7_7ED)
        var centres: [[Double]] = []
        var radius = minimumDistance
        var tries = 0
        while centres.count < count {
            let c = (0..<axisCount(planted: count)).map { _ in -1.7 + 3.4 * rng.nextUnit() }
            if centres.allSatisfy({ zip($0, c).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) >= radius * radius }) {
                centres.append(c)
            }
            tries += 1
            if tries % 20_000 == 0 { radius *= 0.95 }       // a crowded space: relax rather than spin
        }
        // Kinds: a third over, a third under (one each when there are two or more).
        let overCount = count >= 2 ? max(1, count / 3) : 0
        let underCount = count >= 2 ? max(1, count / 3) : 0
        var kinds = [Int](repeating: 0, count: count)
        for i in 0..<overCount { kinds[i] = 1 }
        for i in overCount..<(overCount + underCount) { kinds[i] = -1 }
        for i in stride(from: count - 1, to: 0, by: -1) { kinds.swapAt(i, rng.nextInt(below: i + 1)) }
        // Ratios drawn in their bands; then population weights (uneven, 0.5 to 1.5 before a tilt)
        // such that the customer shares r * p also sum to one: p ∝ raw * exp(-t r), with t found by
        // bisection (the p-weighted mean of r falls as t rises). The most even of a few draws is kept.
        var best: (ratios: [Double], population: [Double], spread: Double)?
        for _ in 0..<50 {
            let ratios = kinds.map { kind -> Double in
                switch kind {
                case 1: return 1.7 + 1.8 * rng.nextUnit()
                case -1: return 0.15 + 0.4 * rng.nextUnit()
                default: return 0.8 + 0.45 * rng.nextUnit()
                }
            }
            let raw = (0..<count).map { _ in 0.5 + rng.nextUnit() }
            func weights(_ t: Double) -> [Double] {
                let w = zip(raw, ratios).map { $0 * exp(-t * $1) }
                let total = w.reduce(0, +)
                return w.map { $0 / total }
            }
            func meanRatio(_ t: Double) -> Double { zip(weights(t), ratios).map(*).reduce(0, +) }
            guard count > 1, ratios.min()! < 1, ratios.max()! > 1 else {
                if count == 1 { return [Segment(id: 0, label: "planted segment 0", centre: centres[0], populationWeight: 1, customerWeight: 1)] }
                continue
            }
            var lo = -20.0, hi = 20.0
            for _ in 0..<200 {
                let mid = (lo + hi) / 2
                if meanRatio(mid) > 1 { lo = mid } else { hi = mid }
            }
            let population = weights((lo + hi) / 2)
            let spread = population.max()! / population.min()!
            if best == nil || spread < best!.spread { best = (ratios, population, spread) }
        }
        let (ratios, population, _) = best!
        let scale = zip(ratios, population).map(*).reduce(0, +)
        return (0..<count).map { i in
            Segment(id: i, label: "planted segment \(i)", centre: centres[i], populationWeight: population[i],
                    customerWeight: ratios[i] * population[i] / scale)
        }
    }

    /// A column's loadings on the first `dims` axes: the four named axes from `loadings`, the
    /// further ones from `extraLoadings` (zeros where a column follows no axis).
    static func loading(_ name: String, dims: Int) -> [Double] {
        let base = loadings[name] ?? [Double](repeating: 0, count: axes.count)
        guard dims > axes.count else { return Array(base.prefix(dims)) }
        let extra = extraLoadings[name] ?? [Double](repeating: 0, count: extraAxes.count)
        return base + extra.prefix(dims - axes.count)
    }

    /// Loadings on the further axes (`extraAxes`, in their order). Each further axis must be measured
    /// about as well as the named ones, or segments apart on it merge: the subset's columns are dealt
    /// out in schema order, every third column to each axis, with a loading of 0.45 of alternating
    /// sign (so each axis is read by about 28 columns, as the named ones are).
    static let extraLoadings: [String: [Double]] = {
        var l: [String: [Double]] = [:]
        for (i, name) in FeatureSchema.azdias.names.enumerated() {
            var row = [Double](repeating: 0, count: extraAxes.count)
            row[i % extraAxes.count] = (i / extraAxes.count) % 2 == 0 ? 0.45 : -0.45
            l[name] = row
        }
        return l
    }()

    /// Loadings of columns on the axes (unlisted columns follow no axis: independent noise).
    static let loadings: [String: [Double]] = {
        var l: [String: [Double]] = [:]
        func set(_ name: String, wealth: Double = 0, age: Double = 0, gender: Double = 0, avant: Double = 0) {
            l[name] = [wealth, age, gender, avant]
        }
        // Axis 0: wealth / low density.
        set("HH_EINKOMMEN_SCORE", wealth: -0.7)
        set("CAMEO_DEU_2015", wealth: -0.75)
        set("PLZ8_ANTG1", wealth: 0.7); set("PLZ8_ANTG2", wealth: -0.3); set("PLZ8_ANTG3", wealth: -0.7)
        set("PLZ8_ANTG4", wealth: -0.65); set("PLZ8_BAUMAX", wealth: -0.6); set("PLZ8_HHZ", wealth: -0.3)
        set("PLZ8_GBZ", wealth: 0.4)
        set("KBA05_ANTG1", wealth: 0.65); set("KBA05_ANTG2", wealth: -0.2); set("KBA05_ANTG3", wealth: -0.5)
        set("KBA05_ANTG4", wealth: -0.45); set("KBA05_GBZ", wealth: 0.6); set("KBA05_BAUMAX", wealth: -0.5)
        set("MOBI_REGIO", wealth: 0.7); set("FINANZ_MINIMALIST", wealth: 0.6, age: 0.15)
        set("ORTSGR_KLS9", wealth: -0.55); set("EWDICHTE", wealth: -0.55); set("INNENSTADT", wealth: 0.45)
        set("BALLRAUM", wealth: 0.4); set("KONSUMNAEHE", wealth: 0.3); set("REGIOTYP", wealth: -0.5)
        set("KKK", wealth: -0.45); set("LP_STATUS_FEIN", wealth: 0.55); set("ARBEIT", wealth: -0.3)
        set("RELAT_AB", wealth: -0.3); set("GEBAEUDETYP_RASTER", wealth: 0.3); set("KBA13_ANZAHL_PKW", wealth: 0.25)
        set("ANZ_HAUSHALTE_AKTIV", wealth: -0.5); set("ANZ_HH_TITEL", wealth: 0.1); set("WOHNLAGE", wealth: 0.4)
        set("FINANZ_HAUSBAUER", wealth: -0.45); set("OST_WEST_KZ", wealth: 0.2); set("GEBAEUDETYP", wealth: -0.3)
        set("ANZ_PERSONEN", wealth: 0.1, age: -0.1)
        // Axis 1: age / tradition.
        set("ALTERSKATEGORIE_GROB", age: 0.75); set("GEBURTSJAHR", age: -0.7); set("ALTER_HH", age: -0.6)
        set("FINANZ_SPARER", age: -0.65); set("FINANZ_VORSORGER", age: 0.6); set("FINANZ_UNAUFFAELLIGER", age: -0.5)
        set("FINANZ_ANLEGER", age: -0.4, gender: -0.3)
        set("SEMIO_REL", age: -0.6); set("SEMIO_TRADV", age: -0.55); set("SEMIO_PFLICHT", age: -0.55)
        set("SEMIO_ERL", age: 0.55); set("SEMIO_LUST", age: 0.45); set("SEMIO_MAT", age: -0.35)
        set("RETOURTYP_BK_S", age: 0.4); set("ONLINE_AFFINITAET", age: -0.45); set("W_KEIT_KIND_HH", age: 0.45)
        set("LP_LEBENSPHASE_FEIN", wealth: 0.3, age: 0.4); set("LP_LEBENSPHASE_GROB", wealth: 0.3, age: 0.4)
        set("WOHNDAUER_2008", age: 0.3); set("CJT_GESAMTTYP", age: 0.3); set("ZABEOTYP", age: 0.2)
        set("HEALTH_TYP", age: -0.2); set("LP_FAMILIE_FEIN", age: 0.2); set("SHOPPER_TYP", age: -0.2, gender: 0.2)
        set("AGER_TYP", age: 0.3); set("GFK_URLAUBERTYP", age: 0.2); set("FINANZTYP", wealth: 0.2, age: -0.2)
        // Axis 2: gender-linked personality.
        set("ANREDE_KZ", gender: 0.8); set("SEMIO_VERT", gender: 0.65); set("SEMIO_SOZ", gender: 0.5)
        set("SEMIO_FAM", gender: 0.5); set("SEMIO_KULT", age: -0.2, gender: 0.45); set("SEMIO_KAEM", gender: -0.65)
        set("SEMIO_DOM", gender: -0.6); set("SEMIO_KRIT", gender: -0.55); set("SEMIO_RAT", gender: -0.45)
        set("VERS_TYP", age: 0.1, gender: 0.2)
        // Axis 3: the green avantgarde also shows in attitudes: less traditional and dutiful, less
        // materialistic, more culture-minded and online, more investor-like.
        func add(_ name: String, avant: Double) { l[name, default: [0, 0, 0, 0]][3] += avant }
        add("SEMIO_TRADV", avant: 0.45); add("SEMIO_PFLICHT", avant: 0.35); add("SEMIO_MAT", avant: 0.4)
        add("SEMIO_KULT", avant: -0.4); add("ONLINE_AFFINITAET", avant: 0.4); add("FINANZ_ANLEGER", avant: -0.35)
        add("SEMIO_REL", avant: 0.3); add("ZABEOTYP", avant: 0.35)
        return l
    }()

    /// The latent order of a column's valid codes when it is not ascending.
    static let codeOrder: [String: [String]] = [
        "WOHNLAGE": ["5", "4", "3", "0", "2", "1", "8", "7"],
        "OST_WEST_KZ": ["O", "W"],
    ]
}
