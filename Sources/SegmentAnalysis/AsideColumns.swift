import SegmentCore
import SegmentData

/// The customers file's own columns in the full layout (`PRODUCT_GROUP`, `CUSTOMER_GROUP`,
/// `ONLINE_PURCHASE`): not features (the population has none of them), but what a marketer wants to
/// know of each segment's customers, so summarised per segment.
public struct AsideColumn: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        /// The cluster, or nil for the high-missing group.
        public var cluster: Int?
        public var customers: Int
        /// Each value's share among this group's customers (empty cells left out), values sorted.
        public var shares: [String: Double]
    }
    public var column: String
    public var values: [String]
    /// Shares among all customers.
    public var overall: [String: Double]
    public var groups: [Group]

    /// Reads the aside columns of `path` (those present; none -> empty) and summarises them per group
    /// (`groups[i]` is row i's cluster, -1 for high-missing).
    public static func summarise(path: String, delimiter: UInt8?, groups: [Int32], clusters: Int,
                                 threads: Int) throws -> [AsideColumn] {
        let header = try ColumnSample.read(path: path, rows: 0, delimiter: delimiter).header
        let present = SchemaInference.asideColumns.filter { header.contains($0) && $0 != "RESPONSE" }.sorted()
        guard !present.isEmpty else { return [] }
        let schema = FeatureSchema(features: present.map {
            Feature(name: $0, informationLevel: "customer", type: .categorical, missingCodes: [], isText: true)
        })
        let table = try CSVLoader(schema: schema, delimiter: delimiter, threads: threads).load(path: path)
        guard table.rowCount == groups.count else { return [] }
        return present.enumerated().map { c, name in
            var counts = [[String: Int]](repeating: [:], count: clusters + 1)   // last: high-missing
            var all: [String: Int] = [:]
            for r in 0..<table.rowCount {
                guard let code = table.code(row: r, column: c) else { continue }
                let v = code.description
                let g = groups[r] < 0 ? clusters : Int(groups[r])
                counts[g][v, default: 0] += 1
                all[v, default: 0] += 1
            }
            func shares(_ m: [String: Int]) -> [String: Double] {
                let t = max(1, m.values.reduce(0, +))
                return m.mapValues { Double($0) / Double(t) }
            }
            let groupList = (0...clusters).map { g in
                Group(cluster: g == clusters ? nil : g, customers: counts[g].values.reduce(0, +), shares: shares(counts[g]))
            }
            return AsideColumn(column: name, values: all.keys.sorted(), overall: shares(all), groups: groupList)
        }
    }
}
