/// Distances among a sample of rows, for the silhouette (scikit-learn's `silhouette_samples` on a
/// `sample_size`): the pairwise matrix once, and per sampled row its distances to the others summed
/// by label. Each value depends only on its own rows, so the split between workers cannot change it.
package enum SampleDistances {
    /// The s x s matrix (row-major) of Euclidean distances between the sampled rows `sample` of `x`.
    package static func matrix(_ x: Matrix, sample: [Int], threads: Int) -> [Double] {
        let s = sample.count, d = x.columns
        var out = [Double](repeating: 0, count: s * s)
        out.withUnsafeMutableBufferPointer { ob in
            let oB = UncheckedSendable(ob.baseAddress!)
            x.withUnsafeBufferPointer { xb in
                let xB = UncheckedSendable(xb.baseAddress!)
                let workers = max(1, min(threads, s / 256 + 1))
                parallelFor(workers) { w in
                    // Rows interleaved across workers: the triangle is uneven.
                    var a = w
                    while a < s {
                        let ra = xB.value + sample[a] * d
                        for b in (a + 1)..<s {
                            let dist = RowKernels.squaredDistance(ra, xB.value + sample[b] * d, d).squareRoot()
                            oB.value[a * s + b] = dist
                            oB.value[b * s + a] = dist
                        }
                        a += workers
                    }
                }
            }
        }
        return out
    }

    /// For each sampled row a: `value(sums, counts, labels[a])`, where `sums[j]` and `counts[j]` are
    /// the sum and number of a's distances to the other sampled rows with label j (from `distances`,
    /// the matrix above, when given; computed as it goes otherwise).
    package static func perRow(_ x: Matrix, sample: [Int], labels: [Int], k: Int, distances: [Double]?, threads: Int,
                               _ value: (_ sums: [Double], _ counts: [Int], _ own: Int) -> Double) -> [Double] {
        let s = sample.count, d = x.columns
        var values = [Double](repeating: 0, count: s)
        values.withUnsafeMutableBufferPointer { vb in
            let vB = UncheckedSendable(vb.baseAddress!)
            x.withUnsafeBufferPointer { xb in
                let xB = UncheckedSendable(xb.baseAddress!)
                let workers = max(1, min(threads, s / 256 + 1))
                parallelFor(workers) { w in
                    var sums = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
                    for a in (s * w / workers)..<(s * (w + 1) / workers) {
                        for j in 0..<k { sums[j] = 0; counts[j] = 0 }
                        let ra = xB.value + sample[a] * d
                        if let distances {
                            for b in 0..<s where b != a {
                                sums[labels[b]] += distances[a * s + b]
                                counts[labels[b]] += 1
                            }
                        } else {
                            for b in 0..<s where b != a {
                                sums[labels[b]] += RowKernels.squaredDistance(ra, xB.value + sample[b] * d, d).squareRoot()
                                counts[labels[b]] += 1
                            }
                        }
                        vB.value[a] = value(sums, counts, labels[a])
                    }
                }
            }
        }
        return values
    }
}
