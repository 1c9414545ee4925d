import Foundation
import SegmentCore
import SegmentData
import SegmentModels

/// The mail-out response model: who will answer the next campaign (`segment train` / `predict`).
///
/// Each person's features: the full cleaning recipe's output (fitted on the population, so the
/// mail-out files are encoded as the population is; missing values kept for the trees), the
/// number of missing values and the high-missing flag, and what the segmentation learned — the
/// PCA components, the distance to every segment centre, the person's segment's customer ratio and
/// the customer-likeness score. Two models on them, both ours: histogram gradient-boosted trees, and
/// an L2 logistic regression on the median-imputed, standardised features. The one with the better
/// cross-validated ROC AUC is used for predictions.
public struct ResponseModel: Codable, Sendable {
    public var formatVersion = 1
    public var pipeline: FittedPipeline
    public var featureNames: [String]
    public var boosted: GradientBoostedTrees.Model
    public var logistic: LogisticRegression.Model
    public var logisticImputer: Imputer.Model
    public var logisticScaler: StandardScaler.Model
    /// `boosted` or `logistic`.
    public var chosen: String
    public var evaluation: ResponseEvaluation

    /// Each row's probability of responding, from the chosen model.
    public func probabilities(_ x: Matrix, threads: Int) -> [Double] {
        if chosen == "logistic" {
            var m = x
            StandardScaler.transform(&m, imputer: logisticImputer, scaler: logisticScaler, threads: threads)
            return logistic.decision(m, threads: threads).map { 1 / (1 + exp(-$0)) }
        }
        return boosted.probability(x, threads: threads)
    }
}

/// How well the models did, cross-validated on stratified folds of the training file.
public struct ResponseEvaluation: Codable, Sendable {
    public struct Fold: Codable, Sendable {
        public var fold: Int
        public var positives: Int
        public var rows: Int
        public var boostedROCAUC: Double
        public var boostedPRAUC: Double
        public var boostedRounds: Int
        public var logisticROCAUC: Double
        public var logisticPRAUC: Double
    }
    public struct Importance: Codable, Sendable {
        public var feature: String
        public var gain: Double
        public var meaning: String
    }
    public var rows: Int
    public var positives: Int
    /// Cross-validation of the chosen settings on the tuning folds (every fold but the held-out one).
    public var folds: [Fold]
    /// The settings tried (a fixed list, `searchBudget` long) and their mean ROC AUC over the tuning
    /// folds; the best is used.
    public var search: [Candidate]
    public var chosenSettings: String
    /// The held-out fold: never used to choose settings; each model fitted on the tuning folds.
    public var heldOut: HeldOut

    public struct Candidate: Codable, Sendable {
        public var settings: String
        public var meanROCAUC: Double
    }
    public struct HeldOut: Codable, Sendable {
        public var rows: Int
        public var positives: Int
        public var boostedROCAUC: Double
        public var boostedPRAUC: Double
        public var logisticROCAUC: Double
        public var logisticPRAUC: Double
    }
    public var boostedROCAUC: Summary
    public var logisticROCAUC: Summary
    public var boostedPRAUC: Summary
    public var logisticPRAUC: Summary
    /// The final boosted model's features by gain (top 20).
    public var importance: [Importance]
    /// The same features by permutation importance on the held-out fold: how much the held-out ROC
    /// AUC of the model fitted on the tuning folds drops when the feature's values are shuffled
    /// among the held-out people (seeded).
    public var permutationImportance: [Permutation]

    public struct Permutation: Codable, Sendable {
        public var feature: String
        public var rocAUCDrop: Double
    }
    /// The training rows' response rate per segment (the high-missing group last).
    public var responseRateBySegment: [Double]
    /// Cumulative gains from the out-of-fold scores: the share of all responders among the top
    /// 10%, 20%, ..., 100% of people as each model ranks them (a random mailing's is 10%, 20%, ...).
    public var boostedCumulativeGains: [Double]
    public var logisticCumulativeGains: [Double]
    public var settings: [String: String]

    public struct Summary: Codable, Sendable {
        public var mean: Double
        public var sd: Double
        init(_ v: [Double]) {
            let m = v.reduce(0, +) / Double(max(1, v.count))
            mean = m
            sd = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, v.count - 1))).squareRoot()
        }
    }
}

public enum ResponseError: Error, CustomStringConvertible, Equatable {
    case noResponseColumn(file: String)
    case badResponse(file: String, line: Int, value: String)
    case oneClass(file: String)

    public var description: String {
        switch self {
        case let .noResponseColumn(file): return "\(file): no RESPONSE column: a training file needs each person's 0/1 response"
        case let .badResponse(file, line, value): return "\(file):\(line): column 'RESPONSE': \"\(value)\" is not 0 or 1"
        case let .oneClass(file): return "\(file): RESPONSE is the same for every row: both responders and non-responders are needed"
        }
    }
}

public enum ResponseFeatures {
    /// The feature matrix of every row of `table` (rows in file order) and its column names.
    public static func build(_ fp: FittedPipeline, table: RawTable, backend: any LinearAlgebraBackend,
                             threads: Int) throws -> (matrix: Matrix, names: [String]) {
        let cleaned = try fp.recipe.apply(table, threads: threads, everyRow: true)
        var scaled = cleaned.matrix
        StandardScaler.transform(&scaled, imputer: fp.imputer, scaler: fp.scaler, threads: threads)
        let projected = try fp.pca.transform(scaled, backend: backend)
        scaled = Matrix(rows: 0, columns: 0)
        let distances = try fp.kmeans.transform(projected, backend: backend)
        let (labels, _) = try fp.kmeans.predict(projected, backend: backend, threads: threads)
        let k = fp.kmeans.centers.rows
        let ratios = fp.comparison.map { c in c.groups.map(\.ratioOfAll) } ?? [Double](repeating: .nan, count: k + 1)
        let likeness = fp.likeness.map { $0.decision(projected, threads: threads) }
        let f = cleaned.matrix.columns, c = projected.columns
        var names = cleaned.featureNames + ["missing_count", "high_missing"]
        names += (1...max(1, c)).prefix(c).map { "PC\($0)" }
        names += (0..<k).map { "distance_segment_\($0)" }
        names += ["segment_ratio", "customer_likeness"]
        let n = cleaned.matrix.rows, width = names.count
        var x = Matrix(rows: n, columns: width)
        for r in 0..<n {
            for j in 0..<f { x[r, j] = cleaned.matrix[r, j] }
            let high = cleaned.isHighMissing(r)
            x[r, f] = Double(cleaned.missingPerRow[r])
            x[r, f + 1] = high ? 1 : 0
            for j in 0..<c { x[r, f + 2 + j] = projected[r, j] }
            for j in 0..<k { x[r, f + 2 + c + j] = distances[r, j] }
            x[r, f + 2 + c + k] = ratios[high ? k : Int(labels[r])]
            x[r, f + 3 + c + k] = likeness?[r] ?? .nan
        }
        return (x, names)
    }

    /// The `RESPONSE` column of a training file: present, and 0 or 1 on every row.
    public static func responses(path: String, delimiter: UInt8?, threads: Int) throws -> [Bool] {
        let header = try ColumnSample.read(path: path, rows: 0, delimiter: delimiter).header
        guard header.contains("RESPONSE") else { throw ResponseError.noResponseColumn(file: path) }
        let schema = FeatureSchema(features: [Feature(name: "RESPONSE", informationLevel: "", type: .categorical,
                                                      missingCodes: [], isText: true)])
        let table = try CSVLoader(schema: schema, delimiter: delimiter, threads: threads).load(path: path)
        var out: [Bool] = []
        out.reserveCapacity(table.rowCount)
        for r in 0..<table.rowCount {
            switch table.code(row: r, column: 0) {
            case .number(0)?: out.append(false)
            case .number(1)?: out.append(true)
            case let other: throw ResponseError.badResponse(file: path, line: r + 2, value: other?.description ?? "")
            }
        }
        if !out.contains(true) || !out.contains(false) { throw ResponseError.oneClass(file: path) }
        return out
    }
}

/// Trains and evaluates the two response models.
public struct ResponseTrainer: Sendable {
    public var folds: Int
    public var boosting: GradientBoostedTrees
    /// How many settings of the search list to try (1: only `boosting`'s own).
    public var searchBudget: Int
    public var logisticL2: Double
    public var seed: UInt64
    public var threads: Int

    public init(folds: Int = 5, boosting: GradientBoostedTrees = GradientBoostedTrees(), searchBudget: Int = 6,
                logisticL2: Double = 1, seed: UInt64 = 42, threads: Int = ProcessInfoCompat.activeProcessorCount) {
        self.folds = max(3, folds)
        self.boosting = boosting
        self.searchBudget = max(1, searchBudget)
        self.logisticL2 = logisticL2
        self.seed = seed
        self.threads = max(1, threads)
    }

    /// Stratified folds: each class shuffled (seeded) and dealt out in turn.
    public static func stratifiedFolds(_ labels: [Bool], folds: Int, seed: UInt64) -> [Int] {
        var fold = [Int](repeating: 0, count: labels.count)
        var rng = SplitMix64.stream(seed: seed, 0x5F01D)
        for cls in [true, false] {
            var idx = labels.indices.filter { labels[$0] == cls }
            idx.shuffle(using: &rng)
            for (i, r) in idx.enumerated() { fold[r] = i % folds }
        }
        return fold
    }

    /// The share of all positives among the top 10%, 20%, ..., 100% of rows by score (ties by row).
    public static func cumulativeGains(_ scores: [Double], labels: [Bool]) -> [Double] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        let positives = Double(max(1, labels.filter { $0 }.count))
        return (1...10).map { d in
            let top = order.prefix(Int((Double(order.count) * Double(d) / 10).rounded()))
            return Double(top.filter { labels[$0] }.count) / positives
        }
    }

    /// Average precision (the area under the precision-recall curve, as scikit-learn computes it).
    public static func averagePrecision(_ scores: [Double], labels: [Bool]) -> Double {
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        let positives = Double(labels.filter { $0 }.count)
        guard positives > 0 else { return .nan }
        var tp = 0.0, fp = 0.0, ap = 0.0, previousRecall = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            for t in i...j { if labels[order[t]] { tp += 1 } else { fp += 1 } }
            let recall = tp / positives, precision = tp / (tp + fp)
            ap += (recall - previousRecall) * precision
            previousRecall = recall
            i = j + 1
        }
        return ap
    }

    /// The settings the search tries, in order: the given ones first, then a fixed list around
    /// LightGBM's usual starting points (depth, learning rate, share of features per tree).
    public func candidates() -> [GradientBoostedTrees] {
        var out = [boosting]
        for (depth, rate, features) in [(3, 0.1, 0.5), (5, 0.05, 0.3), (4, 0.1, 0.3), (6, 0.03, 0.5), (3, 0.05, 0.8),
                                        (5, 0.1, 0.5), (2, 0.1, 0.8)] {
            var b = boosting
            b.maxDepth = depth; b.learningRate = rate; b.featureSubsample = features
            if !out.contains(where: { $0.maxDepth == depth && $0.learningRate == rate && $0.featureSubsample == features }) { out.append(b) }
        }
        return Array(out.prefix(searchBudget))
    }

    static func settings(_ b: GradientBoostedTrees) -> String {
        "depth \(b.maxDepth), learning rate \(b.learningRate), features per tree \(b.featureSubsample)"
    }

    /// The boosted model with early stopping on a stratified sixth of `rows`.
    func fitBoosted(_ x: Matrix, _ labels: [Bool], rows: [Int], seed: UInt64,
                    settings: GradientBoostedTrees? = nil) throws -> GradientBoostedTrees.Model {
        let sub = labels.indicesAt(rows)
        let inner = Self.stratifiedFolds(sub, folds: 6, seed: seed)
        let fitRows = rows.indices.filter { inner[$0] != 0 }.map { rows[$0] }
        let stopRows = rows.indices.filter { inner[$0] == 0 }.map { rows[$0] }
        var b = settings ?? boosting
        b.seed = seed
        b.threads = threads
        return try b.fit(x.rows(at: fitRows), labels: labels.indicesAt(fitRows),
                         validation: (x.rows(at: stopRows), labels.indicesAt(stopRows)))
    }

    func fitLogistic(_ x: Matrix, _ labels: [Bool], rows: [Int], backend: any LinearAlgebraBackend) throws
        -> (LogisticRegression.Model, Imputer.Model, StandardScaler.Model) {
        var m = x.rows(at: rows)
        let (imputer, scaler) = StandardScaler().fitTransform(&m, imputing: Imputer(strategy: .median), threads: threads)
        let pos = rows.indices.filter { labels[rows[$0]] }, neg = rows.indices.filter { !labels[rows[$0]] }
        let model = try LogisticRegression(l2: logisticL2, threads: threads)
            .fit(negatives: m.rows(at: neg), positives: m.rows(at: pos), backend: backend)
        return (model, imputer, scaler)
    }

    public func train(pipeline: FittedPipeline, x: Matrix, names: [String], labels: [Bool],
                      backend: any LinearAlgebraBackend, meanings: [String: String] = [:],
                      progress: ((Int, Int) -> Void)? = nil) throws -> (model: ResponseModel, fitSeconds: [String: Double]) {
        let fold = Self.stratifiedFolds(labels, folds: folds, seed: seed)
        // Fold 0 is held out: nothing below looks at it until the settings are chosen.
        let tuning = labels.indices.filter { fold[$0] != 0 }, heldOutRows = labels.indices.filter { fold[$0] == 0 }
        let candidates = self.candidates()
        let steps = candidates.count * (folds - 1) + folds + 1
        var step = 0
        // Each candidate's scores on each tuning fold, and the logistic regression's.
        var boostedScores: [[[Double]]] = [], rounds: [[Int]] = []
        for c in candidates {
            var perFold: [[Double]] = [], r: [Int] = []
            for f in 1..<folds {
                progress?(step, steps); step += 1
                let trainRows = tuning.filter { fold[$0] != f }, testRows = tuning.filter { fold[$0] == f }
                let model = try fitBoosted(x, labels, rows: trainRows, seed: seed &+ UInt64(f), settings: c)
                perFold.append(model.decision(x.rows(at: testRows), threads: threads))
                r.append(model.trees.count)
            }
            boostedScores.append(perFold)
            rounds.append(r)
        }
        func foldLabels(_ f: Int) -> [Bool] { labels.indicesAt(tuning.filter { fold[$0] == f }) }
        let means = boostedScores.map { perFold in
            perFold.enumerated().map { LogisticRegression.rocAUC($1, labels: foldLabels($0 + 1)) }.reduce(0, +) / Double(folds - 1)
        }
        var bestIndex = 0
        for i in means.indices where means[i] > means[bestIndex] + 1e-12 { bestIndex = i }
        let best = candidates[bestIndex]
        var results: [ResponseEvaluation.Fold] = []
        // Out-of-fold scores (as ranks within their fold) for the cumulative gains, over the tuning rows.
        var boostedOOF = [Double](repeating: 0, count: labels.count), logisticOOF = boostedOOF
        for f in 1..<folds {
            progress?(step, steps); step += 1
            let trainRows = tuning.filter { fold[$0] != f }, testRows = tuning.filter { fold[$0] == f }
            let testY = labels.indicesAt(testRows)
            let bScores = boostedScores[bestIndex][f - 1]
            let (logistic, imputer, scaler) = try fitLogistic(x, labels, rows: trainRows, backend: backend)
            var lx = x.rows(at: testRows)
            StandardScaler.transform(&lx, imputer: imputer, scaler: scaler, threads: threads)
            let lScores = logistic.decision(lx, threads: threads)
            // Fold scores are on each fold's model's scale: pooled as within-fold percentile ranks.
            for (scores, into) in [(bScores, 0), (lScores, 1)] {
                let order = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
                for (rank, i) in order.enumerated() {
                    let v = Double(rank + 1) / Double(order.count)
                    if into == 0 { boostedOOF[testRows[i]] = v } else { logisticOOF[testRows[i]] = v }
                }
            }
            results.append(.init(fold: f, positives: testY.filter { $0 }.count, rows: testRows.count,
                                 boostedROCAUC: LogisticRegression.rocAUC(bScores, labels: testY),
                                 boostedPRAUC: Self.averagePrecision(bScores, labels: testY),
                                 boostedRounds: rounds[bestIndex][f - 1],
                                 logisticROCAUC: LogisticRegression.rocAUC(lScores, labels: testY),
                                 logisticPRAUC: Self.averagePrecision(lScores, labels: testY)))
        }
        // The held-out fold, with both models fitted on all the tuning rows.
        progress?(step, steps); step += 1
        let heldX = x.rows(at: heldOutRows), heldY = labels.indicesAt(heldOutRows)
        let heldModel = try fitBoosted(x, labels, rows: tuning, seed: seed, settings: best)
        let heldBoosted = heldModel.decision(heldX, threads: threads)
        let (hl, hi, hs) = try fitLogistic(x, labels, rows: tuning, backend: backend)
        var hx = heldX
        StandardScaler.transform(&hx, imputer: hi, scaler: hs, threads: threads)
        let heldLogistic = hl.decision(hx, threads: threads)
        let heldOut = ResponseEvaluation.HeldOut(
            rows: heldOutRows.count, positives: heldY.filter { $0 }.count,
            boostedROCAUC: LogisticRegression.rocAUC(heldBoosted, labels: heldY), boostedPRAUC: Self.averagePrecision(heldBoosted, labels: heldY),
            logisticROCAUC: LogisticRegression.rocAUC(heldLogistic, labels: heldY), logisticPRAUC: Self.averagePrecision(heldLogistic, labels: heldY))
        progress?(step, steps)
        let oofRows = tuning
        let all = Array(labels.indices)
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }
        let boosted = try fitBoosted(x, labels, rows: all, seed: seed, settings: best)
        let boostedSeconds = lap()
        let (logistic, imputer, scaler) = try fitLogistic(x, labels, rows: all, backend: backend)
        let logisticSeconds = lap()
        let order = rankDescending(boosted.gain, by: { $0 })
        let importance = order.prefix(20).filter { boosted.gain[$0] > 0 }.map { j in
            ResponseEvaluation.Importance(feature: names[j], gain: boosted.gain[j], meaning: meanings[names[j]] ?? "")
        }
        // Permutation importance of those features on the held-out fold.
        let baseAUC = LogisticRegression.rocAUC(heldBoosted, labels: heldY)
        var permRNG = SplitMix64.stream(seed: seed, 0x9E4)
        let permutation = order.prefix(20).filter { boosted.gain[$0] > 0 }.map { j -> ResponseEvaluation.Permutation in
            var shuffled = heldX
            var column = (0..<shuffled.rows).map { shuffled[$0, j] }
            column.shuffle(using: &permRNG)
            for r in 0..<shuffled.rows { shuffled[r, j] = column[r] }
            let auc = LogisticRegression.rocAUC(heldModel.decision(shuffled, threads: threads), labels: heldY)
            return .init(feature: names[j], rocAUCDrop: baseAUC - auc)
        }
        // Response rate per segment (high-missing last), from the training rows' segments.
        let k = pipeline.kmeans.centers.rows
        let segmentColumn = names.firstIndex(of: "high_missing")!
        let distanceStart = names.firstIndex(of: "distance_segment_0")
        var hits = [Int](repeating: 0, count: k + 1), counts = hits
        for r in 0..<x.rows {
            var g = k
            if x[r, segmentColumn] == 0, let d0 = distanceStart {
                g = (0..<k).min { x[r, d0 + $0] < x[r, d0 + $1] } ?? k
            }
            counts[g] += 1
            if labels[r] { hits[g] += 1 }
        }
        let evaluation = ResponseEvaluation(
            rows: labels.count, positives: labels.filter { $0 }.count, folds: results,
            search: zip(candidates, means).map { .init(settings: Self.settings($0), meanROCAUC: $1) },
            chosenSettings: Self.settings(best), heldOut: heldOut,
            boostedROCAUC: .init(results.map(\.boostedROCAUC)), logisticROCAUC: .init(results.map(\.logisticROCAUC)),
            boostedPRAUC: .init(results.map(\.boostedPRAUC)), logisticPRAUC: .init(results.map(\.logisticPRAUC)),
            importance: importance, permutationImportance: permutation,
            responseRateBySegment: zip(hits, counts).map { $1 > 0 ? Double($0) / Double($1) : 0 },
            boostedCumulativeGains: Self.cumulativeGains(boostedOOF.indicesAt(oofRows), labels: labels.indicesAt(oofRows)),
            logisticCumulativeGains: Self.cumulativeGains(logisticOOF.indicesAt(oofRows), labels: labels.indicesAt(oofRows)),
            settings: ["folds": "\(folds) (fold 0 held out)", "rounds": "\(best.rounds)", "learningRate": "\(best.learningRate)",
                       "maxDepth": "\(best.maxDepth)", "bins": "\(best.bins)", "rowSubsample": "\(best.rowSubsample)",
                       "featureSubsample": "\(best.featureSubsample)", "l2": "\(best.l2)", "searchBudget": "\(searchBudget)",
                       "earlyStopping": "\(boosting.earlyStopping)", "logisticL2": "\(logisticL2)", "seed": "\(seed)"])
        let chosen = evaluation.boostedROCAUC.mean >= evaluation.logisticROCAUC.mean ? "boosted" : "logistic"
        return (ResponseModel(pipeline: pipeline, featureNames: names, boosted: boosted, logistic: logistic,
                              logisticImputer: imputer, logisticScaler: scaler, chosen: chosen, evaluation: evaluation),
                ["boosted": boostedSeconds, "logistic": logisticSeconds])
    }
}

extension Array {
    /// The elements at the given indices, in that order.
    func indicesAt(_ idx: [Int]) -> [Element] { idx.map { self[$0] } }
}
