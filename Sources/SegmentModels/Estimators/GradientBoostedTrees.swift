import Foundation
import SegmentCore

/// Histogram gradient-boosted trees for a binary target (log loss), as LightGBM and scikit-learn's
/// `HistGradientBoostingClassifier` build them: every feature cut into at most `bins` quantile bins
/// (missing values in a bin of their own, sent to whichever side of a split gains more), trees grown
/// depth-wise on the gradient and hessian histograms (the larger child's by subtraction), leaves
/// `-G / (H + l2)` shrunk by the learning rate, rows and features subsampled per tree, the classes
/// weighted equally by default, and early stopping on a validation set's ROC AUC.
///
/// Written here rather than bound from LightGBM: no Swift package or Debian library offers it, and
/// the model must be Codable, deterministic across thread counts (each feature's histogram is summed
/// by one worker in row order; ties go to the lower feature and bin) and part of the saved model.
public struct GradientBoostedTrees: Sendable {
    public var rounds: Int
    public var learningRate: Double
    public var maxDepth: Int
    /// A child needs at least this much hessian (weighted rows x p(1-p)) and this many rows.
    public var minChildHessian: Double
    public var minChildRows: Int
    public var l2: Double
    public var rowSubsample: Double
    public var featureSubsample: Double
    public var bins: Int
    /// Stop when the validation AUC has not improved for this many rounds.
    public var earlyStopping: Int
    /// Weight the classes equally (each class's weights add up to half the rows).
    public var balanced: Bool
    public var seed: UInt64
    public var threads: Int

    public init(rounds: Int = 400, learningRate: Double = 0.05, maxDepth: Int = 4, minChildHessian: Double = 1e-3,
                minChildRows: Int = 20,
                l2: Double = 1, rowSubsample: Double = 0.7, featureSubsample: Double = 0.5, bins: Int = 255,
                earlyStopping: Int = 40, balanced: Bool = true, seed: UInt64 = 42,
                threads: Int = ProcessInfoCompat.activeProcessorCount) {
        self.rounds = rounds
        self.learningRate = learningRate
        self.maxDepth = maxDepth
        self.minChildHessian = minChildHessian
        self.minChildRows = max(1, minChildRows)
        self.l2 = l2
        self.rowSubsample = rowSubsample
        self.featureSubsample = featureSubsample
        self.bins = max(2, min(bins, 254))
        self.earlyStopping = earlyStopping
        self.balanced = balanced
        self.seed = seed
        self.threads = max(1, threads)
    }

    /// A tree as node arrays: node `i` is a leaf when `feature[i] < 0`; otherwise rows whose bin is
    /// at most `threshold[i]` go left (bin 0, missing, goes left when `missingLeft[i]`).
    public struct Tree: Codable, Sendable, Equatable {
        public var feature: [Int32] = []
        public var threshold: [UInt8] = []
        public var missingLeft: [Bool] = []
        public var left: [Int32] = []
        public var right: [Int32] = []
        public var value: [Double] = []

        mutating func add(leaf v: Double) -> Int {
            feature.append(-1); threshold.append(0); missingLeft.append(false); left.append(-1); right.append(-1); value.append(v)
            return feature.count - 1
        }

        @inline(__always)
        func leaf(_ binOf: (Int) -> UInt8) -> Int {
            var i = 0
            while feature[i] >= 0 {
                let b = binOf(Int(feature[i]))
                let goLeft = b == 0 ? missingLeft[i] : b <= threshold[i]
                i = Int(goLeft ? left[i] : right[i])
            }
            return i
        }
    }

    public struct Model: Codable, Sendable, Equatable {
        /// Per feature, the bin edges: bin 0 is missing, bin k (1-based) holds values above k - 1 edges.
        public var edges: [[Double]]
        public var base: Double
        public var trees: [Tree]
        /// Per feature, the loss reduction of its splits summed over the trees (importance by gain).
        public var gain: [Double]
        /// The validation AUC after each round (empty without validation).
        public var validationAUC: [Double]

        /// The decision (log-odds) per row.
        public func decision(_ x: Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) -> [Double] {
            let values = x.storage, p = x.columns
            return RowBlocks(rows: x.rows, threads: threads).fill(repeating: 0.0) { block, out in
                let cells = values.span
                var binsOfRow = [UInt8](repeating: 0, count: p)
                for (i, r) in block.enumerated() {
                    for j in 0..<p { binsOfRow[j] = GradientBoostedTrees.bin(cells[r * p + j], edges[j]) }
                    var s = base
                    for t in trees { s += t.value[t.leaf { binsOfRow[$0] }] }
                    out[i] = s
                }
            }
        }

        public func probability(_ x: Matrix, threads: Int = ProcessInfoCompat.activeProcessorCount) -> [Double] {
            decision(x, threads: threads).map { 1 / (1 + exp(-$0)) }
        }
    }

    @inline(__always)
    static func bin(_ v: Double, _ edges: [Double]) -> UInt8 {
        if v.isNaN { return 0 }
        var lo = 0, hi = edges.count
        while lo < hi { let m = (lo + hi) / 2; if edges[m] < v { lo = m + 1 } else { hi = m } }
        return UInt8(lo + 1)
    }

    /// Quantile edges of one feature's non-missing values: midpoints between distinct values when
    /// there are few, else between the values at equal-count cut points.
    static func edges(_ values: [Double], bins: Int) -> [Double] {
        let sorted = values.filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty else { return [] }
        var distinct: [Double] = []
        for v in sorted where distinct.last != v { distinct.append(v) }
        if distinct.count <= bins { return zip(distinct, distinct.dropFirst()).map { ($0 + $1) / 2 } }
        var out: [Double] = []
        for k in 1..<bins {
            let i = k * sorted.count / bins
            let e = (sorted[max(0, i - 1)] + sorted[i]) / 2
            if out.last.map({ e > $0 }) ?? true, e > sorted[0], e < sorted[sorted.count - 1] { out.append(e) }
        }
        return out
    }

    public enum FitError: Error, CustomStringConvertible {
        case oneClass
        case shape(String)
        public var description: String {
            switch self {
            case .oneClass: return "boosted trees: both classes are needed"
            case let .shape(s): return "boosted trees: \(s)"
            }
        }
    }

    public func fit(_ x: Matrix, labels: [Bool], validation: (x: Matrix, labels: [Bool])? = nil) throws -> Model {
        let n = x.rows, p = x.columns
        guard labels.count == n else { throw FitError.shape("\(n) rows but \(labels.count) labels") }
        let positives = labels.filter { $0 }.count
        guard positives > 0, positives < n else { throw FitError.oneClass }
        // Bins, column-major (a feature's histogram reads one contiguous column).
        let values = x.storage
        let edges: [[Double]] = Parallel.map(p, workers: threads) { j in
            let cells = values.span
            return Self.edges((0..<n).map { cells[$0 * p + j] }, bins: bins)
        }
        let binned: [[UInt8]] = Parallel.map(p, workers: threads) { j in
            let cells = values.span
            return (0..<n).map { Self.bin(cells[$0 * p + j], edges[j]) }
        }
        let wPos = balanced ? Double(n) / (2 * Double(positives)) : 1
        let wNeg = balanced ? Double(n) / (2 * Double(n - positives)) : 1
        let weight = labels.map { $0 ? wPos : wNeg }
        let base = balanced ? 0 : log(Double(positives) / Double(n - positives))
        var score = [Double](repeating: base, count: n)
        let validationBins: [[UInt8]]? = validation.map { v in
            let vv = v.x.storage, vp = v.x.columns
            return (0..<v.x.rows).map { r in
                let cells = vv.span
                return (0..<vp).map { Self.bin(cells[r * vp + $0], edges[$0]) }
            }
        }
        var validationScore = [Double](repeating: base, count: validation?.x.rows ?? 0)
        var trees: [Tree] = []
        var gain = [Double](repeating: 0, count: p)
        var history: [Double] = []
        var best = (auc: -Double.infinity, rounds: 0)
        var rng = SplitMix64.stream(seed: seed, 0x6B7)
        let slots = bins + 1
        for _ in 0..<rounds {
            var g = [Double](repeating: 0, count: n), h = g
            for i in 0..<n {
                let prob = 1 / (1 + exp(-score[i]))
                g[i] = weight[i] * (prob - (labels[i] ? 1 : 0))
                h[i] = max(weight[i] * prob * (1 - prob), 1e-16)
            }
            let rows = (0..<n).filter { _ in rng.nextUnit() < rowSubsample }
            var features = (0..<p).filter { _ in rng.nextUnit() < featureSubsample }
            if features.isEmpty { features = [rng.nextInt(below: p)] }
            let (tree, treeGain) = grow(rows: rows, features: features, binned: binned, g: g, h: h, slots: slots)
            for (j, v) in treeGain { gain[j] += v }
            for i in 0..<n { score[i] += tree.value[tree.leaf { binned[$0][i] }] }
            trees.append(tree)
            if let v = validation, let vb = validationBins {
                for i in 0..<vb.count { validationScore[i] += tree.value[tree.leaf { vb[i][$0] }] }
                let auc = LogisticRegression.rocAUC(validationScore, labels: v.labels)
                history.append(auc)
                if auc > best.auc + 1e-12 { best = (auc, trees.count) }
                if trees.count - best.rounds >= earlyStopping { break }
            }
        }
        if validation != nil { trees = Array(trees.prefix(max(1, best.rounds))); history = Array(history.prefix(trees.count)) }
        return Model(edges: edges, base: base, trees: trees, gain: gain, validationAUC: history)
    }

    /// One tree, depth-wise. Returns it and the gain of each feature's splits.
    private func grow(rows: [Int], features: [Int], binned: [[UInt8]], g: [Double], h: [Double],
                      slots: Int) -> (Tree, [Int: Double]) {
        struct Node { var rows: [Int]; var histogram: [Double]?; var index: Int }
        var tree = Tree()
        var gains: [Int: Double] = [:]
        let fcount = features.count
        // Histograms: per sampled feature, per bin, (G, H), as one flat array.
        func histogram(_ rows: [Int]) -> [Double] {
            let parts: [[Double]] = Parallel.map(fcount, workers: min(threads, max(1, fcount / 8))) { k in
                let column = binned[features[k]]
                var hist = [Double](repeating: 0, count: 3 * slots)
                for i in rows { let b = Int(column[i]); hist[3 * b] += g[i]; hist[3 * b + 1] += h[i]; hist[3 * b + 2] += 1 }
                return hist
            }
            return parts.flatMap { $0 }
        }
        func sums(_ rows: [Int]) -> (Double, Double) {
            var G = 0.0, H = 0.0
            for i in rows { G += g[i]; H += h[i] }
            return (G, H)
        }
        func leafValue(_ G: Double, _ H: Double) -> Double { -G / (H + l2) * learningRate }
        let root = tree.add(leaf: 0)
        var level = [Node(rows: rows, histogram: nil, index: root)]
        for depth in 0...maxDepth {
            var next: [Node] = []
            for var node in level {
                let (G, H) = sums(node.rows)
                tree.value[node.index] = leafValue(G, H)
                guard depth < maxDepth, node.rows.count >= 2 * minChildRows, H >= 2 * minChildHessian else { continue }
                let N = Double(node.rows.count), minRows = Double(minChildRows)
                let hist = node.histogram ?? histogram(node.rows)
                node.histogram = hist
                let parentScore = G * G / (H + l2)
                var best = (gain: 0.0, k: -1, t: 0, missingLeft: false)
                for k in 0..<fcount {
                    let base = k * 3 * slots
                    let gMissing = hist[base], hMissing = hist[base + 1], nMissing = hist[base + 2]
                    var gl = 0.0, hl = 0.0, nl = 0.0
                    for t in 1..<(slots - 1) {
                        gl += hist[base + 3 * t]; hl += hist[base + 3 * t + 1]; nl += hist[base + 3 * t + 2]
                        // Missing values right, then left.
                        var GL = gl, HL = hl, NL = nl
                        for side in 0..<2 {
                            if side == 1 { GL += gMissing; HL += hMissing; NL += nMissing }
                            let GR = G - GL, HR = H - HL, NR = N - NL
                            if HL >= minChildHessian && HR >= minChildHessian && NL >= minRows && NR >= minRows {
                                let gain = GL * GL / (HL + l2) + GR * GR / (HR + l2) - parentScore
                                if gain > best.gain + 1e-12 { best = (gain, k, t, side == 1) }
                            }
                        }
                    }
                }
                guard best.k >= 0 else { continue }
                let f = features[best.k]
                let column = binned[f]
                var leftRows: [Int] = [], rightRows: [Int] = []
                for i in node.rows {
                    let b = column[i]
                    if b == 0 ? best.missingLeft : Int(b) <= best.t { leftRows.append(i) } else { rightRows.append(i) }
                }
                guard !leftRows.isEmpty, !rightRows.isEmpty else { continue }
                gains[f, default: 0] += best.gain
                let l = tree.add(leaf: 0), r = tree.add(leaf: 0)
                tree.feature[node.index] = Int32(f)
                tree.threshold[node.index] = UInt8(best.t)
                tree.missingLeft[node.index] = best.missingLeft
                tree.left[node.index] = Int32(l)
                tree.right[node.index] = Int32(r)
                // The smaller child's histogram is built; the larger's is the parent's minus it (none
                // for children that will be leaves).
                if depth + 1 < maxDepth {
                    let smallIsLeft = leftRows.count <= rightRows.count
                    let small = histogram(smallIsLeft ? leftRows : rightRows)
                    let large = zip(hist, small).map { $0 - $1 }
                    next.append(Node(rows: leftRows, histogram: smallIsLeft ? small : large, index: l))
                    next.append(Node(rows: rightRows, histogram: smallIsLeft ? large : small, index: r))
                } else {
                    next.append(Node(rows: leftRows, histogram: nil, index: l))
                    next.append(Node(rows: rightRows, histogram: nil, index: r))
                }
            }
            level = next
            if level.isEmpty { break }
        }
        return (tree, gains)
    }
}
