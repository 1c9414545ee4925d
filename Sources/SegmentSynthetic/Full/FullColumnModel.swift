import Foundation
import SegmentCore
import SegmentData

/// How the full-layout generator draws each of the 370 columns (`FullReference`).
///
/// Each column is a Gaussian copula over the planted latent axes: a score `loading · x + noise` is
/// cut into the column's codes at the quantiles of the score's distribution over the population
/// mixture, so the population's marginal is the published one (value counts where published, else a
/// distribution through the published min / quartiles / max) and the codes follow the segments.
/// Codes the metadata calls unknown (and `XX`) are drawn apart, independent of the segment, at their
/// published share. Missing cells come in the published blocks (`MissingPlan`).
struct FullColumnModel: Sendable {
    enum Format: Sendable { case integer, decimal, text, cameoMixed, date, id, response }
    enum Role: Sendable { case drawn, cameoDEUG, cameoINTL, id, response }

    let name: String
    let format: Format
    let role: Role
    /// The valid codes' tokens, in latent order.
    let codes: [String]
    /// The tokens as bytes (written per cell), with the format's suffix (`.0`, ` 00:00:00`).
    let codeBytes: [[UInt8]]
    let unknownBytes: [[UInt8]]
    /// The codes drawn apart from the latent score, with their cumulative shares among all cells.
    let unknownCodes: [String]
    let unknownCumulative: [Double]
    let unknownShare: Double
    /// 4096 bins of the score over [-6, 6) -> index into `codes`.
    let table: [UInt16]
    let loading: [Double]
    let noiseSD: Double
    /// Index into `MissingPlan.rules`, or nil (never missing).
    var missingRule: Int?

    static let bins = 4096
    static let range = 6.0

    /// Builds the column: `weights` are (token, count) of its population marginal in latent order;
    /// `unknown` are the tokens to draw apart; `mixture` the segments the quantiles are taken over.
    init(name: String, format: Format, role: Role = .drawn, weights: [(String, Double)], unknown: Set<String>,
         loading: [Double], mixture: [(weight: Double, centre: [Double])], withinSD: Double) {
        self.name = name
        self.format = format
        self.role = role
        let total = max(weights.reduce(0) { $0 + $1.1 }, 1e-300)
        let valid = weights.filter { !unknown.contains($0.0) && $0.1 > 0 }
        let unknownList = weights.filter { unknown.contains($0.0) && $0.1 > 0 }
        codes = valid.map(\.0)
        unknownCodes = unknownList.map(\.0)
        unknownShare = unknownList.reduce(0) { $0 + $1.1 } / total
        let suffix: [UInt8] = format == .decimal ? Array(".0".utf8) : format == .date ? Array(" 00:00:00".utf8) : []
        codeBytes = valid.map { Array($0.0.utf8) + suffix }
        unknownBytes = unknownList.map { Array($0.0.utf8) + suffix }
        var cum = 0.0
        let uTotal = max(unknownList.reduce(0) { $0 + $1.1 }, 1e-300)
        unknownCumulative = unknownList.map { cum += $0.1 / uTotal; return cum }
        // A layout on more axes than the column names follows none of the further ones.
        let axes = max(loading.count, mixture.first?.centre.count ?? 0)
        let loading = loading + [Double](repeating: 0, count: axes - loading.count)
        self.loading = loading
        let l2 = loading.reduce(0) { $0 + $1 * $1 }
        let noise = max(0.35, (1 - l2).squareRoot())
        noiseSD = noise
        // Score quantiles over the population mixture, analytically: a mixture of normals.
        let mTotal = mixture.reduce(0) { $0 + $1.weight }
        let parts = mixture.map { m -> (Double, Double, Double) in
            let mean = zip(loading, m.centre).reduce(0) { $0 + $1.0 * $1.1 }
            let sd = (l2 * withinSD * withinSD + noise * noise).squareRoot()
            return (m.weight / mTotal, mean, sd)
        }
        let vTotal = max(valid.reduce(0) { $0 + $1.1 }, 1e-300)
        var cut: [Double] = []
        var c = 0.0
        for (_, n) in valid { c += n / vTotal; cut.append(c) }
        var t = [UInt16](repeating: 0, count: Self.bins)
        var k = 0
        for b in 0..<Self.bins {
            let z = -Self.range + (Double(b) + 0.5) * (2 * Self.range / Double(Self.bins))
            let u = parts.reduce(0) { $0 + $1.0 * 0.5 * erfc(-(z - $1.1) / ($1.2 * 2.0.squareRoot())) }
            while k < cut.count - 1 && u > cut[k] { k += 1 }
            t[b] = UInt16(k)
        }
        table = t
    }
}

/// Which cells are empty: the published missing blocks, nested in the building block as in the
/// real files (a row without a building record has no PLZ8, microcell or CAMEO data either).
struct MissingPlan: Sendable {
    /// Per rule, the share of rows missing in each file.
    struct Rule: Sendable { var shares: [FullReference.File: Double] }
    var rules: [Rule]
    /// The building block: rows missing it are the high-missing rows of the truth.
    var baseRule: Int

    /// Missing flags of one row for every rule. `base` is whether the row is in the building block;
    /// `u` draws one uniform per rule.
    @inline(__always)
    func missing(rule r: Int, file: FullReference.File, base: Bool, u: Double) -> Bool {
        if r == baseRule { return base }
        let s = rules[r].shares[file] ?? 0
        let b = rules[baseRule].shares[file] ?? 0
        if s <= 0 { return false }
        if s >= b { return base || u < (s - b) / max(1e-12, 1 - b) }
        return base && u < s / max(b, 1e-12)
    }
}
