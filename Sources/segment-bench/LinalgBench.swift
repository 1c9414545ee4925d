import Foundation
@_spi(Benchmarks) import SegmentBLAS
@_spi(Benchmarks) import SegmentCore
import SegmentData
@_spi(Benchmarks) import SegmentModels
import SegmentAnalysis
import SegmentReports
import SegmentSynthetic

/// The linear-algebra stage: the products and decompositions the pipeline runs, at full size.
struct LinalgBench {
    let rows: Int
    let threads: Int
    let repeats: Int

    func run(into report: inout BenchReport) throws {
        let p = 85, k = 20
        var g = SplitMix64(seed: 2024)
        let x = Matrix(rows: rows, columns: p) { buf in for i in 0..<buf.count { buf[i] = g.nextGaussian() } }
        let centres = Matrix(rows: k, columns: p) { buf in for i in 0..<buf.count { buf[i] = g.nextGaussian() } }
        let openblas = OpenBLASBackend(threads: threads)
        let swift = SwiftBackend(threads: threads)

        // GEMM: X (n x 85) · Cᵀ (85 x 20), the k-means distance product.
        do {
            var c1 = Matrix(rows: rows, columns: k), c2 = c1
            var cd = [Double](repeating: 0, count: rows * k)
            let xs = x.storage, cs = centres.storage
            let t = try timeInterleaved(repeats: repeats, [
                ("direct", { DirectOpenBLAS.gemmABt(a: xs, b: cs, c: &cd, m: rows, n: k, k: p, threads: threads) }),
                ("openblas", { try openblas.gemm(.none, x, rows: nil, .transpose, centres, alpha: 1, beta: 0, into: &c1) }),
                ("swift", { try swift.gemm(.none, x, rows: nil, .transpose, centres, alpha: 1, beta: 0, into: &c2) }),
            ])
            let flops = 2.0 * Double(rows) * Double(k) * Double(p)
            addTriple(&report, name: "gemm \(rows)x\(p) · (\(k)x\(p))ᵀ", times: t, flops: flops,
                      agreement: relDiff(c1, c2))
        }
        // SYRK: Xᵀ X, the covariance product.
        do {
            var c1 = Matrix(rows: p, columns: p), c2 = c1
            var cd = [Double](repeating: 0, count: p * p)
            let xs = x.storage
            let t = try timeInterleaved(repeats: repeats, [
                ("direct", { DirectOpenBLAS.syrk(a: xs, c: &cd, n: rows, p: p, threads: threads) }),
                ("openblas", { try openblas.gram(x, alpha: 1, beta: 0, into: &c1) }),
                ("swift", { try swift.gram(x, alpha: 1, beta: 0, into: &c2) }),
            ])
            // SYRK does half the multiply-adds of the full product.
            let flops = Double(rows) * Double(p) * Double(p + 1)
            addTriple(&report, name: "syrk \(rows)x\(p)", times: t, flops: flops, agreement: relDiff(c1, c2))
        }
        // Symmetric eigen-decomposition, all pairs.
        for n in [85, 300, 600] {
            let a = Matrix(rows: n, columns: n) { buf in
                var h = SplitMix64(seed: UInt64(n))
                for i in 0..<n { for j in i..<n { let v = h.nextGaussian(); buf[i * n + j] = v; buf[j * n + i] = v } }
            }
            var e1: SymmetricEigen?, e2: SymmetricEigen?
            let t = try timeInterleaved(repeats: repeats, [
                ("direct", { var s = a.storage; DirectOpenBLAS.syevr(a: &s, n: n, threads: threads) }),
                ("openblas", { e1 = try openblas.symmetricEigen(a, range: .all) }),
                ("swift", { e2 = try swift.symmetricEigen(a, range: .all) }),
            ])
            let agree = zip(e1!.values, e2!.values).map { abs($0 - $1) }.max()! / abs(e1!.values[0])
            // About 9n³ flops for eigenvalues and vectors (a nominal figure for the rate column).
            addTriple(&report, name: "syevr \(n)x\(n) (all pairs)", times: t, flops: 9 * pow(Double(n), 3),
                      agreement: agree)
        }
    }

    private func relDiff(_ a: Matrix, _ b: Matrix) -> Double {
        var worst = 0.0, scale = 0.0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                for i in 0..<ap.count { worst = max(worst, abs(ap[i] - bp[i])); scale = max(scale, abs(ap[i])) }
            }
        }
        return worst / max(scale, 1e-300)
    }

    private func addTriple(_ report: inout BenchReport, name: String, times t: [String: Double],
                           flops: Double, agreement: Double) {
        let direct = t["direct"]!, ob = t["openblas"]!, sw = t["swift"]!
        report.add(BenchRecord(stage: "linalg", name: name, variant: "openblas-direct", seconds: direct,
                               gflops: flops / direct / 1e9, ratioToReference: nil, reference: nil, note: nil))
        report.add(BenchRecord(stage: "linalg", name: name, variant: "openblas-backend", seconds: ob,
                               gflops: flops / ob / 1e9, ratioToReference: ob / direct,
                               reference: "openblas-direct (target <= 1.10)", note: nil))
        report.add(BenchRecord(stage: "linalg", name: name, variant: "swift-backend", seconds: sw,
                               gflops: flops / sw / 1e9, ratioToReference: sw / ob,
                               reference: "openblas-backend",
                               note: String(format: "max relative difference between backends %.1e", agreement)))
    }
}
