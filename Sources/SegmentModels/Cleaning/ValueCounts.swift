import SegmentCore
import SegmentData

/// A column's distinct values (ascending), how often each occurs in each group of rows, and each
/// group's empty cells: what the cleaning's fit counts (`CodeColumns.valueCounts`). They are
/// integers, so the ranks of an `mpirun`, each counting the rows it parsed, add theirs to the same
/// numbers in any order; every rank then fits the same recipe as one process over every row.
struct ValueCounts: Equatable {
    var values: [Double]
    var counts: [[Int]]
    var empty: [Int]

    init(values: [Double], counts: [[Int]], empty: [Int]) {
        self.values = values
        self.counts = counts
        self.empty = empty
    }

    /// Column `column` of the table's rows; `group[r]` (< `groups`) is row `r`'s group, nil all in 0.
    init(_ table: RawTable, column: Int, group: [UInt8]? = nil, groups: Int = 1) {
        (values, counts, empty) = table.codes.valueCounts(column: column, group: group, groups: groups)
    }

    /// Group 0's counts (the only group of a column counted whole).
    var all: [Int] { counts[0] }

    /// These counts of the values `keep` holds for alone (the empty cells still counted).
    func keeping(_ keep: (Double) -> Bool) -> ValueCounts {
        let kept = values.indices.filter { keep(values[$0]) }
        return ValueCounts(values: kept.map { values[$0] }, counts: counts.map { g in kept.map { g[$0] } }, empty: empty)
    }

    /// `parts` (of the same groups) added: every value any of them holds, ascending.
    static func sum(_ parts: [ValueCounts]) -> ValueCounts {
        guard let first = parts.first else { return ValueCounts(values: [], counts: [[]], empty: [0]) }
        let groups = first.counts.count
        let values = Array(Set(parts.flatMap(\.values))).sorted()
        let at = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
        var counts = [[Int]](repeating: [Int](repeating: 0, count: values.count), count: groups)
        var empty = [Int](repeating: 0, count: groups)
        for part in parts {
            precondition(part.counts.count == groups, "ValueCounts.sum: \(part.counts.count) groups, not \(groups)")
            for g in 0..<groups {
                empty[g] += part.empty[g]
                for (i, v) in part.values.enumerated() { counts[g][at[v]!] += part.counts[g][i] }
            }
        }
        return ValueCounts(values: values, counts: counts, empty: empty)
    }

    /// Every rank's counts of the same columns, added column by column (these counts alone when
    /// there is no other rank).
    static func gathered(_ mine: [ValueCounts], over group: (any ProcessGroup)?) throws -> [ValueCounts] {
        guard let group, group.size > 1 else { return mine }
        let parts = try group.allGather(pack(mine), for: .statistics).map(unpack)
        return mine.indices.map { c in sum(parts.map { $0[c] }) }
    }

    /// Per column: the value count m and the group count g, the m values' bits, g x m counts, g empties.
    static func pack(_ columns: [ValueCounts]) -> [UInt64] {
        var out: [UInt64] = []
        for c in columns {
            out += [UInt64(c.values.count), UInt64(c.counts.count)]
            out += c.values.map(\.bitPattern)
            for g in c.counts { out += g.map { UInt64($0) } }
            out += c.empty.map { UInt64($0) }
        }
        return out
    }

    static func unpack(_ words: [UInt64]) -> [ValueCounts] {
        var out: [ValueCounts] = []
        var at = 0
        func take(_ k: Int) -> ArraySlice<UInt64> { defer { at += k }; return words[at..<(at + k)] }
        while at < words.count {
            let m = Int(words[at]), groups = Int(words[at + 1])
            at += 2
            let values = take(m).map(Double.init(bitPattern:))
            let counts = (0..<groups).map { _ in take(m).map { Int($0) } }
            out.append(ValueCounts(values: values, counts: counts, empty: take(groups).map { Int($0) }))
        }
        return out
    }
}
