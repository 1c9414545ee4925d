import Foundation

/// Hamerly's accelerated k-means (G. Hamerly, "Making k-means even faster", SIAM SDM 2010): the same
/// iterations as Lloyd — the same assignments and centres, up to rounding — with far less work.
///
/// Each row carries an upper bound on the distance to its own centre and a lower bound on the
/// distance to every other centre. After the centres move, the bounds are moved by the same amounts
/// (triangle inequality); a row whose upper bound is below both its lower bound and half the distance
/// from its centre to the nearest other one cannot change cluster and is not looked at again. The
/// others get their upper bound tightened to the exact distance and, if that is not enough, go
/// through the distance step: gathered per chunk into one GEMM against the centres (‖c‖² − 2 X Cᵀ,
/// plus ‖x‖²). The per-cluster sums are kept per chunk and updated only by the rows that change
/// cluster, so an iteration late in a fit reads the two bounds of most rows and little else.
///
/// Chunks are fixed (`DistanceStep.chunkRows`), each chunk is handled by one worker in row order, and the
/// chunk sums are combined in chunk order: the result does not depend on the thread count. Spread
/// over a `ProcessGroup`, each process computes the chunks of its share and the chunk sums are
/// gathered after every assignment step, so every process combines the same sums in the same
/// order: the result does not depend on the number of processes either. A process reads only the
/// rows of its own chunks (`DistanceStep.ownRows`): the others need not be in its store, and the
/// row an empty cluster moves to comes from the process that holds it. The rows come from a
/// `RowStore`, in memory or read a chunk at a time from a spill file (`--memory-limit`); a chunk
/// none of whose rows can change cluster is not read at all.
/// scikit-learn's `algorithm="elkan"` is the same idea with k lower bounds per row; Hamerly's single
/// bound suits the low dimension of a PCA-reduced matrix and keeps the state at two numbers per row.
/// Measured on the default data: Elkan's bounds (kept as floats relative to each centre's total
/// drift, with and without this bound as a first filter) took twice Hamerly's time for the sweep
/// and the final fit, and 2.6x at k = 20. The segments overlap, so about 30% of the rows need their
/// exact distance in every step under either scheme, and walking k bounds per row costs more than
/// the GEMM it saves. Lloyd is within 1.2x of Hamerly at k = 20: the steps are bound by reading rows.
package enum Hamerly {
    /// `resultsTo`: under `group`, the rank that alone receives every row's label and distance; the
    /// others keep their own rows' (`DistanceStep.ownRows`, from its first). Nil: every rank
    /// receives every row's.
    package static func run(_ x: RowStore, centers start: Matrix, xnorm: [Double], maxIterations: Int, tolAbs: Double,
                    backend: any LinearAlgebraBackend, threads: Int, group: (any ProcessGroup)? = nil,
                    resultsTo root: Int? = nil) throws -> KMeansRun {
        let n = x.rows, d = x.columns, k = start.rows
        let chunkRows = DistanceStep.chunkRows
        let chunks = (n + chunkRows - 1) / chunkRows
        // The chunks this process computes: all of them, or its share of a group's.
        let spread = group.flatMap { $0.size > 1 ? $0 : nil }
        let owned = spread?.share(of: chunks) ?? 0..<chunks
        let workers = max(1, min(threads, owned.count))
        var centers = start
        let labels = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
        let upper = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let lower = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let partialSums = UnsafeMutableBufferPointer<Double>.allocate(capacity: chunks * k * d)
        let partialCounts = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks * k)
        partialSums.initialize(repeating: 0)
        partialCounts.initialize(repeating: 0)
        defer {
            labels.deallocate(); upper.deallocate(); lower.deallocate()
            partialSums.deallocate(); partialCounts.deallocate()
        }
        var moved = [Int](repeating: 0, count: chunks)
        var errors = [Error?](repeating: nil, count: chunks)
        var delta = [Double](repeating: 0, count: k)     // how far each centre moved in the last update
        var relocated = 0, iterations = 0, converged = false
        let box = UncheckedSendable((labels: labels.baseAddress!, upper: upper.baseAddress!, lower: lower.baseAddress!,
                                     sums: partialSums.baseAddress!, counts: partialCounts.baseAddress!))

        // Each pass is an assignment step and then an update step; once the centres have converged
        // (or the iterations run out) one more assignment step gives the final centres' labels.
        var finishing = false
        while true {
            if finishing {} else if iterations >= max(1, maxIterations) { finishing = true } else { iterations += 1 }
            let first = iterations == 1 && !finishing
            let half = halfDistanceToNearest(centers)
            // Every lower bound drops by the largest move of another centre.
            var maxMove = 0.0, maxAt = -1, secondMove = 0.0
            for j in 0..<k {
                if delta[j] > maxMove { secondMove = maxMove; maxMove = delta[j]; maxAt = j }
                else if delta[j] > secondMove { secondMove = delta[j] }
            }
            let cnorm = DistanceStep.squaredNorms(centers)
            let move = delta, current = centers
            current.withUnsafeBufferPointer { cb in
                let cB = UncheckedSendable(cb.baseAddress!)
                moved.withUnsafeMutableBufferPointer { mb in
                    errors.withUnsafeMutableBufferPointer { eb in
                        let mB = UncheckedSendable(mb.baseAddress!), eB = UncheckedSendable(eb.baseAddress!)
                        parallelFor(workers) { w in
                            let s = box.value, cp = cB.value
                            // Row numbers and bounds of one chunk, filled without branches so the
                            // reads of the rows in step 2 can overlap; the candidates' rows gathered.
                            let tighten = UnsafeMutablePointer<Int>.allocate(capacity: chunkRows)
                            let bounds = UnsafeMutablePointer<Double>.allocate(capacity: chunkRows)
                            let cand = UnsafeMutablePointer<Int>.allocate(capacity: chunkRows)
                            defer { tighten.deallocate(); bounds.deallocate(); cand.deallocate() }
                            var gathered = Matrix(uninitializedRows: chunkRows, columns: d)
                            // (The chunk's rows, when the store reads them from a file.)
                            var buffer = Matrix(rows: 0, columns: 0)
                            var c = owned.lowerBound + w
                            while c < owned.upperBound {
                                defer { c += workers }
                                let lo = c * chunkRows, hi = min(n, lo + chunkRows)
                                // The whole chunk goes through the distance step in the first iteration,
                                // and whenever most of its rows fail their bounds (then gathering them
                                // costs more than it saves).
                                var whole = first
                                var nt = 0
                                if !first {
                                    // 1. Move the bounds with the centres (no row is read); keep the rows
                                    //    whose upper bound is above max(lower bound, half the gap).
                                    for i in lo..<hi {
                                        let a = Int(s.labels[i])
                                        let u = s.upper[i] + move[a]
                                        let l = s.lower[i] - (a == maxAt ? secondMove : maxMove)
                                        s.upper[i] = u
                                        s.lower[i] = l
                                        let bound = max(half[a], l)
                                        tighten[nt] = i
                                        bounds[nt] = bound
                                        nt += u > bound ? 1 : 0
                                    }
                                    whole = 2 * nt > hi - lo
                                }
                                mB.value[c] = 0
                                // No row of the chunk can change cluster: its rows are not read.
                                if !whole && nt == 0 { continue }
                                do {
                                    mB.value[c] = try x.withRows(lo..<hi, buffer: &buffer) { xm, firstRow in
                                        try xm.withUnsafeBufferPointer { xb in
                                            // Row i of the store is at xp + i * d.
                                            let xp = xb.baseAddress! + (firstRow - lo) * d
                                            var count = 0
                                            // 2. Read each of those rows once: copy it to the gather buffer and
                                            //    tighten its upper bound to the exact distance. The rows still
                                            //    above the bound stay in the buffer as candidates.
                                            if !whole { gathered.withUnsafeMutableBufferPointer { g in
                                                for m in 0..<nt {
                                                    let i = tighten[m]
                                                    let u = RowKernels.copyAndSquaredDistance(xp + i * d, to: g.baseAddress! + count * d,
                                                                                              cp + Int(s.labels[i]) * d, d).squareRoot()
                                                    s.upper[i] = u
                                                    cand[count] = i
                                                    count += u > bounds[m] ? 1 : 0
                                                }
                                            } }
                                            if whole {
                                                count = 0
                                                for i in lo..<hi { cand[count] = i; count += 1 }
                                            }
                                            if count == 0 { return 0 }
                                            // The distance step for the candidates: one GEMM, on the chunk itself or
                                            // on the gathered rows.
                                            var dots = Matrix(uninitializedRows: count, columns: k)
                                            let (source, rows) = whole ? (xm, firstRow..<(firstRow + hi - lo)) : (gathered, 0..<count)
                                            if !SkinnyKernel.product(source, rows: rows, current, into: &dots) {
                                                try backend.gemm(.none, source, rows: rows, .transpose, current, alpha: 1, beta: 0, into: &dots)
                                            }
                                            let sums = s.sums + c * k * d, counts = s.counts + c * k
                                            var changed = 0
                                            gathered.withUnsafeBufferPointer { gb in dots.withUnsafeBufferPointer { db in
                                                for r in 0..<count {
                                                    let i = cand[r]
                                                    let row = db.baseAddress! + r * k
                                                    var bestJ = 0, bestD = Double.infinity, secondD = Double.infinity
                                                    for j in 0..<k {
                                                        let dist = cnorm[j] - 2 * row[j]
                                                        if dist < bestD { secondD = bestD; bestD = dist; bestJ = j }
                                                        else if dist < secondD { secondD = dist }
                                                    }
                                                    let xr = whole ? xp + i * d : gb.baseAddress! + r * d
                                                    let old = first ? -1 : Int(s.labels[i])
                                                    if bestJ != old {
                                                        if old >= 0 {
                                                            let from = sums + old * d
                                                            for t in 0..<d { from[t] -= xr[t] }
                                                            counts[old] -= 1
                                                            changed += 1
                                                        }
                                                        let to = sums + bestJ * d
                                                        for t in 0..<d { to[t] += xr[t] }
                                                        counts[bestJ] += 1
                                                        s.labels[i] = Int32(bestJ)
                                                    }
                                                    // (A gathered row that kept its centre was tightened in step 2.)
                                                    if bestJ != old || whole { s.upper[i] = distance(xr, cp + bestJ * d, d) }
                                                    s.lower[i] = k == 1 ? .infinity : max(0, secondD + xnorm[i]).squareRoot()
                                                }
                                            } }
                                            return changed
                                        }
                                    }
                                } catch {
                                    eB.value[c] = error
                                }
                            }
                        }
                    }
                }
            }
            if let e = errors.compactMap({ $0 }).first { throw e }
            if finishing { break }
            if let spread {
                try exchange(spread, chunks: chunks, k: k, d: d, sums: partialSums, counts: partialCounts, moved: &moved)
            }

            // The update step: the chunk sums combined in chunk order.
            var sums = Matrix(rows: k, columns: d)
            var counts = [Int](repeating: 0, count: k)
            for c in 0..<chunks {
                for j in 0..<k {
                    counts[j] += partialCounts[c * k + j]
                    for t in 0..<d { sums[j, t] += partialSums[(c * k + j) * d + t] }
                }
            }
            // An empty cluster moves to one of the rows farthest from their centres, ranked by exact
            // distance (the bounds cannot rank them). Over a group, each process measures its own
            // rows, the distances are gathered, and the chosen rows come from their owners.
            let own = DistanceStep.ownRows(n, spread).rows
            let (next, empty) = try CentreUpdate.update(sums: sums, counts: counts, row: { i in
                guard let spread else { return try x.row(i) }
                return try spread.allGather(own.contains(i) ? x.row(i) : [], for: .fitResults).flatMap { $0 }
            }) {
                var far = [Double](repeating: 0, count: n)
                var buffer = Matrix(rows: 0, columns: 0)
                try centers.withUnsafeBufferPointer { cb in
                    for lo in stride(from: own.lowerBound, to: own.upperBound, by: chunkRows) {
                        let hi = min(own.upperBound, lo + chunkRows)
                        try x.withRows(lo..<hi, buffer: &buffer) { xm, firstRow in
                            xm.withUnsafeBufferPointer { xb in
                                let xp = xb.baseAddress! + (firstRow - lo) * d
                                for i in lo..<hi { far[i] = distance(xp + i * d, cb.baseAddress! + Int(labels[i]) * d, d) }
                            }
                        }
                    }
                }
                if let spread { far = try gather(spread, far, rowsOf: chunks, chunkRows: chunkRows, n: n) }
                return far
            }
            relocated += empty
            var shift = 0.0
            for j in 0..<k {
                var s = 0.0
                for t in 0..<d { let diff = next[j, t] - centers[j, t]; s += diff * diff }
                delta[j] = s.squareRoot()
                shift += s
            }
            centers = next
            if (!first && moved.reduce(0, +) == 0 && empty == 0) || shift <= tolAbs {
                converged = true
                finishing = true
            }
        }
        // Inertia recomputed exactly, per chunk, chunks summed in order. The rows whose label and
        // distance this process keeps: all of them, or its own when they go to another rank.
        let sendsResults = spread.map { root != nil && $0.rank != root } ?? false
        let kept = sendsResults ? DistanceStep.ownRows(n, spread).rows : 0..<n
        // (At least one element each, for the buffers' addresses; a rank with no rows keeps none.)
        var finalLabels = [Int32](repeating: 0, count: max(1, kept.count))
        var squared = [Double](repeating: 0, count: max(1, kept.count))
        var chunkInertia = [Double](repeating: 0, count: chunks)
        var finalErrors = [Error?](repeating: nil, count: workers)
        centers.withUnsafeBufferPointer { cb in
            finalLabels.withUnsafeMutableBufferPointer { lb in
                squared.withUnsafeMutableBufferPointer { sb in
                    chunkInertia.withUnsafeMutableBufferPointer { ib in
                        finalErrors.withUnsafeMutableBufferPointer { eb in
                            let cB = UncheckedSendable(cb.baseAddress!)
                            let lB = UncheckedSendable(lb.baseAddress!), sB = UncheckedSendable(sb.baseAddress!)
                            let iB = UncheckedSendable(ib.baseAddress!), eB = UncheckedSendable(eb.baseAddress!)
                            parallelFor(workers) { w in
                                var buffer = Matrix(rows: 0, columns: 0)
                                var c = owned.lowerBound + w
                                while c < owned.upperBound {
                                    defer { c += workers }
                                    let lo = c * chunkRows, hi = min(n, lo + chunkRows)
                                    do {
                                        iB.value[c] = try x.withRows(lo..<hi, buffer: &buffer) { xm, firstRow in
                                            xm.withUnsafeBufferPointer { xb in
                                                let xp = xb.baseAddress! + (firstRow - lo) * d
                                                var total = 0.0
                                                for i in lo..<hi {
                                                    let a = box.value.labels[i]
                                                    let e = RowKernels.squaredDistance(xp + i * d, cB.value + Int(a) * d, d)
                                                    lB.value[i - kept.lowerBound] = a
                                                    sB.value[i - kept.lowerBound] = e
                                                    total += e
                                                }
                                                return total
                                            }
                                        }
                                    } catch { eB.value[w] = error }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let e = finalErrors.compactMap({ $0 }).first { throw e }
        if kept.isEmpty { (finalLabels, squared) = ([], []) }
        if let spread, let root {
            let parts = (0..<spread.size).map { DistanceStep.ownRows(n, rank: $0, of: spread) }
            try finalLabels.withUnsafeMutableBufferPointer { try spread.gather(into: $0, parts: parts, to: root, for: .fitResults) }
            try squared.withUnsafeMutableBufferPointer { try spread.gather(into: $0, parts: parts, to: root, for: .fitResults) }
        } else if let spread {
            finalLabels = try gather(spread, finalLabels, rowsOf: chunks, chunkRows: chunkRows, n: n)
            squared = try gather(spread, squared, rowsOf: chunks, chunkRows: chunkRows, n: n)
        }
        // Every rank needs the inertia (to keep the best of several fits alike).
        if let spread { chunkInertia = try gather(spread, chunkInertia, rowsOf: chunks, chunkRows: 1, n: chunks) }
        let inertia = chunkInertia.reduce(0, +)
        return KMeansRun(centers: centers, inertia: inertia, iterations: iterations, converged: converged,
                         relocated: relocated, inertiaHistory: [], labels: finalLabels, squaredDistances: squared)
    }

    /// Gathers every process's chunk sums, counts and moved rows into the local arrays (each
    /// process's own are already there), in one gather per step.
    static func exchange(_ group: any ProcessGroup, chunks: Int, k: Int, d: Int, sums: UnsafeMutableBufferPointer<Double>,
                         counts: UnsafeMutableBufferPointer<Int>, moved: inout [Int]) throws {
        let mine = group.share(of: chunks)
        // The sums' bits, then the counts and moved rows, as one message (Int and Double are
        // both 8 bytes).
        let ownSums = Array(sums[(mine.lowerBound * k * d)..<(mine.upperBound * k * d)]).map(\.bitPattern)
        let ownCounts = (Array(counts[(mine.lowerBound * k)..<(mine.upperBound * k)]) + Array(moved[mine])).map { UInt64(bitPattern: Int64($0)) }
        let all = try group.allGather(ownSums + ownCounts, for: .kmeansStep)
        for r in 0..<group.size where r != group.rank {
            let theirs = type(of: group).share(of: chunks, rank: r, size: group.size)
            let split = theirs.count * k * d
            _ = UnsafeMutableBufferPointer(rebasing: sums[(theirs.lowerBound * k * d)..<(theirs.upperBound * k * d)])
                .initialize(from: all[r][..<split].map(Double.init(bitPattern:)))
            let c = all[r][split...].map { Int(Int64(bitPattern: $0)) }
            _ = UnsafeMutableBufferPointer(rebasing: counts[(theirs.lowerBound * k)..<(theirs.upperBound * k)])
                .initialize(from: c[0..<(theirs.count * k)])
            moved.replaceSubrange(theirs, with: c[(theirs.count * k)...])
        }
    }

    /// Gathers the values of every process's chunks of rows (`chunkRows` each, `n` in all) into
    /// `values`, which holds this process's own, a piece at a time.
    static func gather<T: BitwiseCopyable>(_ group: any ProcessGroup, _ values: UnsafeMutableBufferPointer<T>,
                                           rowsOf chunks: Int, chunkRows: Int, n: Int) throws {
        let parts = (0..<group.size).map { r in
            let share = type(of: group).share(of: chunks, rank: r, size: group.size)
            return min(n, share.lowerBound * chunkRows)..<min(n, share.upperBound * chunkRows)
        }
        try group.allGather(into: values, parts: parts, for: .fitResults)
    }

    static func gather<T: BitwiseCopyable>(_ group: any ProcessGroup, _ values: [T], rowsOf chunks: Int, chunkRows: Int, n: Int) throws -> [T] {
        var out = values
        try out.withUnsafeMutableBufferPointer { try gather(group, $0, rowsOf: chunks, chunkRows: chunkRows, n: n) }
        return out
    }

    /// For each centre, half the distance to the nearest other centre (infinite when k = 1).
    static func halfDistanceToNearest(_ centers: Matrix) -> [Double] {
        let k = centers.rows, d = centers.columns
        var half = [Double](repeating: .infinity, count: k)
        centers.withUnsafeBufferPointer { cb in
            for a in 0..<k {
                for b in (a + 1)..<max(a + 1, k) {
                    let h = distance(cb.baseAddress! + a * d, cb.baseAddress! + b * d, d) / 2
                    half[a] = min(half[a], h)
                    half[b] = min(half[b], h)
                }
            }
        }
        return half
    }

    @inline(__always)
    static func distance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        RowKernels.squaredDistance(a, b, d).squareRoot()
    }
}
