import SegmentCore
import SegmentData
/// Turns a raw cell of one column of one table into what the recipe needs — missing or not, and
/// which known code it is — with a table lookup instead of a hash per cell. Built per table, because
/// text columns are dictionary-encoded per file.
struct ColumnResolver: Sendable {
    /// Classes of a cell: a known code's index (>= 0), or one of these.
    static let missing: Int32 = -1
    static let unknown: Int32 = -2

    let column: Int
    let isText: Bool
    /// Text columns: the class of each dictionary entry.
    let textClass: [Int32]
    /// Numeric columns: the class of each integral value in `low..<low + numericClass.count`.
    let low: Int
    let numericClass: [Int32]
    /// Numeric missing codes (few).
    let missingNumbers: [Double]

    /// `codes` are the known codes (class = index); `missingCodes` make a cell missing.
    init(table: RawTable, column: Int, codes: [Code], missingCodes: [Code]) {
        self.column = column
        isText = table.dictionaries[column] != nil
        let index = Dictionary(codes.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        let missingSet = Set(missingCodes)
        if let dict = table.dictionaries[column] {
            textClass = dict.map { s in
                let code = Code(token: s)
                if missingSet.contains(code) { return Self.missing }
                return index[code] ?? Self.unknown
            }
            low = 0
            numericClass = []
            missingNumbers = []
        } else {
            textClass = []
            missingNumbers = missingCodes.compactMap { $0.number.map(Double.init) }
            let numbers = codes.compactMap(\.number)
            if let lo = numbers.min(), let hi = numbers.max(), hi - lo < 100_000 {
                low = lo
                var cls = [Int32](repeating: Self.unknown, count: hi - lo + 1)
                for (i, c) in codes.enumerated() { if let n = c.number { cls[n - lo] = Int32(i) } }
                numericClass = cls
            } else {
                low = 0
                numericClass = []
            }
        }
    }

    /// True when the raw value is empty or a missing code.
    @inline(__always)
    func isMissing(_ v: Double) -> Bool {
        if v.isNaN { return true }
        // A dictionary index outside the dictionary is no cell's (lookup tables ask about every
        // code a column's width can hold).
        if isText { return textClass.indices.contains(Int(v)) && textClass[Int(v)] == Self.missing }
        for m in missingNumbers where m == v { return true }
        return false
    }

    /// The class of a raw value: a known code's index, `missing` or `unknown`.
    @inline(__always)
    func classify(_ v: Double) -> Int32 {
        if v.isNaN { return Self.missing }
        if isText { return textClass[Int(v)] }
        for m in missingNumbers where m == v { return Self.missing }
        let k = Int(exactly: v).map { $0 - low } ?? -1
        return k >= 0 && k < numericClass.count ? numericClass[k] : Self.unknown
    }
}
