import Foundation

/// Column counts, means and sums of squared deviations of the non-NaN values, by blocks combined in
/// a fixed order (Chan et al.'s pairwise update), so the result does not depend on the thread count.
package func columnMoments(_ x: Matrix, threads: Int) -> (mean: [Double], m2: [Double]) {
    let m = nanMoments(x, threads: threads)
    return (m.mean, m.m2)
}

package struct Moments { package var count: [Double]; package var mean: [Double]; package var m2: [Double] }

package func nanMoments(_ x: Matrix, threads: Int) -> Moments {
    ColumnScan.run(x, histograms: false, threads: threads).moments
}

/// One pass over a matrix collecting, per column, the count, the mean and the sum of squared
/// deviations of the non-NaN values (shifted sums: each column is shifted by its first row's value,
/// so the variance does not suffer from cancellation), and optionally the distribution of values.
/// Blocks of rows are combined in a fixed order, so the result does not depend on the thread count.
///
/// The work runs across columns in SIMD lanes, eight columns at a time: each lane adds the rows of
/// its own column in row order, exactly as a scalar loop over that column would (the same sums, bit
/// for bit). The distribution counts the small integers 0...10 (every code and dummy of the cleaned
/// AZDIAS features) with one compare per value per lane; anything else — years, counts, negative or
/// fractional values — takes the scalar path: integers -16..<4096 in a per-column array, the rest
/// in a dictionary. A scalar histogram increment per value made the statistics pass 2.3x slower
/// than the moments alone; this keeps impute + scale within 3x of one pass over memory.
package enum ColumnScan {
    package struct Result { package var moments: Moments; package var values: [ColumnValues] }

    static let histogramLow = -16, histogramSize = 4_112
    /// The values counted in SIMD lanes: the integers 0...smallMax.
    static let smallMax = 10

    /// Rows per block: the unit whose sums are combined in order. A matrix scanned in parts whose
    /// sizes are multiples of this gives the same blocks, so the same result, as scanned whole.
    package static let blockRows = 16_384

    package static func run(_ x: Matrix, histograms: Bool, threads: Int) -> Result {
        var partial = Partial(columns: x.columns, histograms: histograms, shift: shift(of: x))
        partial.scan(x, threads: threads)
        return partial.finish()
    }

    /// Each column's first-row value (0 where it is NaN): what its sums are shifted by.
    package static func shift(of x: Matrix) -> [Double] {
        (0..<x.columns).map { j in x.rows > 0 && !x[0, j].isNaN ? x[0, j] : 0 }
    }

    /// The statistics of a matrix scanned in parts (row blocks of a matrix that never exists
    /// whole): the per-block sums in row order and the value counts so far.
    package struct Partial {
        let p: Int
        let histograms: Bool
        let shift: [Double]
        var sums: [Double] = [], squares: [Double] = [], counts: [Double] = []
        var hist: [Int]
        var small: [Int]
        /// Per column, the values neither the lanes nor the histogram count (non-integers, integers out
        /// of its range), in no particular order: sorted once at the end. (A dictionary per column was
        /// three hash passes and a sort of pairs: 0.4 s of 0.5 s for the 40 continuous columns of the
        /// mail-out's 42,962 x 449 features.)
        var others: [[Double]]

        /// `shift`: the first row of the whole matrix (`ColumnScan.shift(of:)` of the first part).
        package init(columns p: Int, histograms: Bool, shift: [Double]) {
            self.p = p
            self.histograms = histograms
            self.shift = shift
            hist = [Int](repeating: 0, count: histograms ? p * ColumnScan.histogramSize : 0)
            small = [Int](repeating: 0, count: histograms ? (ColumnScan.smallMax + 1) * (p / 8) * 8 : 0)
            others = [[Double]](repeating: [], count: histograms ? p : 0)
        }

        /// Adds the rows of `x`, which follow the rows scanned so far (every part but the last a
        /// multiple of `ColumnScan.blockRows` rows).
        package mutating func scan(_ x: Matrix, threads: Int) {
            precondition(x.columns == p, "ColumnScan: a part of \(x.columns) columns for \(p)")
            ColumnScan.scan(x, into: &self, threads: threads)
        }

        package func finish() -> Result { ColumnScan.finish(self) }

        /// Every rank's partial (each of its own row blocks, which follow the earlier ranks'),
        /// joined in rank order: the per-block sums one after another, the counts added, the
        /// uncounted values put together (they are sorted at the end). The same bits as one
        /// partial that scanned every rank's blocks in order, on every rank.
        package func gathered(over group: any ProcessGroup) throws -> Partial {
            var flat = [Double(sums.count)] + sums + squares + counts + hist.map(Double.init) + small.map(Double.init)
            for values in others { flat.append(Double(values.count)); flat += values }
            var joined = Partial(columns: p, histograms: histograms, shift: shift)
            for part in try group.allGather(flat, for: .statistics) {
                var at = 1
                func take(_ count: Int) -> ArraySlice<Double> { defer { at += count }; return part[at..<(at + count)] }
                let n = Int(part[0])
                joined.sums += take(n)
                joined.squares += take(n)
                joined.counts += take(n)
                for (i, v) in take(hist.count).enumerated() { joined.hist[i] += Int(v) }
                for (i, v) in take(small.count).enumerated() { joined.small[i] += Int(v) }
                for j in others.indices { joined.others[j] += take(Int(take(1).first!)) }
                precondition(at == part.count, "ColumnScan.Partial.gathered: parts of different shapes")
            }
            return joined
        }
    }

    static func scan(_ x: Matrix, into partial: inout Partial, threads: Int) {
        let n = x.rows, p = x.columns
        let histograms = partial.histograms
        let blocks = max(1, (n + blockRows - 1) / blockRows)
        let groups = p / 8, tail = groups * 8     // columns tail..<p go one by one
        let shift = partial.shift
        var sums = [Double](repeating: 0, count: blocks * p), squares = sums, counts = sums
        let workers = max(1, min(threads, blocks))
        let hSize = histograms ? histogramSize : 0
        let bins = smallMax + 1
        var hist = [Int32](repeating: 0, count: workers * p * hSize)
        var small = [Int64](repeating: 0, count: histograms ? workers * bins * groups * 8 : 0)
        var others = [[Double]](repeating: [], count: histograms ? workers * p : 0)
        var touched = [Double](repeating: 0, count: workers)
        touched.withUnsafeMutableBufferPointer { tb in
        let touchBox = UncheckedSendable(tb.baseAddress!)
        x.withUnsafeBufferPointer { buf in
            let box = UncheckedSendable(buf.baseAddress!)
            shift.withUnsafeBufferPointer { sh in
                let shBox = UncheckedSendable(sh.baseAddress!)
                sums.withUnsafeMutableBufferPointer { sb in
                    squares.withUnsafeMutableBufferPointer { qb in
                        counts.withUnsafeMutableBufferPointer { cb in
                            hist.withUnsafeMutableBufferPointer { hb in
                                small.withUnsafeMutableBufferPointer { smb in
                                    others.withUnsafeMutableBufferPointer { ob in
                                        let sBox = UncheckedSendable(sb.baseAddress!), qBox = UncheckedSendable(qb.baseAddress!)
                                        let cBox = UncheckedSendable(cb.baseAddress!)
                                        let hBox = UncheckedSendable(hb.baseAddress), oBox = UncheckedSendable(ob.baseAddress)
                                        let smBox = UncheckedSendable(smb.baseAddress)
                                        parallelFor(workers) { w in
                                            let h = histograms ? hBox.value! + w * p * hSize : nil
                                            let sm = histograms ? UnsafeMutableRawPointer(smBox.value! + w * bins * groups * 8) : nil
                                            let shiftRaw = UnsafeRawPointer(shBox.value)
                                            // One value of column j that the SIMD lanes do not count.
                                            func scalarHistogram(_ v: Double, _ j: Int) {
                                                guard let h else { return }
                                                let k = v - Double(histogramLow)
                                                if k >= 0, k < Double(histogramSize), k == k.rounded(.towardZero) {
                                                    h[j * hSize + Int(k)] &+= 1
                                                } else {
                                                    oBox.value![w * p + j].append(v)
                                                }
                                            }
                                            var sink = 0.0
                                            defer { touchBox.value[w] = sink }     // (so the touch loop is kept)
                                            var b = w
                                            while b < blocks {
                                                let s = sBox.value + b * p, q = qBox.value + b * p, c = cBox.value + b * p
                                                let sRaw = UnsafeMutableRawPointer(s), qRaw = UnsafeMutableRawPointer(q)
                                                let cRaw = UnsafeMutableRawPointer(c)
                                                let rowsEnd = min(n, (b + 1) * blockRows)
                                                // Tiles of rows small enough to stay in cache while each group of
                                                // eight columns goes over them with its counters in registers.
                                                var tile = b * blockRows
                                                while tile < rowsEnd {
                                                    let tileEnd = min(rowsEnd, tile + 128)
                                                    // Bring the tile into cache in address order first (one read of
                                                    // each cache line): the column groups then read it from cache.
                                                    var touch = SIMD8<Double>()
                                                    let tileRaw = UnsafeRawPointer(box.value + tile * p)
                                                    for off in stride(from: 0, to: (tileEnd - tile) * p * 8 - 63, by: 64) {
                                                        touch += tileRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Double>.self)
                                                    }
                                                    sink += touch.sum()
                                                    for g in 0..<groups {
                                                        let off = g * 64
                                                        let sh = shiftRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Double>.self)
                                                        var ss = sRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Double>.self)
                                                        var qq = qRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Double>.self)
                                                        var cc = cRaw.loadUnaligned(fromByteOffset: off, as: SIMD8<Double>.self)
                                                        let rest = ColumnLanes.scan(box.value + tile * p + g * 8, rows: tileEnd - tile, stride: p,
                                                                                         shift: sh, sum: &ss, squares: &qq, count: &cc,
                                                                                         counters: sm, group: g, groups: groups)
                                                        for lane in 0..<8 where rest[lane] {
                                                            // The values the lanes did not count, from the tile (now in cache).
                                                            let j = g * 8 + lane
                                                            for i in tile..<tileEnd {
                                                                let v = box.value[i * p + j]
                                                                if !v.isNaN && !(v >= 0 && v <= Double(smallMax) && v == v.rounded(.towardZero)) {
                                                                    scalarHistogram(v, j)
                                                                }
                                                            }
                                                        }
                                                        sRaw.storeBytes(of: ss, toByteOffset: off, as: SIMD8<Double>.self)
                                                        qRaw.storeBytes(of: qq, toByteOffset: off, as: SIMD8<Double>.self)
                                                        cRaw.storeBytes(of: cc, toByteOffset: off, as: SIMD8<Double>.self)
                                                    }
                                                    for i in tile..<tileEnd {
                                                        let row = box.value + i * p
                                                        for j in tail..<p {
                                                            let v = row[j]
                                                            if v.isNaN { continue }
                                                            let d = v - shBox.value[j]
                                                            s[j] += d
                                                            q[j] += d * d
                                                            c[j] += 1
                                                            scalarHistogram(v, j)
                                                        }
                                                    }
                                                    tile = tileEnd
                                                }
                                                b += workers
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
        }
        if n == 0 { return }
        partial.sums += sums; partial.squares += squares; partial.counts += counts
        if histograms {
            for w in 0..<workers {
                for i in 0..<(p * hSize) { partial.hist[i] += Int(hist[w * p * hSize + i]) }
                for i in 0..<(bins * groups * 8) { partial.small[i] += Int(small[w * bins * groups * 8 + i]) }
                for j in 0..<p { partial.others[j] += others[w * p + j] }
            }
        }
    }

    static func finish(_ partial: Partial) -> Result {
        let p = partial.p, shift = partial.shift
        let blocks = partial.sums.count / max(1, p)
        let groups = p / 8, tail = groups * 8, hSize = histogramSize
        var count = [Double](repeating: 0, count: p), sum = count, sq = count
        for b in 0..<blocks {
            for j in 0..<p {
                count[j] += partial.counts[b * p + j]; sum[j] += partial.sums[b * p + j]; sq[j] += partial.squares[b * p + j]
            }
        }
        var mean = [Double](repeating: 0, count: p), m2 = mean
        for j in 0..<p where count[j] > 0 {
            mean[j] = shift[j] + sum[j] / count[j]
            m2[j] = max(0, sq[j] - sum[j] * sum[j] / count[j])
        }
        var values: [ColumnValues] = []
        if partial.histograms {
            values = (0..<p).map { j in
                // The histogram's values (with the lanes' 0...smallMax), ascending, merged with the
                // sorted rest.
                var dense = Array(partial.hist[(j * hSize)..<((j + 1) * hSize)])
                if j < tail {
                    for bin in 0...smallMax { dense[bin - histogramLow] += partial.small[(bin * groups + j / 8) * 8 + j % 8] }
                }
                let rest = partial.others[j].sorted()
                var distinct: [(value: Double, count: Int)] = []
                var k = 0, i = 0
                while k < hSize || i < rest.count {
                    if k < hSize && dense[k] == 0 { k += 1; continue }
                    let h = k < hSize ? Double(k + histogramLow) : .infinity
                    if i < rest.count && (k >= hSize || rest[i] < h) {
                        let v = rest[i]
                        var c = 0
                        while i < rest.count && rest[i] == v { c += 1; i += 1 }
                        distinct.append((v, c))
                    } else {
                        distinct.append((h, dense[k]))
                        k += 1
                    }
                }
                return ColumnValues(distinct: distinct, total: Int(count[j]))
            }
        }
        return Result(moments: Moments(count: count, mean: mean, m2: m2), values: values)
    }
}

/// The statistics of eight columns over a tile of rows, in SIMD lanes: the shifted sums, squares and
/// counts of the non-NaN values, and the counts of the values 0...10 (one compare and one masked add
/// per value, the counters in registers; skipped when `counters` is nil). Returns the lanes where a
/// value outside 0...10 was seen (the caller counts those one by one).
enum ColumnLanes {
    @inline(never)
    static func scan(_ first: UnsafePointer<Double>, rows: Int, stride p: Int, shift sh: SIMD8<Double>,
                     sum ss: inout SIMD8<Double>, squares qq: inout SIMD8<Double>, count cc: inout SIMD8<Double>,
                     counters: UnsafeMutableRawPointer?, group g: Int, groups: Int) -> SIMDMask<SIMD8<Int64>> {
        var k0 = SIMD8<Int64>(), k1 = SIMD8<Int64>(), k2 = SIMD8<Int64>(), k3 = SIMD8<Int64>()
        var k4 = SIMD8<Int64>(), k5 = SIMD8<Int64>(), k6 = SIMD8<Int64>(), k7 = SIMD8<Int64>()
        var k8 = SIMD8<Int64>(), k9 = SIMD8<Int64>(), k10 = SIMD8<Int64>()
        var rest = SIMDMask<SIMD8<Int64>>(repeating: false)
        var s = ss, q = qq, c = cc
        let zero = SIMD8<Int64>(), one = SIMD8<Int64>(repeating: 1)
        let counting = counters != nil
        for i in 0..<rows {
            let v = UnsafeRawPointer(first + i * p).loadUnaligned(as: SIMD8<Double>.self)
            let present = v .== v
            let d = (v - sh).replacing(with: 0, where: .!present)
            s += d
            q += d * d
            c += SIMD8<Double>(repeating: 0).replacing(with: 1, where: present)
            guard counting else { continue }
            k0 &+= zero.replacing(with: one, where: v .== 0); k1 &+= zero.replacing(with: one, where: v .== 1)
            k2 &+= zero.replacing(with: one, where: v .== 2); k3 &+= zero.replacing(with: one, where: v .== 3)
            k4 &+= zero.replacing(with: one, where: v .== 4); k5 &+= zero.replacing(with: one, where: v .== 5)
            k6 &+= zero.replacing(with: one, where: v .== 6); k7 &+= zero.replacing(with: one, where: v .== 7)
            k8 &+= zero.replacing(with: one, where: v .== 8); k9 &+= zero.replacing(with: one, where: v .== 9)
            k10 &+= zero.replacing(with: one, where: v .== 10)
            let small = (v .>= 0) .& (v .<= Double(ColumnScan.smallMax)) .& (v .== v.rounded(.towardZero))
            rest .|= present .& .!small
        }
        ss = s; qq = q; cc = c
        guard let base = counters else { return rest }
        func add(_ v: SIMD8<Int64>, _ bin: Int) {
            let at = (bin * groups + g) * 64
            base.storeBytes(of: base.loadUnaligned(fromByteOffset: at, as: SIMD8<Int64>.self) &+ v, toByteOffset: at, as: SIMD8<Int64>.self)
        }
        add(k0, 0); add(k1, 1); add(k2, 2); add(k3, 3); add(k4, 4); add(k5, 5)
        add(k6, 6); add(k7, 7); add(k8, 8); add(k9, 9); add(k10, 10)
        return rest
    }
}

/// The distribution of one column's non-NaN values: distinct values with counts, ascending.
package struct ColumnValues {
    package var distinct: [(value: Double, count: Int)] = []
    package var total = 0

    package init(distinct: [(value: Double, count: Int)] = [], total: Int = 0) {
        self.distinct = distinct
        self.total = total
    }

    /// The counts by value.
    package var counts: [Double: Int] { Dictionary(uniqueKeysWithValues: distinct.map { ($0.value, $0.count) }) }

    package var mode: Double? {
        // Most frequent; ties go to the smallest value (as scikit-learn does).
        var best: (value: Double, count: Int)?
        for d in distinct where best == nil || d.count > best!.count { best = d }
        return best?.value
    }

    package var median: Double? {
        guard total > 0 else { return nil }
        func at(_ rank: Int) -> Double {
            var seen = 0
            for (v, c) in distinct { seen += c; if seen > rank { return v } }
            return distinct.last!.value
        }
        return total % 2 == 1 ? at(total / 2) : (at(total / 2 - 1) + at(total / 2)) / 2
    }
}

/// The per-cell pass of the imputer and the scaler (and of both fused).
package enum ColumnTransform {
    /// Applies fitted column models to every row in one pass: NaN -> `fill` (when given), then
    /// `(x - mean) / scale` (when given; or its inverse, `x * scale + mean`). Rows are split evenly
    /// between the workers; each value depends only on its own cell, so the split cannot change a
    /// result.
    package static func apply(_ x: inout Matrix, fill: [Double]?, mean: [Double]?, scale: [Double]?, inverse: Bool,
                              threads: Int = ProcessInfoCompat.activeProcessorCount) {
        let p = x.columns, n = x.rows
        let model = mean?.count ?? fill?.count ?? p
        precondition(p == model, "the matrix has \(p) columns, the model \(model)")
        precondition((mean == nil) == (scale == nil), "a scaling needs both its mean and its scale")
        let workers = max(1, min(threads, n / 8192 + 1))
        let useFill = fill != nil, scaling = mean != nil
        let f = fill ?? [Double](repeating: .nan, count: p)
        let m = mean ?? [Double](repeating: 0, count: p), sc = scale ?? [Double](repeating: 1, count: p)
        let inv = sc.map { 1 / $0 }
        f.withUnsafeBufferPointer { fb in
            m.withUnsafeBufferPointer { mb in
                sc.withUnsafeBufferPointer { sb in
                    inv.withUnsafeBufferPointer { ib in
                        let fB = UncheckedSendable(fb.baseAddress!), mB = UncheckedSendable(mb.baseAddress!)
                        let sB = UncheckedSendable(sb.baseAddress!), iB = UncheckedSendable(ib.baseAddress!)
                        x.withUnsafeMutableBufferPointer { buf in
                            let box = UncheckedSendable(buf.baseAddress!)
                            parallelFor(workers) { w in
                                for i in (n * w / workers)..<(n * (w + 1) / workers) {
                                    let row = box.value + i * p
                                    if !scaling {
                                        if useFill { for j in 0..<p where row[j].isNaN { row[j] = fB.value[j] } }
                                    } else if inverse {
                                        for j in 0..<p { row[j] = row[j] * sB.value[j] + mB.value[j] }
                                    } else if useFill {
                                        for j in 0..<p {
                                            let v = row[j].isNaN ? fB.value[j] : row[j]
                                            row[j] = (v - mB.value[j]) * iB.value[j]
                                        }
                                    } else {
                                        for j in 0..<p { row[j] = (row[j] - mB.value[j]) * iB.value[j] }
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
