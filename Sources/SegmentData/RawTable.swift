import SegmentCore
/// A demographics file as loaded: one row per person, one column per schema feature, in schema
/// order (whatever the file's column order was).
///
/// Numeric columns hold their values (NaN for an empty cell; coded missing values such as -1 are
/// still there: converting them is the cleaning recipe's first step). Text columns (`OST_WEST_KZ`,
/// the CAMEO codes) are dictionary-encoded: the cell holds an index into `dictionaries[column]`,
/// sorted, so the codes survive exactly.
public struct RawTable: Sendable {
    /// The file this came from (for messages).
    public var source: String
    public var schema: FeatureSchema
    /// rows x schema.count, row-major.
    public var values: Matrix
    /// For each text column (by schema index), its distinct codes in sorted order.
    public var dictionaries: [Int: [String]]
    /// Header columns the schema does not know, left out of `values`.
    public var ignoredColumns: [String]
    /// Bytes of input read.
    public var bytes: Int

    public init(source: String, schema: FeatureSchema, values: Matrix, dictionaries: [Int: [String]],
                ignoredColumns: [String] = [], bytes: Int = 0) {
        self.source = source
        self.schema = schema
        self.values = values
        self.dictionaries = dictionaries
        self.ignoredColumns = ignoredColumns
        self.bytes = bytes
    }

    public var rowCount: Int { values.rows }

    /// The person ids, when the schema has an id column (`LNR` in the full layout): its name and
    /// each row's value (nil when an id cell is empty or not an integer).
    public func personIDs() -> (name: String, values: [Int?])? {
        guard let c = schema.features.firstIndex(where: { $0.type == .id }), dictionaries[c] == nil else { return nil }
        return (schema.features[c].name, (0..<rowCount).map { r in
            let v = values[r, c]
            return v.isFinite && v == v.rounded() && abs(v) < 1e15 ? Int(v) : nil
        })
    }

    /// The code in a cell: `nil` when empty, the text for text columns, the number otherwise.
    public func code(row: Int, column: Int) -> Code? {
        let v = values[row, column]
        if v.isNaN { return nil }
        if let dict = dictionaries[column] { return Code(token: dict[Int(v)]) }
        if v == v.rounded(), abs(v) < 1e15 { return .number(Int(v)) }
        return .text(String(v))
    }

    /// The cell as the text a CSV would hold (`""` when empty).
    public func text(row: Int, column: Int) -> String {
        let v = values[row, column]
        if v.isNaN { return "" }
        if let dict = dictionaries[column] { return dict[Int(v)] }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}
