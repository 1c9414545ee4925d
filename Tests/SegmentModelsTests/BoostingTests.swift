import Foundation
import Testing
@testable import SegmentCore
@testable import SegmentModels

/// The histogram gradient-boosted trees: they learn what is there (a threshold, an interaction, a
/// missing-value signal), bin as documented, stop early, and give the same model whatever the
/// thread count.
@Suite("Gradient-boosted trees")
struct BoostingTests {
    /// Rows with a response that depends on x0 > 0, on x1 * x2 > 0 (an interaction no single split
    /// finds), and on x3 being missing; x4 is noise.
    static func data(rows n: Int, seed: UInt64) -> (Matrix, [Bool]) {
        var rng = SplitMix64(seed: seed)
        var x = Matrix(rows: n, columns: 5)
        var y: [Bool] = []
        for r in 0..<n {
            for j in 0..<5 { x[r, j] = rng.nextGaussian() }
            let missing = rng.nextUnit() < 0.2
            if missing { x[r, 3] = .nan }
            let logit = 2.0 * (x[r, 0] > 0 ? 1 : -1) + 1.5 * (x[r, 1] * x[r, 2] > 0 ? 1 : -1) + (missing ? 1.5 : 0) - 1.5
            y.append(rng.nextUnit() < 1 / (1 + exp(-logit)))
        }
        return (x, y)
    }

    @Test("learns a threshold, an interaction and a missing-value signal, on held-out rows")
    func learns() throws {
        let (x, y) = Self.data(rows: 6_000, seed: 1)
        let (tx, ty) = Self.data(rows: 3_000, seed: 2)
        let model = try GradientBoostedTrees(rounds: 150, learningRate: 0.1, maxDepth: 3, featureSubsample: 1, threads: 2)
            .fit(x, labels: y, validation: (tx, ty))
        let auc = LogisticRegression.rocAUC(model.decision(tx), labels: ty)
        // The Bayes AUC of this model is about 0.85; one split on x0 alone reaches about 0.72.
        #expect(auc > 0.82, "AUC \(auc)")
        #expect(model.gain[4] < 0.1 * model.gain.max()! && (0...2).allSatisfy { model.gain[$0] > model.gain[4] }, "noise feature gain \(model.gain)")
        #expect(model.gain[3] > 0)   // the missing-value signal is used
        // A linear model cannot use the interaction: the trees beat it clearly.
        var pos: [Int] = [], neg: [Int] = []
        for i in y.indices { if y[i] { pos.append(i) } else { neg.append(i) } }
        var filled = x, tfilled = tx
        for r in 0..<filled.rows where filled[r, 3].isNaN { filled[r, 3] = 0 }
        for r in 0..<tfilled.rows where tfilled[r, 3].isNaN { tfilled[r, 3] = 0 }
        let linear = try LogisticRegression().fit(negatives: filled.rows(at: neg), positives: filled.rows(at: pos), backend: SwiftBackend())
        #expect(auc > LogisticRegression.rocAUC(linear.decision(tfilled), labels: ty) + 0.05)
    }

    @Test("the same model with one thread or two, and the same again")
    func deterministic() throws {
        let (x, y) = Self.data(rows: 3_000, seed: 3)
        let (vx, vy) = Self.data(rows: 1_000, seed: 4)
        let one = try GradientBoostedTrees(rounds: 40, threads: 1).fit(x, labels: y, validation: (vx, vy))
        let two = try GradientBoostedTrees(rounds: 40, threads: 2).fit(x, labels: y, validation: (vx, vy))
        let again = try GradientBoostedTrees(rounds: 40, threads: 2).fit(x, labels: y, validation: (vx, vy))
        #expect(one == two && two == again)
        #expect(one.decision(vx, threads: 1) == two.decision(vx, threads: 2))
        // A saved model predicts the same.
        let back = try JSONDecoder().decode(GradientBoostedTrees.Model.self, from: JSONEncoder().encode(one))
        #expect(back.decision(vx) == one.decision(vx))
    }

    @Test("bins: few distinct values cut between them, many at quantiles, missing in bin 0")
    func bins() {
        #expect(GradientBoostedTrees.edges([3, 1, 2, 2, .nan, 1], bins: 10) == [1.5, 2.5])
        #expect(GradientBoostedTrees.bin(.nan, [1.5, 2.5]) == 0)
        #expect(GradientBoostedTrees.bin(1, [1.5, 2.5]) == 1 && GradientBoostedTrees.bin(2, [1.5, 2.5]) == 2
                && GradientBoostedTrees.bin(9, [1.5, 2.5]) == 3)
        let many = (0..<1000).map(Double.init)
        let e = GradientBoostedTrees.edges(many, bins: 4)
        #expect(e == [249.5, 499.5, 749.5])
        #expect(GradientBoostedTrees.edges([.nan, .nan], bins: 4).isEmpty)
    }

    @Test("early stopping keeps the rounds up to the best validation AUC")
    func earlyStopping() throws {
        let (x, y) = Self.data(rows: 2_000, seed: 5)
        let (vx, vy) = Self.data(rows: 800, seed: 6)
        let model = try GradientBoostedTrees(rounds: 400, learningRate: 0.3, earlyStopping: 10, threads: 2)
            .fit(x, labels: y, validation: (vx, vy))
        #expect(model.trees.count < 400)
        #expect(model.validationAUC.count == model.trees.count)
        #expect(model.validationAUC.last == model.validationAUC.max())
    }

    @Test("one class or mismatched labels are errors")
    func errors() {
        let (x, _) = Self.data(rows: 100, seed: 7)
        #expect(throws: GradientBoostedTrees.FitError.self) {
            _ = try GradientBoostedTrees().fit(x, labels: [Bool](repeating: true, count: 100))
        }
        #expect(throws: GradientBoostedTrees.FitError.self) { _ = try GradientBoostedTrees().fit(x, labels: [true]) }
    }
}
