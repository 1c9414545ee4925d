import SegmentCore
/// A demographics file as loaded: one row per person, one column per schema feature, in schema
/// order (whatever the file's column order was).
///
/// Numeric columns hold their values (empty cells read as NaN; coded missing values such as -1 are
/// still there: converting them is the cleaning recipe's first step). Text columns (`OST_WEST_KZ`,
/// the CAMEO codes) are dictionary-encoded: the cell holds an index into `dictionaries[column]`,
/// sorted, so the codes survive exactly. The cells are stored compactly (`CodeColumns`: a byte a
/// cell for the usual small codes) and read back as `Double`s.
public struct RawTable: Sendable {
    /// The file this came from (for messages).
    public var source: String
    public var schema: FeatureSchema
    /// rows x schema.count.
    public var codes: CodeColumns
    /// For each text column (by schema index), its distinct codes in sorted order.
    public var dictionaries: [Int: [String]]
    /// Header columns the schema does not know, left out of `values`.
    public var ignoredColumns: [String]
    /// Bytes of input read.
    public var bytes: Int
    /// Whether this table is one rank's part of the file, the ranks of an `mpirun` holding the
    /// rest (`CSVLoader.keepsOwnRows`): then it holds rows `firstRow ..< firstRow + rowCount` of
    /// `fileRowCount`. Every rank's table of a file says the same.
    public var isRankPart = false
    /// The file's data rows (all of them `rowCount`, unless `isRankPart`).
    public var fileRowCount: Int
    /// The file row (0-based, data rows) of this table's first row.
    public var firstRow = 0

    public init(source: String, schema: FeatureSchema, codes: CodeColumns, dictionaries: [Int: [String]],
                ignoredColumns: [String] = [], bytes: Int = 0) {
        precondition(codes.columns == schema.count, "RawTable: \(codes.columns) columns for \(schema.count) features")
        self.source = source
        self.schema = schema
        self.codes = codes
        self.dictionaries = dictionaries
        self.ignoredColumns = ignoredColumns
        self.bytes = bytes
        fileRowCount = codes.rows
    }

    /// A table from row-major values (tests, generated tables).
    public init(source: String, schema: FeatureSchema, values: Matrix, dictionaries: [Int: [String]],
                ignoredColumns: [String] = [], bytes: Int = 0) {
        self.init(source: source, schema: schema, codes: CodeColumns(values), dictionaries: dictionaries,
                  ignoredColumns: ignoredColumns, bytes: bytes)
    }

    /// The rows this table holds (see `fileRowCount`).
    public var rowCount: Int { codes.rows }

    /// Every cell as a `Double`, row-major: for tests and small tables (the point of the compact
    /// storage is that a whole file is never widened).
    public func rowMajorValues() -> Matrix {
        var tile = [Double](repeating: 0, count: rowCount * codes.columns)
        codes.decode(rows: 0..<rowCount, into: &tile)
        return Matrix(rows: rowCount, columns: codes.columns, elements: tile)
    }

    /// The cell at `row`, `column` (NaN when empty; a dictionary index for a text column).
    public subscript(row: Int, column: Int) -> Double { codes[row, column] }

    /// The person ids, when the schema has an id column (`LNR` in the full layout): its name and
    /// each row's value (nil when an id cell is empty or not an integer).
    public func personIDs() -> (name: String, values: [Int?])? {
        guard let c = schema.features.firstIndex(where: { $0.type == .id }), dictionaries[c] == nil else { return nil }
        return (schema.features[c].name, (0..<rowCount).map { r in
            let v = codes[r, c]
            return v.isFinite && v == v.rounded() && abs(v) < 1e15 ? Int(v) : nil
        })
    }

    /// The code in a cell: `nil` when empty, the text for text columns, the number otherwise.
    public func code(row: Int, column: Int) -> Code? { code(value: codes[row, column], column: column) }

    /// The code a cell of `column` holding `v` stands for (see `code(row:column:)`).
    public func code(value v: Double, column: Int) -> Code? {
        if v.isNaN { return nil }
        if let dict = dictionaries[column] {
            // An index outside the dictionary is no cell's (lookup tables ask about every code).
            return dict.indices.contains(Int(v)) ? Code(token: dict[Int(v)]) : nil
        }
        if v == v.rounded(), abs(v) < 1e15 { return .number(Int(v)) }
        return .text(String(v))
    }

    /// The cell as the text a CSV would hold (`""` when empty).
    public func text(row: Int, column: Int) -> String {
        let v = codes[row, column]
        if v.isNaN { return "" }
        if let dict = dictionaries[column] { return dict[Int(v)] }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}
