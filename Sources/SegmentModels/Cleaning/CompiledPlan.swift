import SegmentCore
import SegmentData
/// The recipe compiled against one table into the kernels layer's flat tables (`RecodeTables`):
/// each kept column's raw value is classified once per row (missing, a known code, or another valid
/// value), and each output feature reads the class.
struct CompiledPlan: Sendable {
    static let missing = RecodeTables.missing
    static let other = RecodeTables.other
    typealias Kind = RecodeTables.Kind

    let tables: RecodeTables

    init(resolvers: [ColumnResolver], keptColumns: [String], features: [OutputFeature],
         codesOf: [String: [Code]], engineeredCodes: (String) -> [Code]) {
        var cols: [Int] = [], text: [Bool] = [], off: [Int] = [], lows: [Int] = [], counts: [Int] = []
        var cls: [Int32] = []
        for r in resolvers {
            cols.append(r.column)
            text.append(r.isText)
            off.append(cls.count)
            if r.isText {
                lows.append(0)
                counts.append(r.textClass.count)
                cls += r.textClass
            } else {
                // The known codes' range widened to the missing codes, which are marked missing.
                let missingInts = r.missingNumbers.compactMap { Int(exactly: $0) }
                let lo = min(r.numericClass.isEmpty ? Int.max : r.low, missingInts.min() ?? Int.max)
                let hi = max(r.numericClass.isEmpty ? Int.min : r.low + r.numericClass.count - 1, missingInts.max() ?? Int.min)
                if lo <= hi {
                    var t = [Int32](repeating: Self.other, count: hi - lo + 1)
                    for (k, c) in r.numericClass.enumerated() where c >= 0 { t[r.low + k - lo] = c }
                    for m in missingInts { t[m - lo] = Self.missing }
                    lows.append(lo); counts.append(t.count); cls += t
                } else {
                    lows.append(0); counts.append(0)
                }
            }
        }
        let position = Dictionary(uniqueKeysWithValues: keptColumns.enumerated().map { ($1, $0) })
        var kinds: [Kind] = [], source: [Int] = [], want: [Int32] = [], toff: [Int] = [], tables: [Double] = []
        for f in features {
            source.append(position[f.source.column]!)
            switch f.source {
            case let .value(c) where resolvers[position[c]!].isText:
                // A text column read as numbers (`8`, `8.0`, `X` in one column): each entry's number.
                kinds.append(.lookup); want.append(0); toff.append(tables.count)
                tables += engineeredCodes(c).map { code in code.number.map(Double.init) ?? .nan }
            case .value:
                kinds.append(.value); want.append(0); toff.append(0)
            case let .year(c):
                kinds.append(.lookup); want.append(0); toff.append(tables.count)
                tables += engineeredCodes(c).map { code in ColumnSample.year(code.description).map(Double.init) ?? .nan }
            case let .binary(_, zero, one):
                kinds.append(.lookup); want.append(0); toff.append(tables.count)
                tables += zero == one ? [0] : [0, 1]
            case let .dummy(c, code):
                kinds.append(.dummy); want.append(Int32(codesOf[c]!.firstIndex(of: code)!)); toff.append(0)
            case let .engineered(c, part):
                kinds.append(.lookup); want.append(0); toff.append(tables.count)
                tables += engineeredCodes(c).map { code in
                    guard let v = EngineeredFeatures.values(column: c, code: code) else { return .nan }
                    return part == 0 ? v.0 : v.1
                }
            }
        }
        self.tables = RecodeTables(columns: cols, isText: text, classOffset: off, classLow: lows, classCount: counts,
                                   classes: cls, kinds: kinds, source: source, want: want, tableOffset: toff,
                                   tables: tables)
    }

    /// Missing values per row over the kept columns.
    func rowMissingCounts(_ table: RawTable, threads: Int) -> [UInt16] {
        tables.rowMissingCounts(table.codes, threads: threads)
    }

    /// Fills `matrix` (rows.count x features) from the given raw rows; returns, per feature, how many
    /// cells held a code the recipe never saw.
    func fill(_ matrix: inout Matrix, from table: RawTable, rows: [Int], lookups: RecodeTables.Lookups, threads: Int) -> [Int] {
        tables.fill(&matrix, from: table.codes, rows: rows, lookups: lookups, threads: threads)
    }

    /// The per-code tables `fill` reads `table`'s cells through (made once per table).
    func lookups(for table: RawTable) -> RecodeTables.Lookups { tables.lookups(table.codes) }
}
