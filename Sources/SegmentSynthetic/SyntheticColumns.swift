import Foundation
import SegmentCore
import SegmentData

/// The per-column models of the generator, built once from the reference facts, and the row
/// generator that uses them. See `SyntheticGenerator` for what is reproduced.
struct SyntheticColumns: Sendable {
    /// Built once per process: the set-up (calibration sample, describe fits) takes a moment.
    static let shared = SyntheticColumns()

    // MARK: co-missing blocks

    /// Row flags: which co-missing blocks a row belongs to.
    struct Blocks: OptionSet, Sendable, Hashable {
        let rawValue: UInt16
        static let high = Blocks(rawValue: 1 << 0)        // C: building and below empty (the high-missing group)
        static let household = Blocks(rawValue: 1 << 1)   // B: household empty (inside C)
        static let person = Blocks(rawValue: 1 << 2)      // A: person core empty
        static let kba05 = Blocks(rawValue: 1 << 3)       // D: microcell rr3
        static let plz8 = Blocks(rawValue: 1 << 4)        // E
        static let postcode = Blocks(rawValue: 1 << 5)    // F
        static let community = Blocks(rawValue: 1 << 6)   // G
        static let cameo = Blocks(rawValue: 1 << 7)       // H
        static let region = Blocks(rawValue: 1 << 8)      // I: KKK/REGIOTYP empty
        static let regionZero = Blocks(rawValue: 1 << 9)  // I': KKK/REGIOTYP coded 0
        static let typology = Blocks(rawValue: 1 << 10)   // J: HEALTH/SHOPPER/VERS coded -1 (contains C)
        static let cars = Blocks(rawValue: 1 << 11)       // KBA13_ANZAHL_PKW empty
        static let prone = Blocks(rawValue: 1 << 12)      // a low-missing row that may miss a few values
    }

    /// Published sizes of the blocks in the population and in customers (azdias_facts.md §1, §8).
    struct BlockSize { let blocks: Blocks; let population: Int; let customers: Int }
    static let sizes: [BlockSize] = [
        BlockSize(blocks: .high, population: 93_148, customers: 49_927),
        BlockSize(blocks: .household, population: 73_499, customers: 46_596),
        BlockSize(blocks: .person, population: 4_854, customers: 3_213),
        BlockSize(blocks: .kba05, population: 133_324, customers: 55_980),
        BlockSize(blocks: .plz8, population: 116_515, customers: 52_764),
        BlockSize(blocks: .postcode, population: 93_740, customers: 49_959),
        BlockSize(blocks: .community, population: 97_216, customers: 50_476),
        BlockSize(blocks: .cameo, population: 98_979, customers: 50_368),
        BlockSize(blocks: .region, population: 121_196, customers: 46_055),
        BlockSize(blocks: .regionZero, population: 36_868, customers: 14_009),
        BlockSize(blocks: .typology, population: 111_196, customers: 48_990),
        BlockSize(blocks: .cars, population: 105_800, customers: 51_281),
    ]
    static func size(_ b: Blocks) -> BlockSize { sizes.first { $0.blocks == b }! }

    /// Share of low-missing rows that may miss anything at all: concentrates the scattered missing
    /// values so that ~70% of all rows are complete, as published.
    static let proneShare = 0.22

    static let subBlockColumns: [Blocks: [String]] = [
        .kba05: ["KBA05_ANTG1", "KBA05_ANTG2", "KBA05_ANTG3", "KBA05_ANTG4", "KBA05_GBZ", "MOBI_REGIO", "KBA05_BAUMAX"],
        .plz8: ["PLZ8_ANTG1", "PLZ8_ANTG2", "PLZ8_ANTG3", "PLZ8_ANTG4", "PLZ8_BAUMAX", "PLZ8_HHZ", "PLZ8_GBZ"],
        .postcode: ["BALLRAUM", "EWDICHTE", "INNENSTADT"],
        .community: ["ARBEIT", "RELAT_AB", "ORTSGR_KLS9"],
        .cameo: ["CAMEO_DEUG_2015", "CAMEO_DEU_2015", "CAMEO_INTL_2015"],
        .region: ["KKK", "REGIOTYP"],
        .cars: ["KBA13_ANZAHL_PKW"],
    ]
    static let personColumns: Set<String> = ["CJT_GESAMTTYP", "GFK_URLAUBERTYP", "LP_STATUS_FEIN", "LP_STATUS_GROB",
        "RETOURTYP_BK_S", "ONLINE_AFFINITAET", "LP_FAMILIE_FEIN", "LP_FAMILIE_GROB", "LP_LEBENSPHASE_FEIN", "LP_LEBENSPHASE_GROB"]

    // MARK: column models

    enum Derivation: Sendable {
        case none
        case praegende                  // decade from the age axis, movement from the avantgarde axis
        case avantgardeOf(Int)          // GREEN_AVANTGARDE from PRAEGENDE_JUGENDJAHRE's column
        case grouped(source: Int, map: [String: String])   // LP_*_GROB from FEIN
        case cameoFirstCharacter(Int)   // CAMEO_DEUG from CAMEO_DEU
        case cameoInternational(Int)    // CAMEO_INTL from CAMEO_DEU
    }

    struct Column: Sendable {
        var name: String
        /// Every value a cell can take: valid codes first (in latent order), then missing codes.
        /// `alphabet` is how each is written (numbers float-formatted, `2.0`, when the column has
        /// empty cells); `alphabetText` is the code itself.
        var alphabet: [[UInt8]]
        var alphabetText: [String]
        var validCount: Int
        /// u-thresholds between consecutive valid codes (population and customers share them).
        var thresholds: [Double]
        var loading: [Double]         // loadings on the latent axes (zeros: independent of them)
        var rho: Double               // correlation of the code's latent score with its axis mix
        var mean: Double              // l·μ of the population mixture
        var scale: Double             // sqrt(lᵀ Σ l)
        var emptyBlocks: Blocks
        var codedBlocks: [(Blocks, Int)]
        /// Scattered missing values: (probability, alphabet index or -1 for empty).
        var residual: [(Double, Int)]
        var residualIndependent: Bool
        var derivation: Derivation
        var rareIndex: Int?   // a code given to exactly one population row, never drawn (GEBAEUDETYP 5)
    }

    let columns: [Column]
    let headerLine: String
    let popMean: [Double]
    /// Within-mixture covariance, used for standardising latent scores.
    let segmentCumPopulation: [Double]
    let segmentCumCustomers: [Double]
    let praegende: PraegendeModel

    struct PraegendeModel: Sendable {
        // For decades 1...6: codes (alphabet indices) and counts, mainstream then avantgarde.
        var decadeThresholds: [Double]
        var avantThreshold: [Double]        // per decade, u above it is avantgarde
        var mainstream: [[(Int, Double)]]   // per decade: (alphabet index, cumulative prob)
        var avantgarde: [[(Int, Double)]]
        var avantgardeCodes: Set<String>
        var ageMean: Double
        var ageScale: Double
        var avantMean: Double
        var avantScale: Double
    }

    /// The planted segments the rows are drawn from.
    let segments: [LatentModel.Segment]

    init(segments: [LatentModel.Segment] = LatentModel.segments) {
        self.segments = segments
        let schema = FeatureSchema.azdias
        let n = Double(AZDIASReference.populationRows)
        let segs = segments
        let dims = segs[0].centre.count
        let sd = LatentModel.withinSegmentSD
        // Mixture moments of the population latent.
        var mu = [Double](repeating: 0, count: dims)
        for s in segs { for d in 0..<dims { mu[d] += s.populationWeight * s.centre[d] } }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: dims), count: dims)
        for s in segs {
            for i in 0..<dims { for j in 0..<dims { cov[i][j] += s.populationWeight * (s.centre[i] - mu[i]) * (s.centre[j] - mu[j]) } }
        }
        for i in 0..<dims { cov[i][i] += sd * sd }
        popMean = mu
        func cum(_ w: [Double]) -> [Double] {
            let t = w.reduce(0, +); var acc = 0.0
            return w.map { acc += $0 / t; return acc }
        }
        segmentCumPopulation = cum(segs.map(\.populationWeight))
        segmentCumCustomers = cum(segs.map(\.customerWeight))

        let calibration = Calibration(mean: mu, segments: segs, sd: sd)
        headerLine = schema.names.joined(separator: ";") + "\n"
        let index = Dictionary(uniqueKeysWithValues: schema.names.enumerated().map { ($1, $0) })
        let sizeHigh = Double(Self.size(.high).population)

        var cols: [Column] = []
        for feature in schema.features {
            let name = feature.name
            let margs = AZDIASReference.marginals[name] ?? []
            let complete = margs.reduce(0) { $0 + $1.count } == AZDIASReference.populationRows
            let float = !AZDIASReference.integerColumns.contains(name) && !feature.isText
            // Valid codes and their probabilities.
            var valid: [(Code, Double)]
            if complete {
                valid = margs.filter { !$0.isMissing && $0.code != nil }.map { ($0.code!, Double($0.count)) }
            } else {
                valid = Self.fromDescribe(name)
            }
            if let order = LatentModel.codeOrder[name] {
                valid.sort { a, b in (order.firstIndex(of: a.0.description) ?? 99) < (order.firstIndex(of: b.0.description) ?? 99) }
            } else {
                valid.sort { $0.0 < $1.0 }
            }
            var rareIndex: Int?
            if name == "GEBAEUDETYP", let k = valid.firstIndex(where: { $0.0 == .number(5) }) {
                valid[k].1 = 0
                rareIndex = k
            }
            // Missing codes that appear in the data (coded), from the marginals or the schema.
            var missingCodes: [Code] = margs.filter { $0.isMissing && $0.code != nil }.map { $0.code! }
            if name == "CAMEO_DEUG_2015" { missingCodes = [.text("X")] }
            if name == "CAMEO_INTL_2015" { missingCodes = [.text("XX")] }
            for c in feature.missingCodes where !missingCodes.contains(c) && c.number != nil { missingCodes.append(c) }
            let codes = valid.map(\.0) + missingCodes
            let alphabetText = codes.map(\.description)
            let alphabetBytes = codes.map { c -> [UInt8] in
                if case let .number(v) = c, float { return Array("\(v).0".utf8) }
                return Array(c.description.utf8)
            }
            // Loadings.
            let l = LatentModel.loading(name, dims: dims)
            let norm = l.map { $0 * $0 }.reduce(0, +).squareRoot()
            var scale = 0.0
            for i in 0..<dims { for j in 0..<dims { scale += l[i] * cov[i][j] * l[j] } }
            let mean = zip(l, mu).map(*).reduce(0, +)
            // Thresholds between codes: quantiles of the column's latent score over the population
            // mixture, so the codes come out at their published shares.
            let total = valid.reduce(0) { $0 + $1.1 }
            var acc = 0.0
            var cumulative: [Double] = []
            for (k, v) in valid.enumerated() where k < valid.count - 1 {
                acc += v.1 / max(total, 1e-300)
                cumulative.append(min(max(acc, 1e-12), 1 - 1e-12))
            }
            let rho = min(norm, 0.9)
            let thresholds: [Double]
            if rho == 0 {
                thresholds = cumulative.map(Self.inverseNormal)
            } else {
                let sample = calibration.scores { z, e in
                    var lz = 0.0
                    for d in 0..<dims { lz += l[d] * z[d] }
                    return rho * (lz - mean) / scale.squareRoot() + (1 - rho * rho).squareRoot() * e
                }
                thresholds = cumulative.map { Calibration.quantile(sample, $0) }
            }
            // Blocks.
            let emptyCount = Double(margs.first { $0.code == nil }?.count ?? 0)
            var emptyBlocks: Blocks = []
            var emptyProduced = 0.0
            if emptyCount >= sizeHigh - 0.5 {
                emptyBlocks.insert(.high)
                emptyProduced = sizeHigh
                for (b, list) in Self.subBlockColumns where list.contains(name) {
                    emptyBlocks.insert(b)
                    emptyProduced = Double(Self.size(b).population)
                }
            } else if emptyCount >= Double(Self.size(.household).population) - 0.5 {
                emptyBlocks.insert(.household)
                emptyProduced = Double(Self.size(.household).population)
            } else if Self.personColumns.contains(name), emptyCount >= Double(Self.size(.person).population) - 0.5 {
                emptyBlocks.insert(.person)
                emptyProduced = Double(Self.size(.person).population)
            }
            var coded: [(Blocks, Int)] = []
            var codedProduced: [Int: Double] = [:]
            func codedBlock(_ b: Blocks, _ code: Code) {
                if let k = codes.firstIndex(of: code) {
                    coded.append((b, k))
                    codedProduced[k, default: 0] += Double(Self.size(b).population)
                }
            }
            if ["HEALTH_TYP", "SHOPPER_TYP", "VERS_TYP"].contains(name) { codedBlock(.typology, .number(-1)) }
            if ["NATIONALITAET_KZ", "PRAEGENDE_JUGENDJAHRE"].contains(name) { codedBlock(.household, .number(0)) }
            if ["KKK", "REGIOTYP"].contains(name) { codedBlock(.regionZero, .number(0)) }
            let covered = max(emptyProduced, codedProduced.values.max() ?? 0)
                + (emptyBlocks.contains(.region) ? Double(Self.size(.regionZero).population) : 0)
            // Residual scattered missing values: (count left after the blocks) / (rows eligible).
            // Common ones (> 15%: the six outlier columns) fall on any row the blocks leave; the
            // rest only on low-missing rows, concentrated on the "prone" ones.
            var residualCounts: [(Double, Int)] = []
            if emptyCount - emptyProduced > 0.5 { residualCounts.append((emptyCount - emptyProduced, -1)) }
            for m in margs where m.isMissing && m.code != nil {
                guard let k = codes.firstIndex(of: m.code!) else { continue }
                let r = Double(m.count) - (codedProduced[k] ?? 0)
                if r > 0.5 { residualCounts.append((r, k)) }
            }
            let independent = residualCounts.contains { $0.0 / (n - covered) > 0.15 }
            let eligible = independent ? n - covered : n - max(covered, sizeHigh)
            let residual = residualCounts.map { ($0.0 / eligible, $0.1) }
            cols.append(Column(name: name, alphabet: alphabetBytes, alphabetText: alphabetText,
                               validCount: valid.count, thresholds: thresholds,
                               loading: l, rho: rho,
                               mean: mean, scale: scale.squareRoot(), emptyBlocks: emptyBlocks, codedBlocks: coded,
                               residual: residual, residualIndependent: independent, derivation: .none,
                               rareIndex: rareIndex))
        }
        // Derivations.
        let pj = index["PRAEGENDE_JUGENDJAHRE"]!
        cols[pj].derivation = .praegende
        cols[index["GREEN_AVANTGARDE"]!].derivation = .avantgardeOf(pj)
        cols[index["LP_STATUS_GROB"]!].derivation = .grouped(source: index["LP_STATUS_FEIN"]!, map:
            ["1": "1", "2": "1", "3": "2", "4": "2", "5": "2", "6": "3", "7": "3", "8": "4", "9": "4", "10": "5"])
        cols[index["LP_FAMILIE_GROB"]!].derivation = .grouped(source: index["LP_FAMILIE_FEIN"]!, map:
            ["1": "1", "2": "2", "3": "3", "4": "3", "5": "3", "6": "4", "7": "4", "8": "4", "9": "5", "10": "5", "11": "5"])
        let deu = index["CAMEO_DEU_2015"]!
        cols[index["CAMEO_DEUG_2015"]!].derivation = .cameoFirstCharacter(deu)
        cols[index["CAMEO_INTL_2015"]!].derivation = .cameoInternational(deu)
        columns = cols

        // PRAEGENDE_JUGENDJAHRE: decade (1..6) and movement.
        let pjCol = cols[pj]
        let decadeOf: [Int: Int] = [1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3, 8: 4, 9: 4, 10: 5, 11: 5, 12: 5, 13: 5, 14: 6, 15: 6]
        let avantCodes: Set<Int> = [2, 4, 6, 7, 9, 11, 13, 15]
        let counts = Dictionary(uniqueKeysWithValues: (AZDIASReference.marginals["PRAEGENDE_JUGENDJAHRE"] ?? [])
            .compactMap { m -> (Int, Double)? in
                guard !m.isMissing, let c = m.code?.number else { return nil }
                return (c, Double(m.count))
            })
        var decadeTotals = [Double](repeating: 0, count: 7), avantTotals = [Double](repeating: 0, count: 7)
        for (c, v) in counts { decadeTotals[decadeOf[c]!] += v; if avantCodes.contains(c) { avantTotals[decadeOf[c]!] += v } }
        let all = decadeTotals.reduce(0, +)
        var acc = 0.0
        let ageSD = cov[1][1].squareRoot(), avantSD = cov[3][3].squareRoot()
        let decadeSample = calibration.scores { z, e in -0.75 * (z[1] - mu[1]) / ageSD + (1 - 0.5625).squareRoot() * e }
        var decadeThresholds: [Double] = []
        for d in 1...5 { acc += decadeTotals[d] / all; decadeThresholds.append(Calibration.quantile(decadeSample, acc)) }
        // Movement: per decade, the avantgarde share among the people of that decade.
        let avantSample = calibration.scores(noiseOffset: 1) { z, e in 0.8 * (z[3] - mu[3]) / avantSD + 0.6 * e }
        let decadeUnsorted = calibration.scores(sorted: false) { z, e in -0.75 * (z[1] - mu[1]) / ageSD + (1 - 0.5625).squareRoot() * e }
        let avantUnsorted = calibration.scores(noiseOffset: 1, sorted: false) { z, e in 0.8 * (z[3] - mu[3]) / avantSD + 0.6 * e }
        _ = avantSample
        var byDecade = [[Double]](repeating: [], count: 7)
        for i in 0..<decadeUnsorted.count {
            byDecade[Self.bucket(decadeUnsorted[i], decadeThresholds) + 1].append(avantUnsorted[i])
        }
        let avantThreshold: [Double] = (0...6).map { d in
            guard d > 0, !byDecade[d].isEmpty else { return 0 }
            return Calibration.quantile(byDecade[d].sorted(), 1 - avantTotals[d] / max(decadeTotals[d], 1))
        }
        var mainstream = [[(Int, Double)]](repeating: [], count: 7), avantgarde = mainstream
        for d in 1...6 {
            for isAvant in [false, true] {
                let list = counts.keys.sorted().filter { decadeOf[$0] == d && avantCodes.contains($0) == isAvant }
                let tot = list.reduce(0.0) { $0 + counts[$1]! }
                var a = 0.0
                let entries = list.map { c -> (Int, Double) in
                    a += counts[c]! / tot
                    return (pjCol.alphabetText.firstIndex(of: String(c))!, a)
                }
                if isAvant { avantgarde[d] = entries } else { mainstream[d] = entries }
            }
        }
        praegende = PraegendeModel(
            decadeThresholds: decadeThresholds, avantThreshold: avantThreshold,
            mainstream: mainstream, avantgarde: avantgarde,
            avantgardeCodes: Set(avantCodes.map(String.init)),
            ageMean: mu[1], ageScale: ageSD, avantMean: mu[3], avantScale: avantSD)
    }

    /// A distribution over integer codes from the raw describe() figures, for columns whose value
    /// counts were never printed: a piecewise-linear quantile function through min/p25/p50/p75 and a
    /// power-law upper tail to max whose exponent matches the published mean.
    static func fromDescribe(_ name: String) -> [(Code, Double)] {
        let facts = AZDIASReference.factsByName[name]!
        let validNumbers = facts.validCodes.compactMap(\.number)
        guard let lo = validNumbers.min(), let hi = validNumbers.max() else { return [] }
        if name == "GEBURTSJAHR" {
            // Only the zero (missing) count and a few years were printed; a normal around the
            // published mode (1967) with the spread implied by the raw quartiles.
            return (lo...hi).map { y in
                let z = (Double(y) - 1966) / 19
                return (.number(y), exp(-0.5 * z * z))
            }
        }
        guard let d = AZDIASReference.describe[name] else {
            return validNumbers.map { (.number($0), 1) }
        }
        let minV = max(d.min, Double(lo)), p25 = max(d.p25, minV), p50 = max(d.p50, p25), p75 = max(d.p75, p50)
        let maxV = min(d.max, Double(hi))
        func quantile(_ t: Double, _ k: Double) -> Double {
            if t < 0.25 { return minV + (p25 - minV) * t / 0.25 }
            if t < 0.5 { return p25 + (p50 - p25) * (t - 0.25) / 0.25 }
            if t < 0.75 { return p50 + (p75 - p50) * (t - 0.5) / 0.25 }
            return p75 + (maxV - p75) * pow((t - 0.75) / 0.25, k)
        }
        let grid = 20_000
        func histogram(_ k: Double) -> [Double] {
            var h = [Double](repeating: 0, count: hi - lo + 1)
            for g in 0..<grid {
                let t = (Double(g) + 0.5) / Double(grid)
                let v = Int(quantile(t, k).rounded())
                h[min(max(v, lo), hi) - lo] += 1
            }
            return h
        }
        func meanOf(_ h: [Double]) -> Double {
            var s = 0.0, w = 0.0
            for (i, c) in h.enumerated() { s += Double(lo + i) * c; w += c }
            return s / w
        }
        // Bisection on log k so the discretised mean matches the published mean.
        var a = log(0.2), b = log(2000.0)
        for _ in 0..<40 {
            let m = (a + b) / 2
            if meanOf(histogram(exp(m))) > d.mean { a = m } else { b = m }
        }
        let h = histogram(exp((a + b) / 2))
        return h.enumerated().compactMap { i, c in validNumbers.contains(lo + i) ? (.number(lo + i), c) : nil }
    }

    /// Φ⁻¹ by bisection on erfc (setup only).
    static func inverseNormal(_ p: Double) -> Double {
        var a = -40.0, b = 40.0
        for _ in 0..<200 {
            let m = (a + b) / 2
            if 0.5 * erfc(-m / 2.0.squareRoot()) < p { a = m } else { b = m }
        }
        return (a + b) / 2
    }

    // MARK: generation

    struct Chunk: Sendable {
        var bytes: [UInt8]
        var truth: [UInt8]
        var segmentCounts: [Int]
        var highMissingCounts: [Int]
        /// When asked for: every cell's code as text, nil for an empty cell (row-major).
        var codes: [String?] = []
    }

    func generate(kind: SyntheticGenerator.Kind, rows: Range<Int>, rng: inout SplitMix64, rareRow: Int,
                  recordCodes: Bool = false) -> Chunk {
        let segs = segments
        let dims = segs[0].centre.count
        let sd = LatentModel.withinSegmentSD
        let isPop = kind == .population
        let cumW = isPop ? segmentCumPopulation : segmentCumCustomers
        func share(_ b: Blocks) -> Double {
            let s = Self.size(b)
            return Double(isPop ? s.population : s.customers) / Double(isPop ? AZDIASReference.populationRows : AZDIASReference.customerRows)
        }
        let pHigh = share(.high)
        let pHouseholdGivenHigh = share(.household) / pHigh
        let pPerson = share(.person)
        let subBlocks: [Blocks] = [.kba05, .plz8, .postcode, .community, .cameo, .region, .typology, .cars]
        let pSub = subBlocks.map { b in min(1, max(0, (share(b) - pHigh) / (1 - pHigh)) / Self.proneShare) }
        let pRegionZero = min(1, share(.regionZero) / (1 - pHigh) / Self.proneShare)

        var gauss = GaussianSource()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.count * 200)
        var truth: [UInt8] = []
        truth.reserveCapacity(rows.count * 16)
        var segCounts = [Int](repeating: 0, count: segs.count)
        var highCounts = segCounts
        var cell = [Int](repeating: 0, count: columns.count)   // alphabet index, -1 = empty
        var z = [Double](repeating: 0, count: dims)
        var rareDone = false
        var codes: [String?] = []

        for row in rows {
            // Segment and latent position.
            let r = rng.nextUnit()
            var s = 0
            while s < segs.count - 1 && r >= cumW[s] { s += 1 }
            for d in 0..<dims { z[d] = segs[s].centre[d] + sd * gauss.next(&rng) }
            // Co-missing blocks.
            var flags: Blocks = []
            if rng.nextUnit() < pHigh {
                flags.formUnion([.high, .kba05, .plz8, .postcode, .community, .cameo, .region, .typology, .cars])
                if rng.nextUnit() < pHouseholdGivenHigh { flags.insert(.household) }
            } else if rng.nextUnit() < Self.proneShare {
                flags.insert(.prone)
                for (k, b) in subBlocks.enumerated() where rng.nextUnit() < pSub[k] { flags.insert(b) }
                if !flags.contains(.region) && rng.nextUnit() < pRegionZero { flags.insert(.regionZero) }
            }
            if rng.nextUnit() < pPerson { flags.insert(.person) }
            segCounts[s] += 1
            if flags.contains(.high) { highCounts[s] += 1 }

            // Columns that are not derived.
            for (c, col) in columns.enumerated() {
                if case .none = col.derivation {} else if case .praegende = col.derivation {} else { continue }
                if let m = missingValue(col, flags: flags, rng: &rng) { cell[c] = m; continue }
                if case .praegende = col.derivation {
                    cell[c] = praegendeValue(z: z, rng: &rng, gauss: &gauss)
                    continue
                }
                var u = gauss.next(&rng)
                if col.rho > 0 {
                    var lz = 0.0
                    for d in 0..<dims { lz += col.loading[d] * z[d] }
                    u = col.rho * (lz - col.mean) / col.scale + (1 - col.rho * col.rho).squareRoot() * u
                }
                let k = Self.bucket(u, col.thresholds)
                cell[c] = k
            }
            // The rare code: the first row at or after the chosen one with a valid value.
            if isPop && !rareDone && row >= rareRow && rows.contains(rareRow) {
                for (c, col) in columns.enumerated() where col.rareIndex != nil && cell[c] >= 0 && cell[c] < col.validCount {
                    cell[c] = col.rareIndex!
                    rareDone = true
                }
            }
            // Derived columns.
            for (c, col) in columns.enumerated() {
                switch col.derivation {
                case .none, .praegende: continue
                case let .avantgardeOf(src):
                    let v = cell[src] >= 0 ? columns[src].alphabetText[cell[src]] : ""
                    cell[c] = col.alphabetText.firstIndex(of: praegende.avantgardeCodes.contains(v) ? "1" : "0")!
                case let .grouped(src, map):
                    cell[c] = Self.mirror(cell[src], from: columns[src], to: col) { map[$0] }
                case let .cameoFirstCharacter(src):
                    cell[c] = Self.mirror(cell[src], from: columns[src], to: col) { v in
                        v == "XX" ? "X" : String(v.prefix(1))
                    }
                case let .cameoInternational(src):
                    cell[c] = Self.mirror(cell[src], from: columns[src], to: col) { v in
                        v == "XX" ? "XX" : Self.cameoInternational[v]
                    }
                }
            }
            // Format the row.
            for c in 0..<columns.count {
                if c > 0 { bytes.append(UInt8(ascii: ";")) }
                let k = cell[c]
                if k >= 0 { bytes.append(contentsOf: columns[c].alphabet[k]) }
            }
            bytes.append(UInt8(ascii: "\n"))
            if recordCodes {
                for c in 0..<columns.count { codes.append(cell[c] >= 0 ? columns[c].alphabetText[cell[c]] : nil) }
            }
            truth.append(contentsOf: Array("\(row);\(s);\(flags.contains(.high) ? 1 : 0)\n".utf8))
        }
        return Chunk(bytes: bytes, truth: truth, segmentCounts: segCounts, highMissingCounts: highCounts, codes: codes)
    }

    /// The value a missing cell gets, or nil when the cell is not missing.
    @inline(__always)
    private func missingValue(_ col: Column, flags: Blocks, rng: inout SplitMix64) -> Int? {
        if !col.emptyBlocks.isDisjoint(with: flags) { return -1 }
        for (b, k) in col.codedBlocks where flags.contains(b) { return k }
        if col.residual.isEmpty { return nil }
        let scale: Double
        if col.residualIndependent {
            scale = 1
        } else if flags.contains(.prone) {
            scale = 1 / Self.proneShare
        } else {
            return nil
        }
        var u = rng.nextUnit()
        for (p, k) in col.residual {
            let q = p * scale
            if u < q { return k }
            u -= q
        }
        return nil
    }

    private func praegendeValue(z: [Double], rng: inout SplitMix64, gauss: inout GaussianSource) -> Int {
        // Older people (age axis +) fall in earlier decades.
        let ageStd = (z[1] - praegende.ageMean) / praegende.ageScale
        let u = -0.75 * ageStd + (1 - 0.5625).squareRoot() * gauss.next(&rng)
        let decade = Self.bucket(u, praegende.decadeThresholds) + 1
        let a = (z[3] - praegende.avantMean) / praegende.avantScale
        let v = 0.8 * a + 0.6 * gauss.next(&rng)
        let list = v > praegende.avantThreshold[decade] ? praegende.avantgarde[decade] : praegende.mainstream[decade]
        let r = rng.nextUnit()
        for (k, cum) in list where r < cum { return k }
        return list.last!.0
    }

    @inline(__always)
    static func bucket(_ u: Double, _ t: [Double]) -> Int {
        if t.count < 16 {
            var k = 0
            while k < t.count && u >= t[k] { k += 1 }
            return k
        }
        var lo = 0, hi = t.count
        while lo < hi { let mid = (lo + hi) / 2; if u >= t[mid] { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// Maps a source cell to the derived column: empty stays empty, missing codes map to the derived
    /// column's missing code of the same spelling, valid codes through `f`.
    static func mirror(_ k: Int, from src: Column, to dst: Column, _ f: (String) -> String?) -> Int {
        if k < 0 { return -1 }
        let v = src.alphabetText[k]
        if k >= src.validCount {
            if let same = dst.alphabetText.firstIndex(of: v) { return same }
            if let mapped = f(v), let i = dst.alphabetText.firstIndex(of: mapped) { return i }
            return -1
        }
        guard let mapped = f(v), let i = dst.alphabetText.firstIndex(of: mapped) else { return -1 }
        return i
    }

    /// CAMEO_INTL_2015 from CAMEO_DEU_2015 (azdias_facts.md §3).
    static let cameoInternational: [String: String] = {
        let table: [(String, [String])] = [
            ("12", ["2A"]), ("13", ["1A", "2B"]), ("14", ["1B", "1C", "2C", "2D"]), ("15", ["1D", "1E"]),
            ("22", ["4A"]), ("23", ["3A", "3B", "4B"]), ("24", ["3C", "4C", "4D"]), ("25", ["3D", "4E"]),
            ("31", ["5A", "6A"]), ("32", ["5B"]), ("33", ["5C"]), ("34", ["5D", "5E"]), ("35", ["5F", "6D"]),
            ("41", ["7A", "7B", "8B"]), ("43", ["6B"]), ("44", ["6C"]), ("45", ["6E", "6F", "7E"]),
            ("51", ["8A", "9B", "9C", "9D"]), ("52", ["9A"]), ("54", ["7C", "7D", "8C"]), ("55", ["8D", "9E"]),
        ]
        var m: [String: String] = [:]
        for (intl, deus) in table { for d in deus { m[d] = intl } }
        return m
    }()
}

/// Standard normal deviates from Box–Muller, using both of each pair.
struct GaussianSource {
    private var spare: Double?
    @inline(__always)
    mutating func next(_ rng: inout SplitMix64) -> Double {
        if let s = spare { spare = nil; return s }
        var u = rng.nextUnit()
        while u <= 0 { u = rng.nextUnit() }
        let v = rng.nextUnit()
        let r = (-2 * log(u)).squareRoot()
        spare = r * sin(2 * .pi * v)
        return r * cos(2 * .pi * v)
    }
}


/// A fixed sample of the population's latent positions (and independent noise), used once at set-up
/// to place each column's code thresholds at the quantiles of its actual score distribution (the
/// segment mixture is not normal). Seeded by a constant: the thresholds are part of the model, the
/// same for every user seed.
struct Calibration {
    static let size = 100_000
    var z: [[Double]]          // size x axes
    var noise: [[Double]]      // two independent noise streams

    init(mean: [Double], segments: [LatentModel.Segment], sd: Double) {
        var rng = SplitMix64(seed: 0xCA11_B2A7)
        var g = GaussianSource()
        let total = segments.reduce(0) { $0 + $1.populationWeight }
        z = []
        z.reserveCapacity(Self.size)
        for _ in 0..<Self.size {
            var r = rng.nextUnit() * total
            var s = 0
            while s < segments.count - 1 && r >= segments[s].populationWeight { r -= segments[s].populationWeight; s += 1 }
            z.append(segments[s].centre.map { $0 + sd * g.next(&rng) })
        }
        noise = (0..<2).map { _ in (0..<Self.size).map { _ in g.next(&rng) } }
    }

    /// The scores of `f(z, noise)` over the sample, sorted unless asked otherwise.
    func scores(noiseOffset: Int = 0, sorted: Bool = true, _ f: ([Double], Double) -> Double) -> [Double] {
        let v = (0..<Self.size).map { f(z[$0], noise[noiseOffset][$0]) }
        return sorted ? v.sorted() : v
    }

    /// The p-quantile of a sorted sample.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let x = p * Double(sorted.count) - 0.5
        let i = max(0, min(sorted.count - 2, Int(x.rounded(.down))))
        let f = min(1, max(0, x - Double(i)))
        return sorted[i] * (1 - f) + sorted[i + 1] * f
    }
}
