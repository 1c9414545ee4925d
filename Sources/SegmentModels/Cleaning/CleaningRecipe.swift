import Foundation
import SegmentCore
import SegmentData

/// Where an output feature comes from, so it can be computed and explained.
public enum FeatureSource: Codable, Sendable, Equatable {
    /// The column's value as is (ordinal, numeric, interval codes).
    case value(column: String)
    /// A two-level categorical as 0/1: 1 where the code is `one`.
    case binary(column: String, zero: Code, one: Code)
    /// One level of a one-hot encoded categorical.
    case dummy(column: String, code: Code)
    /// Part `part` (0 or 1) of an engineered mixed feature (`EngineeredFeatures`).
    case engineered(column: String, part: Int)
    /// The year of a date column (`EINGEFUEGT_AM`: `1992-02-10 00:00:00` -> 1992).
    case year(column: String)

    public var column: String {
        switch self {
        case let .value(c), let .binary(c, _, _), let .dummy(c, _), let .engineered(c, _), let .year(c): return c
        }
    }
}

public struct OutputFeature: Codable, Sendable, Equatable {
    public let name: String
    public let source: FeatureSource
}

/// A column the recipe leaves out, and why.
public struct DroppedColumn: Codable, Sendable, Equatable {
    public enum Reason: String, Codable, Sendable {
        case missing = "missing share above the threshold"
        case requested = "dropped on request"
        case multiLevelPolicy = "multi-level categorical, dropped by the encoding policy"
        case tooManyLevels = "more categorical levels than --max-one-hot-levels"
        case lebensphasePolicy = "LP_LEBENSPHASE policy"
        case finePairsPolicy = "the other column of a FEIN/GROB pair is used"
        case noValues = "no valid values in the population"
        case rowId = "the person id: carried into the outputs, not a feature"
    }
    public let name: String
    public let reason: Reason
    public let missingFraction: Double
}

/// The cleaning as a fitted value: fitted once on the general population, saved with the model, and
/// applied unchanged to customers and to any later file with the same schema.
///
/// Steps: (1) missing codes to NaN; (2) columns missing on more than a threshold share dropped;
/// (3) rows with more than `rowThreshold` missing values (over the kept columns) set aside as the
/// high-missing group; (4) binary categoricals to 0/1, multi-level ones one-hot with the
/// population's categories (or dropped); (5) mixed features engineered. Applying the recipe to the
/// population it was fitted on reproduces the fitted output exactly.
public struct CleaningRecipe: Codable, Sendable, Equatable {
    public let options: CleaningOptions
    public let schema: FeatureSchema
    public let droppedColumns: [DroppedColumn]
    /// The columns left after steps 1-2; the per-row missing count is taken over them.
    public let keptColumns: [String]
    /// Rows with more missing values than this are high-missing.
    public let rowThreshold: Int
    /// The output columns, in order.
    public let features: [OutputFeature]

    public var featureNames: [String] { features.map(\.name) }

    // MARK: fitting

    /// Fits the recipe on the population and returns it with the assessment the reports show.
    ///
    /// `group`: the processes of an `mpirun`, each holding the rows it parsed (`RawTable.firstRow`).
    /// Everything the fit and the assessment count is gathered and added (integer counts and code
    /// sets), so every rank gets the recipe and the assessment one process gets from every row.
    public static func fit(_ table: RawTable, options: CleaningOptions = CleaningOptions(),
                           threads: Int = ProcessInfoCompat.activeProcessorCount,
                           group: (any ProcessGroup)? = nil) throws -> (CleaningRecipe, CleaningAssessment) {
        let ranks = group.flatMap { $0.size > 1 ? $0 : nil }
        let state = try fitState(table, options: options, threads: threads, ranks: ranks)
        let assessment = try CleaningAssessment(table: table, rows: state.rows, recipe: state.recipe,
                                                missingCounts: state.missingCounts, perRow: state.perRow,
                                                histogram: state.histogram, resolvers: state.resolvers,
                                                keptIndices: state.kept, threads: threads, ranks: ranks)
        return (state.recipe, assessment)
    }

    /// Fits the recipe only (no co-missing groups or group comparison): what applying needs.
    public static func fitWithoutAssessment(_ table: RawTable, options: CleaningOptions = CleaningOptions(),
                                            threads: Int = ProcessInfoCompat.activeProcessorCount) throws -> (CleaningRecipe, [Int]) {
        let state = try fitState(table, options: options, threads: threads)
        return (state.recipe, state.histogram)
    }

    struct FitState {
        var recipe: CleaningRecipe
        /// Every rank's rows.
        var rows: Int
        var missingCounts: [Int]
        /// This rank's rows' missing counts.
        var perRow: [UInt16]
        var histogram: [Int]
        var resolvers: [ColumnResolver]
        var kept: [Int]
    }

    static func fitState(_ given: RawTable, options: CleaningOptions, threads: Int,
                         ranks: (any ProcessGroup)? = nil) throws -> FitState {
        let n = try ranks?.summed([given.rowCount])[0] ?? given.rowCount
        guard n > 0 else { throw DataError(file: given.source, kind: .headerOnly) }
        for name in options.dropColumns where given.schema.index(of: name) == nil {
            throw DataError(file: given.source, kind: .unknownDropColumn(name))
        }
        let p = given.schema.count
        // Every column's codes counted once (over every rank's rows): steps 0-2 and the
        // categories of step 4 are read from these counts. Of a column whose codes neither step 0
        // nor step 4 reads, only the missing codes' counts are kept (an id column has a code a
        // row: every rank would have gathered them all).
        let read = Set(given.schema.features.indices.filter { c in
            let f = given.schema.features[c]
            return f.type == .categorical || isCheckedAgainstMetadata(f)
        })
        let counted = try ValueCounts.gathered(Parallel.map(p, workers: threads, schedule: .dynamic) { c in
            let counts = ValueCounts(given, column: c)
            guard !read.contains(c) else { return counts }
            let missing = ColumnResolver(table: given, column: c, codes: [], missingCodes: given.schema.features[c].missingCodes)
            return counts.keeping(missing.isMissing)
        }, over: ranks)
        // Step 0: codes the metadata does not list are missing (`X` in CAMEO_DEUG_2015, `LP_*` 0).
        let undocumented = undocumentedCodes(given, schema: given.schema, counted: counted, threads: threads)
        var features0 = given.schema.features
        for (c, codes) in undocumented { features0[c].missingCodes += codes }
        let schema = FeatureSchema(features: features0)
        var table = given
        table.schema = schema
        // Step 1-2: missing share per column.
        let resolvers = (0..<p).map { ColumnResolver(table: table, column: $0, codes: [], missingCodes: schema.features[$0].missingCodes) }
        let missingCounts = columnMissingCounts(counted, resolvers: resolvers)
        var dropped: [DroppedColumn] = []
        var kept: [Int] = []
        for (c, f) in schema.features.enumerated() {
            let frac = Double(missingCounts[c]) / Double(n)
            if f.type == .id {
                dropped.append(DroppedColumn(name: f.name, reason: .rowId, missingFraction: frac))
            } else if options.dropColumns.contains(f.name) {
                dropped.append(DroppedColumn(name: f.name, reason: .requested, missingFraction: frac))
            } else if frac > options.columnMissingThreshold {
                dropped.append(DroppedColumn(name: f.name, reason: .missing, missingFraction: frac))
            } else {
                kept.append(c)
            }
        }
        guard !kept.isEmpty else {
            throw DataError(file: table.source, kind: .everyColumnMissing(threshold: options.columnMissingThreshold))
        }
        // Step 3: rows.
        let perRow = rowMissingCounts(table, columns: kept, resolvers: resolvers, threads: threads)
        var histogram = [Int](repeating: 0, count: kept.count + 1)
        for m in perRow { histogram[Int(m)] += 1 }
        histogram = try ranks?.summed(histogram) ?? histogram
        let threshold: Int
        switch options.rowThreshold {
        case let .count(t): threshold = t
        case .auto: threshold = autoRowThreshold(histogram)
        }
        // Steps 4-5: the encoding plan, with categories from the population.
        let categorical = kept.filter { schema.features[$0].type == .categorical }
        let levelsByColumn = distinctCodes(table, columns: categorical, resolvers: resolvers, counted: counted, threads: threads)
        var features: [OutputFeature] = []
        for c in kept {
            let f = schema.features[c]
            let frac = Double(missingCounts[c]) / Double(n)
            if let pair = CleaningOptions.finePairColumns.first(where: { $0.0 == f.name || $0.1 == f.name }),
               options.finePairs != .both {
                let isFine = pair.0 == f.name
                if (options.finePairs == .coarse && isFine) || (options.finePairs == .fine && !isFine) {
                    dropped.append(DroppedColumn(name: f.name, reason: .finePairsPolicy, missingFraction: frac))
                    continue
                }
            }
            if f.name.hasPrefix("LP_LEBENSPHASE_") && f.type == .mixed {
                if options.lebensphase == .drop {
                    dropped.append(DroppedColumn(name: f.name, reason: .lebensphasePolicy, missingFraction: frac))
                } else {
                    features.append(OutputFeature(name: f.name, source: .value(column: f.name)))
                }
                continue
            }
            if f.type == .date {
                features.append(OutputFeature(name: f.name + "_YEAR", source: .year(column: f.name)))
                continue
            }
            if f.type == .mixed, let parts = EngineeredFeatures.parts(of: f.name) {
                for (i, name) in parts.enumerated() {
                    features.append(OutputFeature(name: name, source: .engineered(column: f.name, part: i)))
                }
                continue
            }
            if f.type == .categorical {
                let levels = levelsByColumn[c] ?? []
                if levels.isEmpty {
                    dropped.append(DroppedColumn(name: f.name, reason: .noValues, missingFraction: frac))
                } else if levels.count <= 2 {
                    let zero = levels[0], one = levels.count == 2 ? levels[1] : levels[0]
                    features.append(OutputFeature(name: f.name, source: .binary(column: f.name, zero: zero, one: one)))
                } else if options.multiLevel == .drop {
                    dropped.append(DroppedColumn(name: f.name, reason: .multiLevelPolicy, missingFraction: frac))
                } else if levels.count > options.maxOneHotLevels {
                    dropped.append(DroppedColumn(name: f.name, reason: .tooManyLevels, missingFraction: frac))
                } else {
                    for code in levels {
                        features.append(OutputFeature(name: "\(f.name)_\(code)", source: .dummy(column: f.name, code: code)))
                    }
                }
                continue
            }
            features.append(OutputFeature(name: f.name, source: .value(column: f.name)))
        }
        guard !features.isEmpty else {
            throw DataError(file: table.source, kind: .other("no feature is left after the encoding policies: nothing to cluster"))
        }
        let recipe = CleaningRecipe(options: options, schema: schema, droppedColumns: dropped,
                                    keptColumns: kept.map { schema.features[$0].name },
                                    rowThreshold: threshold, features: features)
        return FitState(recipe: recipe, rows: n, missingCounts: missingCounts, perRow: perRow, histogram: histogram,
                        resolvers: resolvers, kept: kept)
    }

    /// The split between the two modes of the per-row missing histogram (the main mode, and the
    /// highest bin at least 5 missing values away from it with a near-empty stretch between them:
    /// a 5-bin neighbourhood holding at most max(1, 0.05% of the rows); without that condition a
    /// broad main mode, as the 366-column files have, would be split in its own tail). Between them, every split whose 5-bin
    /// neighbourhood holds at most max(1, 0.05% of the rows) more than the emptiest neighbourhood is a
    /// candidate; the split is the middle of the longest run of candidates, i.e. the middle of the gap.
    /// With a single mode, or when the upper group has under 0.5% of the rows, nothing is set aside
    /// (the threshold is the largest possible count).
    static func autoRowThreshold(_ histogram: [Int]) -> Int {
        let m = histogram.count - 1
        guard m >= 2, let mode1 = histogram.indices.max(by: { histogram[$0] < histogram[$1] }) else { return max(m, 0) }
        let total = histogram.reduce(0, +)
        let tolerance = max(1, total / 2000)
        func windowSum(_ t: Int) -> Int {
            var s = 0
            for j in max(0, t - 2)...min(m, t + 2) { s += histogram[j] }
            return s
        }
        // Bins separated from the main mode by a near-empty neighbourhood, on each side.
        var separated = [Bool](repeating: false, count: m + 1)
        for direction in [1, -1] {
            var gap = false
            var i = mode1 + direction
            while i >= 0 && i <= m {
                if windowSum(i) <= tolerance { gap = true }
                separated[i] = gap
                i += direction
            }
        }
        let far = histogram.indices.filter { abs($0 - mode1) >= 5 && histogram[$0] > 0 && separated[$0] }
        guard let mode2 = far.max(by: { histogram[$0] < histogram[$1] || (histogram[$0] == histogram[$1] && $0 < $1) }) else {
            return m
        }
        let lo = min(mode1, mode2), hi = max(mode1, mode2)
        func window(_ t: Int) -> Int {
            var s = 0
            for j in max(0, t - 2)...min(m, t + 2) { s += histogram[j] }
            return s
        }
        let sums = (lo...hi).map(window)
        let floor = sums.min()! + tolerance
        var best = (start: lo, length: 0), runStart = -1
        for (k, v) in sums.enumerated() {
            if v <= floor {
                if runStart < 0 { runStart = k }
                if k - runStart + 1 > best.length { best = (lo + runStart, k - runStart + 1) }
            } else {
                runStart = -1
            }
        }
        let middle = best.start + (best.length - 1) / 2
        let t = mode1 < mode2 ? middle : middle - 1
        let upperRows = histogram[(t + 1)...].reduce(0, +)
        guard t >= 0, t < m, upperRows * 200 >= total, histogram[mode2] > 0 else { return m }
        return t
    }

    // MARK: applying

    /// Applies the recipe: the cleaned matrix of the low-missing rows and the row groups.
    /// `everyRow`: every row in the matrix, the high-missing ones too (the response model scores
    /// everyone); `missingPerRow` and `rowThreshold` still say which rows are high-missing.
    public func apply(_ table: RawTable, threads: Int = ProcessInfoCompat.activeProcessorCount,
                      everyRow: Bool = false) throws -> CleanedData {
        let prepared = try prepare(table, threads: threads, everyRow: everyRow)
        let (matrix, unknownCounts) = prepared.fill(0..<prepared.lowRows.count, threads: threads)
        return CleanedData(source: table.source, featureNames: featureNames, matrix: matrix,
                           lowRows: prepared.lowRows, missingPerRow: prepared.missingPerRow, rowThreshold: rowThreshold,
                           unseenCodes: prepared.unseenCodes(unknownCounts))
    }

    /// The recipe compiled against one table, with its row split, ready to fill the cleaned
    /// matrix's rows in parts (`PreparedTable.fill`): what `apply` does at once.
    public func prepare(_ table: RawTable, threads: Int = ProcessInfoCompat.activeProcessorCount,
                        everyRow: Bool = false) throws -> PreparedTable {
        let schema = table.schema
        // The table must have the recipe's columns (a file loaded with another schema cannot be used).
        var columnIndex: [String: Int] = [:]
        for name in keptColumns {
            guard let c = schema.index(of: name) else {
                throw DataError(file: table.source, kind: .missingColumns([name]))
            }
            columnIndex[name] = c
        }
        var recipeFeatures = Dictionary(uniqueKeysWithValues: self.schema.features.map { ($0.name, $0) })
        // Codes this file holds that the metadata does not list are missing here too.
        let extra = Self.undocumentedCodes(table, schema: FeatureSchema(features: keptColumns.map { name -> Feature in
            var f = recipeFeatures[name]!
            f.name = name
            return f
        }), columns: keptColumns.map { columnIndex[$0]! }, threads: threads)
        for (k, codes) in extra { recipeFeatures[keptColumns[k]]!.missingCodes += codes }
        // Resolvers per kept column, with the codes its features need.
        var codesOf: [String: [Code]] = [:]
        for f in features {
            switch f.source {
            case let .binary(c, zero, one): codesOf[c] = zero == one ? [zero] : [zero, one]
            case let .dummy(c, code): codesOf[c, default: []].append(code)
            default: break
            }
        }
        var resolverOf: [String: ColumnResolver] = [:]
        for name in keptColumns {
            let missing = recipeFeatures[name]!.missingCodes
            var codes = codesOf[name] ?? []
            let dict = table.dictionaries[columnIndex[name]!]
            if let dict, EngineeredFeatures.parts(of: name) != nil || codesOf[name] == nil {
                // Text columns read as values or years classify every dictionary entry.
                codes = dict.map { Code(token: $0) }
            } else if EngineeredFeatures.parts(of: name) != nil {
                codes = engineeredNumericCodes(name)
            }
            resolverOf[name] = ColumnResolver(table: table, column: columnIndex[name]!, codes: codes, missingCodes: missing)
        }
        let keptResolvers = keptColumns.map { resolverOf[$0]! }
        let n = table.rowCount
        let compiled = CompiledPlan(resolvers: keptResolvers, keptColumns: keptColumns, features: features,
                                    codesOf: codesOf, engineeredCodes: { self.resolverCodes($0, table: table, columnIndex: columnIndex) })
        let perRow = compiled.rowMissingCounts(table, threads: threads)
        var lowRows: [Int] = []
        lowRows.reserveCapacity(n)
        for r in 0..<n where everyRow || Int(perRow[r]) <= rowThreshold { lowRows.append(r) }
        return PreparedTable(table: table, compiled: compiled, lookups: compiled.lookups(for: table), features: features,
                             lowRows: lowRows, missingPerRow: perRow)
    }

    /// Whether a column's codes are checked against the metadata's (step 0): it lists them, and
    /// the column is not numeric.
    static func isCheckedAgainstMetadata(_ f: Feature) -> Bool { f.validCodes != nil && f.type != .numeric }

    /// Per column (by schema index, or by position in `columns` when given), the codes present in
    /// the table that its metadata does not list and does not already call missing.
    /// `counted`: every column's value counts, when counted already (by schema index).
    static func undocumentedCodes(_ table: RawTable, schema: FeatureSchema, columns: [Int]? = nil,
                                  counted: [ValueCounts]? = nil, threads: Int) -> [Int: [Code]] {
        let positions = columns ?? Array(0..<schema.count)
        let checked = schema.features.indices.filter { isCheckedAgainstMetadata(schema.features[$0]) }
        guard !checked.isEmpty else { return [:] }
        let resolvers = checked.map { ColumnResolver(table: table, column: positions[$0], codes: [],
                                                     missingCodes: schema.features[$0].missingCodes) }
        var byColumn: [Int: ColumnResolver] = [:]
        for (i, c) in checked.enumerated() { byColumn[positions[c]] = resolvers[i] }
        let present = distinctCodes(table, columns: checked.map { positions[$0] },
                                    resolvers: (0..<table.schema.count).map { byColumn[$0] ?? resolvers[0] },
                                    counted: counted, threads: threads)
        var out: [Int: [Code]] = [:]
        for c in checked {
            let valid = Set(schema.features[c].validCodes!)
            let extra = (present[positions[c]] ?? []).filter { !valid.contains($0) }
            if !extra.isEmpty { out[c] = extra }
        }
        return out
    }

    private func engineeredNumericCodes(_ column: String) -> [Code] {
        switch column {
        case "PRAEGENDE_JUGENDJAHRE": return EngineeredFeatures.praegende.keys.sorted().map { .number($0) }
        case "WOHNLAGE": return EngineeredFeatures.wohnlage.keys.sorted().map { .number($0) }
        case "PLZ8_BAUMAX", "KBA05_BAUMAX": return EngineeredFeatures.baumax.keys.sorted().map { .number($0) }
        case "CAMEO_INTL_2015": return EngineeredFeatures.cameoInternational.keys.sorted().compactMap { Int($0).map { .number($0) } }
        default: return []
        }
    }

    fileprivate func resolverCodes(_ column: String, table: RawTable, columnIndex: [String: Int]) -> [Code] {
        if let dict = table.dictionaries[columnIndex[column]!] { return dict.map { Code(token: $0) } }
        return engineeredNumericCodes(column)
    }

    // MARK: counting

    /// Each column's empty cells and missing codes, from its value counts.
    static func columnMissingCounts(_ counted: [ValueCounts], resolvers: [ColumnResolver]) -> [Int] {
        counted.indices.map { c in
            let counts = counted[c]
            var missing = resolvers[c].isMissing(.nan) ? counts.empty[0] : 0
            for (v, n) in zip(counts.values, counts.all) where resolvers[c].isMissing(v) { missing += n }
            return missing
        }
    }

    static func rowMissingCounts(_ table: RawTable, columns: [Int], resolvers: [ColumnResolver]?,
                                 explicitResolvers: [ColumnResolver]? = nil, threads: Int) -> [UInt16] {
        let res = explicitResolvers ?? columns.map { resolvers![$0] }
        return table.codes.countPerRow(columns: columns, threads: threads) { k, v in res[k].isMissing(v) }
    }

    /// The distinct non-missing codes of each of `columns`, sorted, from one pass over the rows
    /// (contiguous row ranges on `threads` workers): a pass per column read a cache line per value.
    /// `counted`: every column's value counts, when counted already (by schema index).
    static func distinctCodes(_ table: RawTable, columns: [Int], resolvers: [ColumnResolver],
                              counted: [ValueCounts]? = nil, threads: Int) -> [Int: [Code]] {
        if columns.isEmpty { return [:] }
        // Each column's codes counted once (a count per code for the byte-wide columns).
        let present = Parallel.map(columns.count, workers: counted == nil ? threads : 1, schedule: .dynamic) { j in
            (counted?[columns[j]].values ?? table.codes.valueCounts(column: columns[j]).values)
                .filter { !resolvers[columns[j]].isMissing($0) }
        }
        var result: [Int: [Code]] = [:]
        for (j, column) in columns.enumerated() {
            let values = present[j]
            if let dict = table.dictionaries[column] {
                result[column] = values.map { Code(token: dict[Int($0)]) }.sorted()
            } else {
                result[column] = values.map { v in v == v.rounded() && abs(v) < 1e15 ? Code.number(Int(v)) : Code.text(String(v)) }.sorted()
            }
        }
        return result
    }
}

/// The cleaned population or customers: the low-missing rows as a matrix (NaN where still missing)
/// and every row's group.
/// A table with the recipe compiled against it and its rows split: the cleaned matrix's rows can
/// be filled in parts, so that a pass over them need not hold the whole matrix.
public struct PreparedTable: Sendable {
    let table: RawTable
    let compiled: CompiledPlan
    let lookups: RecodeTables.Lookups
    let features: [OutputFeature]
    /// The original row number (0-based) of each cleaned row.
    public let lowRows: [Int]
    /// Missing values per original row over the kept columns.
    public let missingPerRow: [UInt16]

    public var source: String { table.source }
    public var featureCount: Int { features.count }

    /// Cleaned rows `rows` (positions in `lowRows`) and, per feature, how many of their cells held a
    /// code the recipe never saw.
    public func fill(_ rows: Range<Int>, threads: Int) -> (Matrix, [Int]) {
        var matrix = Matrix(uninitializedRows: rows.count, columns: features.count)
        let unknown = fill(rows, into: &matrix, threads: threads)
        return (matrix, unknown)
    }

    /// `fill` into a matrix of the right shape already there (a buffer reused block after block:
    /// a fresh 69 MB block would be mapped and faulted in anew each time).
    public func fill(_ rows: Range<Int>, into matrix: inout Matrix, threads: Int) -> [Int] {
        if matrix.rows != rows.count || matrix.columns != features.count {
            matrix = Matrix(uninitializedRows: rows.count, columns: features.count)
        }
        return compiled.fill(&matrix, from: table, rows: Array(lowRows[rows]), lookups: lookups, threads: threads)
    }

    /// Warnings: codes the recipe never saw, per source column (a dummy group counts a row once),
    /// from `fill`'s counts summed over every row.
    public func unseenCodes(_ unknownCounts: [Int]) -> [String: Int] {
        var unseen: [String: Int] = [:]
        var countedDummy = Set<String>()
        for (j, feat) in features.enumerated() {
            let total = unknownCounts[j]
            guard total > 0 else { continue }
            if case let .dummy(c, _) = feat.source {
                if countedDummy.insert(c).inserted { unseen[c, default: 0] += total }
            } else {
                unseen[feat.source.column, default: 0] += total
            }
        }
        return unseen
    }
}

public struct CleanedData: Sendable {
    public var source: String
    public var featureNames: [String]
    /// lowRows.count x featureNames.count.
    public var matrix: Matrix
    /// The original row number (0-based, data rows) of each matrix row.
    public var lowRows: [Int]
    /// Missing values per original row over the kept columns.
    public var missingPerRow: [UInt16]
    public var rowThreshold: Int
    /// Codes the recipe never saw in the population, per column (rows counted once per column):
    /// a customer-only category maps to all zeros.
    public var unseenCodes: [String: Int]

    public init(source: String, featureNames: [String], matrix: Matrix, lowRows: [Int], missingPerRow: [UInt16],
                rowThreshold: Int, unseenCodes: [String: Int]) {
        self.source = source; self.featureNames = featureNames; self.matrix = matrix; self.lowRows = lowRows
        self.missingPerRow = missingPerRow; self.rowThreshold = rowThreshold; self.unseenCodes = unseenCodes
    }

    public var rowCount: Int { missingPerRow.count }
    public var highMissingCount: Int { rowCount - lowRows.count }
    /// True for rows set aside as high-missing.
    public func isHighMissing(_ row: Int) -> Bool { Int(missingPerRow[row]) > rowThreshold }
}
