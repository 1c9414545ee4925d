import Foundation
import SegmentCore
import SegmentData

/// The seeded generator of AZDIAS-like data (`segment generate`).
///
/// It writes the population and customer files in the real formats, the feature summary, and the
/// truth (each row's planted segment; which segments customers over- and under-represent). What it
/// reproduces from the published facts (`AZDIASReference`):
/// - all 85 columns in order, typed and coded as published, formatted as the real files are
///   (plain integers in never-empty columns, `2.0` in columns with empty cells, text unquoted);
/// - the per-code marginals of the population (within sampling error), coded-missing values at their
///   published rates, and the co-missing blocks: a high-missing group (~10.4% of the population, ~26%
///   of customers) whose building-and-below columns are empty, a household block nested in it, and
///   the microcell, PLZ8, postcode, community, CAMEO, region and typology blocks;
/// - the exact relations: GREEN_AVANTGARDE = avantgarde flag of PRAEGENDE_JUGENDJAHRE; LP_STATUS_GROB
///   and LP_FAMILIE_GROB = groupings of their FEIN columns; CAMEO_DEUG_2015 = first character of
///   CAMEO_DEU_2015; CAMEO_INTL_2015 from CAMEO_DEU_2015; GEBAEUDETYP 5 exactly once in the population
///   and never in customers;
/// - planted segments along the published principal axes (`LatentModel`), customers drawn from a
///   skewed mixture of them.
///
/// Deterministic: the same seed gives the same bytes whatever the thread count (rows are generated in
/// fixed chunks, each from its own stream of the seed).
public struct SyntheticGenerator: Sendable {
    public var populationRows: Int
    public var customerRows: Int
    public var seed: UInt64
    public var threads: Int
    /// The planted segments: the eight of `LatentModel.segments` by default, or
    /// `LatentModel.planted(count:seed:)`.
    public var segments: [LatentModel.Segment]

    static let chunkRows = 8_192

    public init(populationRows: Int = AZDIASReference.populationRows,
                customerRows: Int = AZDIASReference.customerRows,
                seed: UInt64 = 42, threads: Int = ProcessInfoCompat.activeProcessorCount,
                segments: [LatentModel.Segment] = LatentModel.segments) {
        self.populationRows = populationRows
        self.customerRows = customerRows
        self.seed = seed
        self.threads = max(1, threads)
        self.segments = segments
    }

    /// The column model for these segments (the default one is built once per process).
    private var model: SyntheticColumns {
        segments == LatentModel.segments ? SyntheticColumns.shared : SyntheticColumns(segments: segments)
    }

    /// The file names written into the output folder.
    public enum FileName {
        public static let population = "azdias.csv"
        public static let customers = "customers.csv"
        public static let features = "feature_summary.csv"
        public static let truthPopulation = "truth_population.csv"
        public static let truthCustomers = "truth_customers.csv"
        public static let truth = "truth.json"
    }

    /// Writes every file into `directory` (created if needed), each atomically.
    @discardableResult
    public func write(to directory: String) throws -> SyntheticTruth {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func path(_ n: String) -> String { (directory as NSString).appendingPathComponent(n) }
        let model = self.model
        let pop = try writeFile(kind: .population, rows: populationRows, model: model,
                                data: path(FileName.population), truth: path(FileName.truthPopulation))
        let cus = try writeFile(kind: .customers, rows: customerRows, model: model,
                                data: path(FileName.customers), truth: path(FileName.truthCustomers))
        try AtomicFile.write(FeatureSchema.azdias.summaryFileText(), to: path(FileName.features))
        let truth = SyntheticTruth(seed: seed, populationRows: populationRows, customerRows: customerRows,
                                   population: pop, customers: cus, segments: segments)
        try AtomicFile.write(try SegmentJSON.fileBytes(truth), to: path(FileName.truth))
        return truth
    }

    public enum Kind: Sendable { case population, customers }

    /// The codes the generator writes for one file, cell by cell (row-major; nil = empty cell), the
    /// truth a loader round-trip is checked against. Generated in memory: for small sizes.
    public func expectedCodes(_ kind: Kind) -> [String?] {
        let model = self.model
        let rows = kind == .population ? populationRows : customerRows
        let salt: UInt64 = kind == .population ? 0x5EED_0001 : 0x5EED_0002
        var pick = SplitMix64.stream(seed: seed, 0xB00D)
        let rareRow = kind == .population && rows > 0 ? pick.nextInt(below: rows) : -1
        var out: [String?] = []
        var c = 0
        while c * Self.chunkRows < rows {
            let lo = c * Self.chunkRows, hi = min(rows, lo + Self.chunkRows)
            var rng = SplitMix64.stream(seed: seed ^ salt, UInt64(c))
            out += model.generate(kind: kind, rows: lo..<hi, rng: &rng, rareRow: rareRow, recordCodes: true).codes
            c += 1
        }
        return out
    }

    private func writeFile(kind: Kind, rows: Int, model: SyntheticColumns, data: String, truth: String) throws -> SyntheticTruth.FileTruth {
        let out = try AtomicFile(path: data)
        let truthOut = try AtomicFile(path: truth)
        do {
            try out.write(model.headerLine)
            try truthOut.write("row;segment;high_missing_block\n")
            let chunks = (rows + Self.chunkRows - 1) / Self.chunkRows
            let salt: UInt64 = kind == .population ? 0x5EED_0001 : 0x5EED_0002
            // The one population row that gets GEBAEUDETYP 5.
            var pick = SplitMix64.stream(seed: seed, 0xB00D)
            let rareRow = kind == .population && rows > 0 ? pick.nextInt(below: rows) : -1
            var counts = [Int](repeating: 0, count: model.segments.count)
            var highCounts = [Int](repeating: 0, count: model.segments.count)
            var batchStart = 0
            let batch = max(1, threads) * 4
            while batchStart < chunks {
                let batchEnd = min(chunks, batchStart + batch)
                let results = Parallel.map(batchEnd - batchStart, workers: threads) { i in
                    let c = batchStart + i
                    let lo = c * Self.chunkRows, hi = min(rows, lo + Self.chunkRows)
                    var rng = SplitMix64.stream(seed: seed ^ salt, UInt64(c))
                    return model.generate(kind: kind, rows: lo..<hi, rng: &rng, rareRow: rareRow)
                }
                for r in results {
                    try out.write(r.bytes)
                    try truthOut.write(r.truth)
                    for (s, n) in r.segmentCounts.enumerated() { counts[s] += n }
                    for (s, n) in r.highMissingCounts.enumerated() { highCounts[s] += n }
                }
                batchStart = batchEnd
            }
            try out.commit()
            try truthOut.commit()
            return SyntheticTruth.FileTruth(rows: rows, segmentCounts: counts, highMissingBlockCounts: highCounts)
        } catch {
            out.abandon()
            truthOut.abandon()
            throw error
        }
    }
}

/// What the generator planted (`truth.json`).
public struct SyntheticTruth: Codable, Sendable, Equatable {
    public struct FileTruth: Codable, Sendable, Equatable {
        public var rows: Int
        /// Rows per planted segment (all rows).
        public var segmentCounts: [Int]
        /// Of those, the rows in the high-missing block.
        public var highMissingBlockCounts: [Int]
    }

    public struct SegmentTruth: Codable, Sendable, Equatable {
        public var id: Int
        public var label: String
        public var centre: [Double]
        /// Shares among the rows outside the high-missing block (the people the segments describe),
        /// as the tool's comparison takes them; the high-missing rows are their own group.
        public var populationShare: Double
        public var customerShare: Double
        public var ratio: Double
        /// "over" (ratio >= 1.5), "under" (ratio <= 1/1.5) or "neutral".
        public var representation: String
    }

    public var seed: UInt64
    public var populationRows: Int
    public var customerRows: Int
    public var population: FileTruth
    public var customers: FileTruth
    public var axes: [String]
    public var segments: [SegmentTruth]
    /// Share of rows in the high-missing block.
    public var highMissingPopulationShare: Double
    public var highMissingCustomerShare: Double
    public var rule: String
    /// Full layout: the planted response score's own ROC AUC on MAILOUT_TRAIN (the best a model
    /// can reach there), and the planted model in words.
    public var plantedResponseAUC: Double?
    public var responseModel: String?

    init(seed: UInt64, populationRows: Int, customerRows: Int, population: FileTruth, customers: FileTruth,
         segments planted: [LatentModel.Segment]) {
        self.seed = seed
        self.populationRows = populationRows
        self.customerRows = customerRows
        self.population = population
        self.customers = customers
        self.axes = LatentModel.axisNames(planted.first?.centre.count ?? LatentModel.axes.count)
        let popLow = zip(population.segmentCounts, population.highMissingBlockCounts).map { $0 - $1 }
        let cusLow = zip(customers.segmentCounts, customers.highMissingBlockCounts).map { $0 - $1 }
        let popTotal = max(1, popLow.reduce(0, +)), cusTotal = max(1, cusLow.reduce(0, +))
        segments = planted.map { s in
            let ps = Double(popLow[s.id]) / Double(popTotal), cs = Double(cusLow[s.id]) / Double(cusTotal)
            let ratio = ps > 0 ? cs / ps : 0
            return SegmentTruth(id: s.id, label: s.label, centre: s.centre, populationShare: ps, customerShare: cs,
                                ratio: ratio,
                                representation: ratio >= 1.5 ? "over" : (ratio <= 1 / 1.5 ? "under" : "neutral"))
        }
        highMissingPopulationShare = Double(population.highMissingBlockCounts.reduce(0, +)) / Double(max(1, populationRows))
        highMissingCustomerShare = Double(customers.highMissingBlockCounts.reduce(0, +)) / Double(max(1, customerRows))
        rule = "over-represented: customer share / population share >= 1.5; under-represented: <= 1/1.5 (shares among the rows outside the high-missing block; the high-missing rows are their own group)"
    }
}
