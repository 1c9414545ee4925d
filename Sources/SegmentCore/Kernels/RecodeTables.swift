/// The per-cell work of applying a cleaning recipe, as flat tables: each kept column's raw value is
/// classified once per row (missing, a known code, or another valid value), and each output feature
/// reads the class: a few loads and compares through pointers. `SegmentModels.CompiledPlan` builds
/// the tables from a recipe; the loops over the rows live here, in the kernels layer.
///
/// Written by hand (no library does this): the cleaning benchmark holds it to 10x the pandas steps.
package struct RecodeTables: Sendable {
    package static let missing: Int32 = -1
    package static let other: Int32 = -2

    /// What an output feature does with its column's class.
    package enum Kind: UInt8, Sendable { case value, lookup, dummy }

    // Per kept column.
    let columns: [Int]          // raw table column
    let isText: [Bool]
    let classOffset: [Int]
    let classLow: [Int]
    let classCount: [Int]
    let classes: [Int32]        // shared: class of each dictionary index / integral value
    // Per output feature.
    let kinds: [Kind]
    let source: [Int]           // kept-column position
    let want: [Int32]           // dummy: the class that gives 1
    let tableOffset: [Int]      // lookup: offset into `tables`
    let tables: [Double]

    package init(columns: [Int], isText: [Bool], classOffset: [Int], classLow: [Int], classCount: [Int],
                 classes: [Int32], kinds: [Kind], source: [Int], want: [Int32], tableOffset: [Int], tables: [Double]) {
        self.columns = columns; self.isText = isText; self.classOffset = classOffset; self.classLow = classLow
        self.classCount = classCount; self.classes = classes; self.kinds = kinds; self.source = source
        self.want = want; self.tableOffset = tableOffset; self.tables = tables
    }

    /// Missing values per row over the kept columns.
    package func rowMissingCounts(_ values: CodeColumns, threads: Int) -> [UInt16] {
        withPointers { ptr in
            values.countPerRow(columns: columns, threads: threads) { c, v in ptr.classify(v, c) == Self.missing }
        }
    }

    /// Each kept column's class (and, where a feature reads it, value) of every code its width
    /// can hold, for the byte- and short-wide columns of `values` (`CodeColumns.lookupTable`): made
    /// once per table, not per block of rows (a short column's table has 65,536 entries).
    package struct Lookups: Sendable {
        let classes: [[Int32]?]
        let values: [[Double]?]
    }

    /// The lookup tables of `values`' kept columns.
    package func lookups(_ values: CodeColumns) -> Lookups {
        let readsValue = self.readsValue
        return withPointers { ptr in
            Lookups(classes: columns.indices.map { c in values.lookupTable(column: columns[c]) { ptr.classify($0, c) } },
                    values: columns.indices.map { c in readsValue[c] ? values.lookupTable(column: columns[c]) { $0 } : nil })
        }
    }

    /// Which kept columns a feature reads the value of (not only the class).
    private var readsValue: [Bool] {
        var reads = [Bool](repeating: false, count: columns.count)
        for j in kinds.indices where kinds[j] == .value && !isText[source[j]] { reads[source[j]] = true }
        return reads
    }

    /// Fills `matrix` (rows.count x features) from the given raw rows; returns, per feature, how many
    /// cells held a code the recipe never saw. `lookups`: `lookups(values)`.
    ///
    /// A tile of rows at a time: each kept column's classes (and values, where a feature reads them)
    /// go into the tile column by column, through a table per code for the byte- and short-wide
    /// columns (one load a cell, no decoding), then each row's features are read from the tile.
    package func fill(_ matrix: inout Matrix, from values: CodeColumns, rows: [Int], lookups: Lookups, threads: Int) -> [Int] {
        let k = columns.count, f = kinds.count
        let count = rows.count
        let workers = max(1, min(threads, count / 8192 + 1))
        var unknown = [Int](repeating: 0, count: workers * f)
        let readsValue = self.readsValue
        // The features by kind: (feature, kept column[, table offset or wanted class]).
        let valueFeatures = (0..<f).filter { kinds[$0] == .value && !isText[source[$0]] }.map { ($0, source[$0]) }
        let textValueFeatures = (0..<f).filter { kinds[$0] == .value && isText[source[$0]] }
        let lookupFeatures = (0..<f).filter { kinds[$0] == .lookup }.map { ($0, source[$0], tableOffset[$0]) }
        let dummyFeatures = (0..<f).filter { kinds[$0] == .dummy }.map { ($0, source[$0], want[$0]) }
        withPointers { ptr in
            let classTables = lookups.classes, valueTables = lookups.values
            let ptrBox = UncheckedSendable(ptr)
            matrix.withUnsafeMutableBufferPointer { out in
                let outBox = UncheckedSendable(out.baseAddress!)
                unknown.withUnsafeMutableBufferPointer { unk in
                    let unkBox = UncheckedSendable(unk.baseAddress!)
                    rows.withUnsafeBufferPointer { rowList in
                        let rowBox = UncheckedSendable(rowList)
                        parallelFor(workers) { w in
                            let ptr = ptrBox.value
                            let tileRows = 512
                            let cls = UnsafeMutablePointer<Int32>.allocate(capacity: max(k, 1) * tileRows)
                            let val = UnsafeMutablePointer<Double>.allocate(capacity: max(k, 1) * tileRows)
                            defer { cls.deallocate(); val.deallocate() }
                            let myUnknown = unkBox.value + w * f
                            var start = count * w / workers
                            let end = count * (w + 1) / workers
                            while start < end {
                                let stop = min(end, start + tileRows)
                                let list = UnsafeBufferPointer(rebasing: rowBox.value[start..<stop])
                                for c in 0..<k {
                                    values.map(column: ptr.columns[c], rows: list, range: 0..<0, table: classTables[c],
                                               stride: k, into: cls + c) { ptr.classify($0, c) }
                                    if readsValue[c] {
                                        values.map(column: ptr.columns[c], rows: list, range: 0..<0, table: valueTables[c],
                                                   stride: k, into: val + c) { $0 }
                                    }
                                }
                                // Each kind's features in a loop of its own, without branches on the
                                // kind (a switch per feature mispredicted across 450 of them).
                                for i in start..<stop {
                                    let t = (i - start) * k
                                    let dst = outBox.value + i * f
                                    for (j, c) in valueFeatures {
                                        dst[j] = cls[t + c] == Self.missing ? .nan : val[t + c]
                                    }
                                    for j in textValueFeatures { dst[j] = .nan }
                                    for (j, c, offset) in lookupFeatures {
                                        let cl = cls[t + c]
                                        dst[j] = cl >= 0 ? ptr.tables[offset + Int(cl)] : .nan
                                        myUnknown[j] &+= cl == Self.other ? 1 : 0
                                    }
                                    for (j, c, want) in dummyFeatures {
                                        let cl = cls[t + c]
                                        dst[j] = cl == Self.missing ? .nan : cl == want ? 1 : 0
                                        myUnknown[j] &+= cl == Self.other ? 1 : 0
                                    }
                                }
                                start = stop
                            }
                        }
                    }
                }
            }
        }
        // A spilled table's pages of these rows are done with.
        if values.isSpilled, let lo = rows.min(), let hi = rows.max() { values.release(rows: lo..<(hi + 1)) }
        return (0..<f).map { j in (0..<workers).reduce(0) { $0 + unknown[$1 * f + j] } }
    }

    /// The plan's arrays as raw pointers for the hot loops.
    private struct Pointers {
        let columns: UnsafePointer<Int>
        let isText: UnsafePointer<Bool>
        let classOffset: UnsafePointer<Int>
        let classLow: UnsafePointer<Int>
        let classCount: UnsafePointer<Int>
        let classes: UnsafePointer<Int32>
        let kinds: UnsafePointer<Kind>
        let source: UnsafePointer<Int>
        let want: UnsafePointer<Int32>
        let tableOffset: UnsafePointer<Int>
        let tables: UnsafePointer<Double>

        /// missing (-1), a known code's class (>= 0), or another valid value (-2).
        @inline(__always)
        func classify(_ v: Double, _ c: Int) -> Int32 {
            if v.isNaN { return RecodeTables.missing }
            if isText[c] {
                // An index outside the dictionary is no cell's (the lookup tables ask about every
                // code a column's width can hold).
                let i = Int(v)
                return i >= 0 && i < classCount[c] ? classes[classOffset[c] + i] : RecodeTables.other
            }
            let d = v - Double(classLow[c])
            if d >= 0, d < Double(classCount[c]), d == d.rounded(.towardZero) {
                return classes[classOffset[c] + Int(d)]
            }
            return RecodeTables.other
        }
    }

    private func withPointers<R>(_ body: (Pointers) -> R) -> R {
        // Empty arrays still need a valid pointer: pad each by one element.
        let cols = columns + [0], text = isText + [false], off = classOffset + [0], lows = classLow + [0]
        let counts = classCount + [0], cls = classes + [0], kinds = self.kinds + [.value], src = source + [0]
        let want = self.want + [0], toff = tableOffset + [0], tabs = tables + [0]
        return cols.withUnsafeBufferPointer { a in text.withUnsafeBufferPointer { b in off.withUnsafeBufferPointer { c in
            lows.withUnsafeBufferPointer { d in counts.withUnsafeBufferPointer { e in cls.withUnsafeBufferPointer { g in
                kinds.withUnsafeBufferPointer { h in src.withUnsafeBufferPointer { i in want.withUnsafeBufferPointer { j in
                    toff.withUnsafeBufferPointer { k in tabs.withUnsafeBufferPointer { l in
                        body(Pointers(columns: a.baseAddress!, isText: b.baseAddress!, classOffset: c.baseAddress!,
                                      classLow: d.baseAddress!, classCount: e.baseAddress!, classes: g.baseAddress!,
                                      kinds: h.baseAddress!, source: i.baseAddress!, want: j.baseAddress!,
                                      tableOffset: k.baseAddress!, tables: l.baseAddress!))
                    } }
                } } }
            } } }
        } } }
    }
}
