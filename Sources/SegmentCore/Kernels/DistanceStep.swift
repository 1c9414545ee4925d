import Foundation

/// The distance step of k-means, as scikit-learn's `_k_means_lloyd.pyx` and `_k_means_common.pyx`
/// keep it apart from the estimator: rows in fixed chunks, the distances of a chunk to the centres
/// as ‖x‖² + ‖c‖² − 2 X Cᵀ through one GEMM per chunk, the argmin, and the per-cluster sums of the
/// update step. Chunks go to the workers round-robin (a chunk is one worker's), and every partial
/// result is combined in chunk order, so nothing depends on the thread count. The backend is called
/// single-threaded inside (one level of parallelism at a time).
package enum DistanceStep {
    /// Rows per chunk.
    package static let chunkRows = 16_384

    package struct Assignment {
        package var labels: [Int32]
        /// Squared distance to the assigned centre from the GEMM form (can carry rounding).
        package var squared: [Double]
        /// Exactly recomputed squared distance (only when asked).
        package var exactSquared: [Double]
        package var sums: Matrix        // k x d
        package var counts: [Int]
        package var inertia: Double
    }

    /// The chunks a process of `group` reads (all without one) and their rows: its rank's share of
    /// the chunks (`ProcessGroup.share(of:)`). Every kernel spread over a group splits the rows so.
    package static func ownRows(_ n: Int, _ group: (any ProcessGroup)?) -> (chunks: Range<Int>?, rows: Range<Int>) {
        guard let group else { return (nil, 0..<n) }
        return (group.share(of: (n + chunkRows - 1) / chunkRows), ownRows(n, rank: group.rank, of: group))
    }

    /// The rows of rank `rank` of `group` (see `ownRows(_:_:)`).
    package static func ownRows(_ n: Int, rank: Int, of group: any ProcessGroup) -> Range<Int> {
        let mine = type(of: group).share(of: (n + chunkRows - 1) / chunkRows, rank: rank, size: group.size)
        return min(n, mine.lowerBound * chunkRows)..<min(n, mine.upperBound * chunkRows)
    }

    /// ‖x‖² of every row (even shares of the rows per worker).
    package static func rowNorms(_ x: Matrix, threads: Int) -> [Double] {
        // (A store in memory reads nothing, so it cannot fail.)
        try! rowNorms(RowStore(x), threads: threads)
    }

    /// ‖x‖² of every row of a store (even shares of the rows per worker, each read a chunk at a time).
    /// `only`: those rows alone (the others' entries stay 0); a row's norm is the same bits either way.
    package static func rowNorms(_ x: RowStore, threads: Int, only: Range<Int>? = nil) throws -> [Double] {
        let d = x.columns, base = only?.lowerBound ?? 0, n = only?.count ?? x.rows
        var out = [Double](repeating: 0, count: x.rows)
        let workers = max(1, min(threads, n / 8192 + 1))
        var errors = [Error?](repeating: nil, count: workers)
        out.withUnsafeMutableBufferPointer { ob in
            let oB = UncheckedSendable(ob.baseAddress!)
            errors.withUnsafeMutableBufferPointer { eb in
                let eB = UncheckedSendable(eb.baseAddress!)
                parallelFor(workers) { w in
                    var buffer = Matrix(rows: 0, columns: 0)
                    let share = (base + n * w / workers)..<(base + n * (w + 1) / workers)
                    do {
                        for lo in stride(from: share.lowerBound, to: share.upperBound, by: chunkRows) {
                            let hi = min(share.upperBound, lo + chunkRows)
                            try x.withRows(lo..<hi, buffer: &buffer) { m, first in
                                m.withUnsafeBufferPointer { xb in
                                    let rows = xb.baseAddress! + (first - lo) * d
                                    for i in lo..<hi { oB.value[i] = RowKernels.squaredNorm(rows + i * d, d) }
                                }
                            }
                        }
                    } catch { eB.value[w] = error }
                }
            }
        }
        if let e = errors.compactMap({ $0 }).first { throw e }
        return out
    }

    /// One assignment step over fixed chunks: labels, squared distances, and (optionally) the
    /// per-cluster sums of the assigned rows for the update step.
    package static func assign(_ x: Matrix, centers: Matrix, backend: any LinearAlgebraBackend, threads: Int,
                       accumulate: Bool, xnorm: [Double]? = nil, exact: Bool = true) throws -> Assignment {
        try assign(RowStore(x), centers: centers, backend: backend, threads: threads, accumulate: accumulate,
                   xnorm: xnorm, exact: exact)
    }

    /// `assign` over the rows of a store, each chunk read once.
    package static func assign(_ x: RowStore, centers: Matrix, backend: any LinearAlgebraBackend, threads: Int,
                       accumulate: Bool, xnorm: [Double]? = nil, exact: Bool = true) throws -> Assignment {
        let n = x.rows, d = x.columns, k = centers.rows
        let norms = try xnorm ?? rowNorms(x, threads: threads)
        let single = backend.withThreads(1)
        let cnorm = squaredNorms(centers)
        let chunks = (n + chunkRows - 1) / chunkRows
        var labels = [Int32](repeating: 0, count: n)
        var squared = [Double](repeating: 0, count: n)
        var exactSq = exact ? [Double](repeating: 0, count: n) : []
        var partialSums = accumulate ? [Double](repeating: 0, count: chunks * k * d) : []
        var partialCounts = accumulate ? [Int](repeating: 0, count: chunks * k) : []
        var errors = [Error?](repeating: nil, count: chunks)
        let workers = max(1, min(threads, chunks))
        centers.withUnsafeBufferPointer { cb in
            let cB = UncheckedSendable(cb.baseAddress!)
            labels.withUnsafeMutableBufferPointer { lb in
                squared.withUnsafeMutableBufferPointer { sb in
                    exactSq.withUnsafeMutableBufferPointer { eb in
                        partialSums.withUnsafeMutableBufferPointer { psb in
                            partialCounts.withUnsafeMutableBufferPointer { pcb in
                                errors.withUnsafeMutableBufferPointer { errb in
                                    let lB = UncheckedSendable(lb.baseAddress!), sB = UncheckedSendable(sb.baseAddress!)
                                    // An empty array's buffer may still have a (shared) base address: only
                                    // hand out the pointers whose arrays were sized.
                                    let eB = UncheckedSendable(exact ? eb.baseAddress : nil)
                                    let psB = UncheckedSendable(accumulate ? psb.baseAddress : nil)
                                    let pcB = UncheckedSendable(accumulate ? pcb.baseAddress : nil)
                                    let errB = UncheckedSendable(errb.baseAddress!)
                                    parallelFor(workers) { w in
                                        var dots = Matrix(rows: chunkRows, columns: k)
                                        var buffer = Matrix(rows: 0, columns: 0)
                                        var c = w
                                        while c < chunks {
                                            defer { c += workers }
                                            let lo = c * chunkRows, hi = min(n, lo + chunkRows)
                                            if hi - lo != dots.rows { dots = Matrix(rows: hi - lo, columns: k) }
                                            do {
                                                try x.withRows(lo..<hi, buffer: &buffer) { xm, first in
                                                    let rows = first..<(first + hi - lo)
                                                    if !SkinnyKernel.product(xm, rows: rows, centers, into: &dots) {
                                                        try single.gemm(.none, xm, rows: rows, .transpose, centers,
                                                                        alpha: 1, beta: 0, into: &dots)
                                                    }
                                                    xm.withUnsafeBufferPointer { xb in
                                                        // Row i of the store is at xp + i * d.
                                                        let xp = xb.baseAddress! + (first - lo) * d
                                                        dots.withUnsafeBufferPointer { db in
                                                            for i in lo..<hi {
                                                                let row = db.baseAddress! + (i - lo) * k
                                                                var bestJ = 0
                                                                var bestD = Double.infinity
                                                                for j in 0..<k {
                                                                    let dist = cnorm[j] - 2 * row[j]
                                                                    if dist < bestD { bestD = dist; bestJ = j }
                                                                }
                                                                lB.value[i] = Int32(bestJ)
                                                                sB.value[i] = max(0, bestD + norms[i])
                                                                if let e = eB.value {
                                                                    e[i] = RowKernels.squaredDistance(xp + i * d, cB.value + bestJ * d, d)
                                                                }
                                                                if let ps = psB.value, let pc = pcB.value {
                                                                    let dst = ps + (c * k + bestJ) * d
                                                                    let xr = xp + i * d
                                                                    for t in 0..<d { dst[t] += xr[t] }
                                                                    pc[c * k + bestJ] += 1
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            } catch {
                                                errB.value[c] = error
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let e = errors.compactMap({ $0 }).first { throw e }
        var sums = Matrix(rows: k, columns: d)
        var counts = [Int](repeating: 0, count: k)
        if accumulate {
            sums.withUnsafeMutableBufferPointer { s in
                for c in 0..<chunks {
                    for j in 0..<k {
                        counts[j] += partialCounts[c * k + j]
                        for t in 0..<d { s[j * d + t] += partialSums[(c * k + j) * d + t] }
                    }
                }
            }
        }
        // Inertia summed in a fixed order (per chunk, then chunks in order).
        var inertia = 0.0
        let source = exact ? exactSq : squared
        for c in 0..<chunks {
            var s = 0.0
            for i in (c * chunkRows)..<min(n, (c + 1) * chunkRows) { s += source[i] }
            inertia += s
        }
        return Assignment(labels: labels, squared: squared, exactSquared: exactSq, sums: sums, counts: counts, inertia: inertia)
    }

    /// For each candidate centre, the k-means++ potential Σ min(closest, ‖x − candidate‖²) if it were
    /// added: summed per chunk and then in chunk order (no n x m matrix is kept). Under `group`, each
    /// process sums its own share of the chunks (`closest` need only hold its rows) and the chunks'
    /// sums are gathered, then added in chunk order on every process: the same bits as one process.
    package static func potentials(_ x: RowStore, closest: [Double], candidates: Matrix, xnorm: [Double],
                                   backend: any LinearAlgebraBackend, threads: Int,
                                   group: (any ProcessGroup)? = nil) throws -> [Double] {
        let m = candidates.rows, chunks = (x.rows + chunkRows - 1) / chunkRows
        let mine = group?.share(of: chunks) ?? 0..<chunks
        var partial = [Double](repeating: 0, count: chunks * m)
        try partial.withUnsafeMutableBufferPointer { pb in
            let pB = UncheckedSendable(pb.baseAddress!)
            try forEachChunkDistance(x, to: candidates, xnorm: xnorm, backend: backend, threads: threads, chunks: mine) { c, i, d2 in
                let sums = pB.value + c * m
                for j in 0..<m { sums[j] += min(closest[i], d2[j]) }
            }
        }
        if let group { partial = try group.allGather(Array(partial[(mine.lowerBound * m)..<(mine.upperBound * m)]), for: .seeding).flatMap { $0 } }
        var out = [Double](repeating: 0, count: m)
        for c in 0..<chunks { for j in 0..<m { out[j] += partial[c * m + j] } }
        return out
    }

    /// Squared distances of every row to a few points (n x m, row-major), clipped at 0.
    /// `chunks`: only the rows of those chunks (the others' entries stay 0).
    package static func squaredDistances(_ x: RowStore, to points: Matrix, xnorm: [Double], backend: any LinearAlgebraBackend,
                                         threads: Int, chunks: Range<Int>? = nil) throws -> [Double] {
        let m = points.rows
        var out = [Double](repeating: 0, count: x.rows * m)
        try out.withUnsafeMutableBufferPointer { ob in
            let oB = UncheckedSendable(ob.baseAddress!)
            try forEachChunkDistance(x, to: points, xnorm: xnorm, backend: backend, threads: threads, chunks: chunks) { _, i, d2 in
                for j in 0..<m { oB.value[i * m + j] = d2[j] }
            }
        }
        return out
    }

    /// The chunked distance step against a few points: one GEMM per chunk (‖x‖² + ‖p‖² − 2 X Pᵀ,
    /// clipped at 0), then `body(chunk, row, squared distances of the row to every point)` for each
    /// row of the chunk in order. Chunks go to the workers round-robin; a chunk is one worker's.
    /// `chunks`: only those chunks (nil: all).
    package static func forEachChunkDistance(_ x: RowStore, to points: Matrix, xnorm: [Double], backend: any LinearAlgebraBackend,
                                             threads: Int, chunks only: Range<Int>? = nil,
                                             _ body: (Int, Int, UnsafePointer<Double>) -> Void) throws {
        let n = x.rows, m = points.rows
        let pn = squaredNorms(points)
        let all = (n + chunkRows - 1) / chunkRows
        let first = only?.lowerBound ?? 0, chunks = only?.upperBound ?? all
        precondition(first >= 0 && first <= chunks && chunks <= all, "DistanceStep: chunks \(first)..<\(chunks) of \(all)")
        let workers = max(1, min(threads, chunks - first))
        var errors = [Error?](repeating: nil, count: all)
        try withoutActuallyEscaping(body) { body in
            let bodyBox = UncheckedSendable(body)
            errors.withUnsafeMutableBufferPointer { eb in
                let eB = UncheckedSendable(eb.baseAddress!)
                parallelFor(workers) { w in
                    var row = [Double](repeating: 0, count: m)
                    var buffer = Matrix(rows: 0, columns: 0)
                    var c = first + w
                    while c < chunks {
                        defer { c += workers }
                        let lo = c * chunkRows, hi = min(n, lo + chunkRows)
                        var dots = Matrix(uninitializedRows: hi - lo, columns: m)
                        do {
                            try x.withRows(lo..<hi, buffer: &buffer) { xm, first in
                                let rows = first..<(first + hi - lo)
                                if !SkinnyKernel.product(xm, rows: rows, points, into: &dots) {
                                    try backend.gemm(.none, xm, rows: rows, .transpose, points, alpha: 1, beta: 0, into: &dots)
                                }
                            }
                        } catch {
                            eB.value[c] = error
                            continue
                        }
                        dots.withUnsafeBufferPointer { db in
                            row.withUnsafeMutableBufferPointer { rb in
                                for i in lo..<hi {
                                    for j in 0..<m { rb[j] = max(0, xnorm[i] + pn[j] - 2 * db[(i - lo) * m + j]) }
                                    bodyBox.value(c, i, UnsafePointer(rb.baseAddress!))
                                }
                            }
                        }
                    }
                }
            }
            if let e = errors.compactMap({ $0 }).first { throw e }
        }
    }

    /// ‖row‖² of each row of a small matrix (centres, candidates), summed in column order.
    package static func squaredNorms(_ m: Matrix) -> [Double] {
        (0..<m.rows).map { j in (0..<m.columns).reduce(0.0) { $0 + m[j, $1] * m[j, $1] } }
    }


    /// Distances (not squared) of every row to every centre: an n x k matrix, one GEMM and a pass.
    package static func allDistances(_ x: Matrix, centers: Matrix, backend: any LinearAlgebraBackend) throws -> Matrix {
        var d = try backend.multiply(x, .none, centers, .transpose, alpha: -2)
        let k = centers.rows, rows = x.rows, dims = x.columns
        let cn = squaredNorms(centers)
        x.withUnsafeBufferPointer { xb in
            d.withUnsafeMutableBufferPointer { db in
                for i in 0..<rows {
                    var xn = 0.0
                    for t in 0..<dims { xn += xb[i * dims + t] * xb[i * dims + t] }
                    for j in 0..<k { db[i * k + j] = max(0, db[i * k + j] + xn + cn[j]).squareRoot() }
                }
            }
        }
        return d
    }
}

extension Matrix {
    /// The sum of all elements, in parallel: one pass over the storage (the benchmarks' yardstick).
    @_spi(Benchmarks) public func parallelSum(threads: Int) -> Double {
        let n = count
        let workers = max(1, min(threads, n / 65_536 + 1))
        var partial = [Double](repeating: 0, count: workers)
        withUnsafeBufferPointer { b in
            let box = UncheckedSendable(b.baseAddress!)
            partial.withUnsafeMutableBufferPointer { pb in
                let pBox = UncheckedSendable(pb.baseAddress!)
                parallelFor(workers) { w in
                    var acc = 0.0
                    for i in (n * w / workers)..<(n * (w + 1) / workers) { acc += box.value[i] }
                    pBox.value[w] = acc
                }
            }
        }
        return partial.reduce(0, +)
    }
}
