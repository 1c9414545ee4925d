import Foundation
import SegmentCore
import SegmentData
import SegmentModels

/// Every setting of a run, with its default.
public struct PipelineConfig: Codable, Sendable, Equatable {
    public var cleaning = CleaningOptions()
    public var imputation: Imputer.Strategy = .median
    public var components: PCA.Components = .count(30)
    /// The number of segments; nil takes the sweep's suggestion.
    public var k: Int?
    /// The k range of the sweep; nil skips the sweep (then `k` is required).
    public var sweep: ClosedRange<Int>? = 2...20
    /// Rows (seeded sample) the sweep runs on; nil for all low-missing rows.
    public var sweepSample: Int? = 200_000
    public var nInit = 3
    public var sweepNInit = 1
    public var maxIterations = 300
    /// How k-means iterates.
    public var kmeansAlgorithm: KMeans.Algorithm = .hamerly
    /// Where each k of the sweep starts.
    public var sweepStart: KSweep.Start = .warm
    public var tolerance = 1e-4
    public var seed: UInt64 = 42
    public var silhouetteSample = 2_000

    public init() {}

    /// Decodes every setting, taking the default for a non-optional one the file does not name, so a
    /// model saved before `kmeansAlgorithm` and `sweepStart` existed still loads.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PipelineConfig()
        cleaning = try c.decodeIfPresent(CleaningOptions.self, forKey: .cleaning) ?? d.cleaning
        imputation = try c.decodeIfPresent(Imputer.Strategy.self, forKey: .imputation) ?? d.imputation
        components = try c.decodeIfPresent(PCA.Components.self, forKey: .components) ?? d.components
        k = try c.decodeIfPresent(Int.self, forKey: .k)
        // (Optional settings are left out of the file when nil, so absent means nil for them.)
        sweep = try c.decodeIfPresent(ClosedRange<Int>.self, forKey: .sweep)
        sweepSample = try c.decodeIfPresent(Int.self, forKey: .sweepSample)
        nInit = try c.decodeIfPresent(Int.self, forKey: .nInit) ?? d.nInit
        sweepNInit = try c.decodeIfPresent(Int.self, forKey: .sweepNInit) ?? d.sweepNInit
        maxIterations = try c.decodeIfPresent(Int.self, forKey: .maxIterations) ?? d.maxIterations
        kmeansAlgorithm = try c.decodeIfPresent(KMeans.Algorithm.self, forKey: .kmeansAlgorithm) ?? d.kmeansAlgorithm
        sweepStart = try c.decodeIfPresent(KSweep.Start.self, forKey: .sweepStart) ?? d.sweepStart
        tolerance = try c.decodeIfPresent(Double.self, forKey: .tolerance) ?? d.tolerance
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        silhouetteSample = try c.decodeIfPresent(Int.self, forKey: .silhouetteSample) ?? d.silhouetteSample
    }
}

/// Everything a later file needs to be scored exactly as the population was: the cleaning recipe,
/// the imputer, the scaler, the PCA and the k-means centres, plus each segment's customer share.
public struct FittedPipeline: Codable, Sendable, Equatable {
    /// 3: matrices as nested rows, codes as plain numbers or strings, no Swift enum encodings.
    public var formatVersion = 3
    /// The tool that wrote the model and the files it was fitted on (size and sampled hash);
    /// absent from models written before format 3.
    public var toolVersion: String?
    public var inputFingerprints: [String: String]?
    public var config: PipelineConfig
    public var recipe: CleaningRecipe
    public var imputer: Imputer.Model
    public var scaler: StandardScaler.Model
    public var pca: PCA.Model
    public var kmeans: KMeans.Model
    /// Customer share of each group over all rows (clusters 0..<k, then the high-missing group),
    /// when known. Kept for models saved before `comparison`.
    public var customerShares: [Double]?
    /// The customers against the population the model was fitted on: each group's shares and ratio
    /// (among characterised people, and over all rows), and the segments to target. Absent from
    /// models saved before it was kept.
    public var comparison: SegmentComparison?
    /// The per-person customer-likeness model on the PCA features (absent from older models).
    public var likeness: LogisticRegression.Model?

    /// The model format versions this tool reads.
    public static let readableFormats = 1...3

    /// Checks the whole model before it is used: the format, every array's length against the
    /// recipe's feature count and the PCA's component count, finite values, positive scales, and the
    /// comparison's groups against k. Throws `ModelError` naming the field.
    public func validate() throws {
        guard Self.readableFormats.contains(formatVersion) else {
            throw ModelError(field: "formatVersion", problem: "is \(formatVersion); this tool reads formats \(Self.readableFormats.lowerBound)-\(Self.readableFormats.upperBound)")
        }
        try recipe.validate()
        let features = recipe.features.count
        try imputer.validate(features: features)
        try scaler.validate(features: features)
        let dimensions = try pca.validate(features: features)
        try kmeans.validate(dimensions: dimensions)
        try likeness?.validate(dimensions: dimensions)
        let k = kmeans.centers.rows
        if let customerShares {
            try ModelCheck.count("customerShares", customerShares.count, k + 1)
            try ModelCheck.finite("customerShares", customerShares)
        }
        if let comparison {
            try ModelCheck.count("comparison.groups", comparison.groups.count, k + 1)
            for (i, g) in comparison.groups.enumerated() {
                guard g.cluster == (i < k ? i : nil) else {
                    throw ModelError(field: "comparison.groups[\(i)].cluster", problem: "does not follow the segments 0..<\(k) then the high-missing group")
                }
            }
            try ModelCheck.finite("comparison.groups (shares and ratios)", comparison.groups.flatMap {
                [$0.customerShare, $0.customerShareOfAll, $0.populationShare, $0.populationShareOfAll]
            })
        }
    }

    /// Assigns every row of a file: its group (a cluster, or -1 for high-missing) and the distance to
    /// the cluster centre (NaN for high-missing rows).
    public func assign(_ table: RawTable, backend: any LinearAlgebraBackend, threads: Int) throws -> Assignments {
        var cleaned = try recipe.apply(table, threads: threads)
        StandardScaler.transform(&cleaned.matrix, imputer: imputer, scaler: scaler, threads: threads)
        let projected = try pca.transform(cleaned.matrix, backend: backend)
        try Pipeline.checkMeasurable(projected, cleaned: cleaned, features: recipe.features, source: table.source)
        let (labels, distances) = try kmeans.predict(projected, backend: backend, threads: threads)
        var a = Assignments(rows: cleaned.rowCount, lowRows: cleaned.lowRows, labels: labels, distances: distances,
                            missingPerRow: cleaned.missingPerRow, unseenCodes: cleaned.unseenCodes)
        if let likeness { a.setLikeness(decisions: likeness.decision(projected), lowRows: cleaned.lowRows) }
        a.ids = table.personIDs()
        return a
    }
}

/// Every row's group and distance.
public struct Assignments: Sendable {
    public var group: [Int32]
    public var distance: [Double]
    public var missingPerRow: [UInt16]
    public var unseenCodes: [String: Int]
    /// Each row's customer likeness: the customer-to-population density ratio the logistic model
    /// estimates at the person's place (NaN for high-missing rows); empty without a model.
    public var likeness: [Double] = []
    /// The person ids (`LNR`), when the file has an id column; carried into the assignments.
    public var ids: (name: String, values: [Int?])?

    init(rows: Int, lowRows: [Int], labels: [Int32], distances: [Double], missingPerRow: [UInt16], unseenCodes: [String: Int]) {
        group = [Int32](repeating: -1, count: rows)
        distance = [Double](repeating: .nan, count: rows)
        for (i, r) in lowRows.enumerated() { group[r] = labels[i]; distance[r] = distances[i] }
        self.missingPerRow = missingPerRow
        self.unseenCodes = unseenCodes
    }

    mutating func setLikeness(decisions: [Double], lowRows: [Int]) {
        likeness = [Double](repeating: .nan, count: group.count)
        for (i, r) in lowRows.enumerated() { likeness[r] = exp(decisions[i]) }
    }
}

/// The whole workflow on a population and a customer file.
public struct Pipeline {
    public var config: PipelineConfig
    public var backend: any LinearAlgebraBackend
    public var threads: Int
    /// Called with a stage name and a fraction done (the sweep reports per k).
    public var progress: ((String, Double) -> Void)?
    /// The processes of an `mpirun` (nil: this one alone). They share out the parsing of each file,
    /// the row-block passes, the k-means++ seedings and the k-means iterations; every process runs
    /// the rest up to the last gather (see `lastGatherDone`), after which only rank 0 may go on.
    /// With Hamerly's iterations, each process projects and holds only its own rows, and the
    /// stages that read them (k-means, the customer-likeness model, the map) add their per-block
    /// sums over the processes; rank 0 receives every row's results (label, distance, likeness).
    /// The results are the same bits as one process's.
    public var processes: (any ProcessGroup)?
    /// The bytes the run should keep within (nil: no limit). With a limit, the projected population
    /// goes to a spill file in `spillDirectory` when it would take more than a quarter of it; every
    /// later stage reads it from there a block at a time, with the same results to the bit. A file
    /// read by `run(population:customers:schema:...)` keeps its compact codes in a spill file by the
    /// same rule (`CSVLoader.spillDirectory`).
    public var memoryLimit: Int?
    public var spillDirectory = NSTemporaryDirectory()
    /// Called under `processes` once the last gather is done (the final fit's results, or with the
    /// rows spread, the likeness model's decisions and the map's counts): the stages after it read
    /// nothing from the other processes. It returns the threads those stages may use
    /// (a process whose peers have finished may take over their cores), or throws to end a
    /// process that has nothing more to do there (a follower, when rank 0 alone writes).
    public var lastGatherDone: (() throws -> Int)?

    public init(config: PipelineConfig, backend: any LinearAlgebraBackend, threads: Int) {
        self.config = config
        self.backend = backend
        self.threads = threads
    }

    public struct Result: Sendable {
        public var fitted: FittedPipeline
        public var assessment: CleaningAssessment
        public var sweep: KSweep.Result?
        public var chosenK: Int
        public var population: Assignments
        public var customers: Assignments
        public var comparison: SegmentComparison
        /// The cross-validated ROC AUC of the customer-likeness model, per fold.
        public var likenessFoldAUCs: [Double]
        public var profiles: [ClusterProfile]
        public var featureNames: [String]
        public var timings: [(String, Double)]
        /// Output of the cleaned and projected population, when kept for export.
        public var cleanedPopulation: CleanedData?
        public var projectedPopulation: Matrix?
        public var populationSource: String
        public var customerSource: String
        public var populationRows: Int
        public var customerRows: Int
        /// Bytes kept in spill files: the projected population's, and the compact codes' of either
        /// file read with a spill (nil: everything held in memory).
        public var spilledBytes: Int?
        public var ignoredColumns: [String]
        /// The population and the customers on the first two components (the report's map).
        public var pcDensity: PCDensity?
    }

    /// Runs everything on two files, read with `schema` (the file reader is one way to get tables;
    /// see `run(population:customers:keepMatrices:)`).
    /// `sampledSchema`: the schema was inferred from the population's first rows (the full layout),
    /// so a column with text further down becomes a text column (and stays one for the customers).
    public func run(population populationPath: String, customers customersPath: String, schema: FeatureSchema,
                    delimiter: UInt8? = nil, keepMatrices: Bool = false, sampledSchema: Bool = false) throws -> Result {
        var loader = CSVLoader(schema: schema, delimiter: delimiter, threads: threads)
        // The compact codes spill by the same rule as the projected rows (`memoryLimit`).
        let memoryLimit = memoryLimit, spillDirectory = spillDirectory
        loader.spillDirectory = { bytes in memoryLimit.flatMap { bytes > $0 / 4 ? spillDirectory : nil } }
        // Under mpirun, each process parses its own byte range of each file, and keeps only its own
        // rows of the population when the stages can take them so.
        loader.group = processes
        loader.keepsOwnRows = Self.populationSpread(config: config, group: processes, keepMatrices: keepMatrices)
        let widen = sampledSchema
        return try run(population: {
            let table = widen ? try loader.loadWidening(path: populationPath) : try loader.load(path: populationPath)
            loader.schema = table.schema
            // (The customers, a much smaller file, are held whole by every rank.)
            loader.keepsOwnRows = false
            return table
        }, customers: { widen ? try loader.loadWidening(path: customersPath) : try loader.load(path: customersPath) },
        keepMatrices: keepMatrices)
    }

    /// Runs everything on tables from anywhere (a file reader, memory, a generator). Each table is
    /// asked for when it is needed, and the population's is released once it is cleaned, so at most
    /// one raw table is held at a time. `keepMatrices` keeps the cleaned (imputed, scaled) and
    /// projected population for export; otherwise they are released as soon as they are used.
    public func run(population: () throws -> RawTable, customers: () throws -> RawTable,
                    keepMatrices: Bool = false) throws -> Result {
        var timings: [(String, Double)] = []
        var clock = DispatchTime.now().uptimeNanoseconds
        // Whether the projected rows are spread over the processes (each holding its own), and
        // the group they are spread over.
        let rowsSpread = KMeans.rowsSpread(algorithm: config.kmeansAlgorithm, group: processes)
        let spread = rowsSpread ? processes : nil
        func lap(_ name: String) {
            let now = DispatchTime.now().uptimeNanoseconds
            timings.append((name, Double(now - clock) / 1e9))
            clock = now
        }
        progress?("load population", 0)
        var populationRaw: RawTable? = try population()
        lap("load population")
        let populationSource = populationRaw!.source
        let populationRows = populationRaw!.fileRowCount
        var spilled = populationRaw!.codes.isSpilled ? populationRaw!.codes.byteCount : 0
        let ignored = populationRaw!.ignoredColumns
        // Each rank holding its own part of the population (see `populationSpread`): the recipe's
        // counts are gathered, each rank cleans its own rows, and the other ranks' rows its passes
        // fill are sent to it (`SpreadRows`). Rank 0, which writes the outputs, gets every row's
        // id and missing count.
        let parts = populationRaw!.isRankPart ? processes : nil
        precondition(parts == nil || (!keepMatrices && rowsSpread), "Pipeline: a rank's part of the population with stages that read every row")
        let populationIDs = try Self.gathered(populationRaw!.personIDs(), to: parts)
        progress?("clean", 0)
        // The clean stage's fractions are its steps done, weighted by their share of its time on the
        // default data (the assessment and fit ~60%, the apply ~15%, scaling ~5%, PCA ~20%).
        let (recipe, assessment) = try CleaningRecipe.fit(populationRaw!, options: config.cleaning, threads: threads, group: parts)
        progress?("clean", 0.6)
        var prepared: PreparedTable? = try recipe.prepare(populationRaw!, threads: threads)
        var rows: (any CleanedRowSource)? = prepared
        if let parts {
            let features = prepared!.featureCount, group = processes
            rows = try SpreadRows(table: populationRaw!, prepared: prepared!, recipe: recipe, group: parts, threads: threads) { rank, n in
                RowBlockPasses.Layout(rows: n, features: features, blockRows: nil, gramRunBlocks: RowBlockPasses.gramRunBlocks,
                                      rank: rank, of: group, spreadProjection: true).rowsFilled
            }
        }
        populationRaw = nil   // held by `prepared` until the passes below are done
        guard rows!.rowCount >= 2 else {
            throw PipelineError.tooFewRows(rows!.rowCount, threshold: recipe.rowThreshold)
        }
        // A value so large that a column's variance overflows would turn every later statistic into
        // NaN; say which column instead.
        func tooLarge(_ j: Int) -> Error {
            DataError(file: populationSource, column: recipe.features[j].source.column,
                      kind: .other("values too large for the statistics: the column's variance overflows double precision"))
        }
        let imputer: Imputer.Model, scaler: StandardScaler.Model, pca: PCA.Model, projected: RowStore
        var keptCleaned: CleanedData?
        if keepMatrices {
            // The cleaned matrix is an output: made whole, kept (NaN where missing) for export, then
            // imputed, scaled and projected in place.
            let (matrix, unknown) = prepared!.fill(0..<prepared!.lowRows.count, threads: threads)
            var cleaned = CleanedData(source: prepared!.source, featureNames: recipe.featureNames, matrix: matrix,
                                      lowRows: prepared!.lowRows, missingPerRow: prepared!.missingPerRow,
                                      rowThreshold: recipe.rowThreshold, unseenCodes: prepared!.unseenCodes(unknown))
            keptCleaned = cleaned
            progress?("clean", 0.75)
            lap("clean population")
            (imputer, scaler) = StandardScaler().fitTransform(&cleaned.matrix, imputing: Imputer(strategy: config.imputation),
                                                              threads: threads)
            lap("impute and scale")
            progress?("clean", 0.8)
            if let j = RowBlockPasses.firstColumnTooLarge(cleaned.matrix, threads: threads)
                ?? scaler.mean.indices.first(where: { !scaler.mean[$0].isFinite || !scaler.scale[$0].isFinite }) {
                throw tooLarge(j)
            }
            pca = try PCA(components: config.components).fit(cleaned.matrix, backend: backend)
            progress?("clean", 0.95)
            projected = try RowStore(pca.transform(cleaned.matrix, backend: backend))
            lap("PCA")
        } else {
            lap("clean population")
            // The default: no whole cleaned matrix, only its row blocks (RowBlockPasses). Under
            // mpirun, with Hamerly's iterations, each rank holds only its own projected rows.
            let passes = try RowBlockPasses.run(rows!, imputer: Imputer(strategy: config.imputation),
                                                pca: PCA(components: config.components), backend: backend,
                                                threads: threads, group: processes, spreadProjection: rowsSpread,
                                                spillDirectory: { bytes in
                                                    memoryLimit.flatMap { bytes > $0 / 4 ? spillDirectory : nil }
                                                }, tooLarge: tooLarge)
            (imputer, scaler, pca, projected) = (passes.imputer, passes.scaler, passes.pca, passes.projected)
            progress?("clean", 0.95)
            lap("impute, scale and PCA")
        }
        // Every row's missing count (on rank 0 alone, when the ranks hold parts).
        let missingPerRow = try parts.map { try $0.gather(prepared!.missingPerRow, to: 0, for: .inputRows).flatMap { $0 } }
            ?? prepared!.missingPerRow
        let lowRows = parts == nil ? prepared!.lowRows : missingPerRow.indices.filter { Int(missingPerRow[$0]) <= recipe.rowThreshold }
        prepared = nil   // and with it the raw population
        rows = nil

        // The customers, in the same space: the sweep measures how well each k tells them apart.
        progress?("customers", 0)
        let customerRows: Int, customerSource: String
        let customerIDs: (name: String, values: [Int?])?
        var customersCleaned: CleanedData
        do {
            let raw = try customers()
            customerIDs = raw.personIDs()
            customerRows = raw.rowCount
            if raw.codes.isSpilled { spilled += raw.codes.byteCount }
            customerSource = raw.source
            customersCleaned = try recipe.apply(raw, threads: threads)
        }
        // Every customer high-missing: no segment or likeness can be said for any of them.
        guard !customersCleaned.lowRows.isEmpty else {
            throw PipelineError.noPlaceableCustomers(file: customerSource, rows: customerRows, threshold: recipe.rowThreshold)
        }
        StandardScaler.transform(&customersCleaned.matrix, imputer: imputer, scaler: scaler, threads: threads)
        let customersProjected = try pca.transform(customersCleaned.matrix, backend: backend)
        try Self.checkMeasurable(customersProjected, cleaned: customersCleaned, features: recipe.features, source: customerSource)
        customersCleaned.matrix = Matrix(rows: 0, columns: 0)
        lap("customers")

        var sweepResult: KSweep.Result?
        var sweepCentres: [Int: Matrix] = [:]
        if let range = config.sweep {
            let upper = min(range.upperBound, projected.rows)
            if upper >= range.lowerBound {
                // (Each rank gives the sampled rows it holds when they are spread.)
                let data = try Self.sample(projected, size: config.sweepSample, seed: config.seed, spreadOver: spread)
                let customerData = Self.sample(customersProjected, size: config.sweepSample, seed: config.seed)
                let sweep = KSweep(ks: range.lowerBound...upper, nInit: config.sweepNInit, maxIterations: config.maxIterations,
                                   tolerance: config.tolerance, seed: config.seed, threads: threads,
                                   silhouetteSample: config.silhouetteSample, algorithm: config.kmeansAlgorithm,
                                   start: config.sweepStart, group: processes)
                (sweepResult, sweepCentres) = try sweep.runKeepingCentres(
                    data, backend: backend, customers: customerData.rows > 0 ? customerData : nil) { done, total in
                    self.progress?("k sweep", Double(done) / Double(total))
                }
            }
            lap("k sweep")
        }
        guard let k = config.k ?? sweepResult?.suggestedK else { throw PipelineError.noK }
        guard k <= projected.rows else { throw KMeansError.tooFewRows(rows: projected.rows, clusters: k) }
        progress?("k-means", 0)
        let km = KMeans(clusters: k, nInit: config.nInit, maxIterations: config.maxIterations, tolerance: config.tolerance,
                        seed: config.seed, threads: threads, algorithm: config.kmeansAlgorithm, group: processes)
        // The sweep's solution at this k is one more start: the final fit is then never worse than
        // the sweep's, whose warm starts often find a lower optimum than fresh seeds.
        let (model, labels, distances) = try km.fitWithDistances(projected, backend: backend,
                                                                 extraStarts: sweepCentres[k].map { [$0] } ?? []) { done, total in
            // Each start is most of the stage; the customers' assignment after them is quick.
            self.progress?("k-means", 0.9 * Double(done) / Double(total))
        }
        // After the last gather, the stages left may run on other threads (the same bits).
        var threads = self.threads, backend = self.backend
        func lastGather() throws {
            threads = try processes.flatMap { $0.size > 1 ? try lastGatherDone?() : nil } ?? self.threads
            precondition(!rowsSpread || processes?.rank == 0, "Pipeline: only rank 0 goes on after the last gather")
            backend = threads == self.threads ? self.backend : self.backend.withThreads(threads)
        }
        // With the rows spread, the likeness model and the map are made over the group, each rank
        // reading its own rows; otherwise every rank holds them all, and rank 0 alone goes on.
        if spread == nil { try lastGather() }
        lap("k-means")
        // The finer, per-person score: customers against the population on the PCA features.
        progress?("customer likeness", 0)
        let likeness = try LogisticRegression(threads: threads).fit(negatives: projected, positives: RowStore(customersProjected),
                                                                    backend: backend, group: spread)
        progress?("customer likeness", 0.2)
        // Every row's decision: each rank's own, on rank 0.
        var decisions = try likeness.decision(projected, rows: DistanceStep.ownRows(projected.rows, spread).rows, threads: threads)
        if let spread {
            let parts = (0..<spread.size).map { DistanceStep.ownRows(projected.rows, rank: $0, of: spread) }
            if spread.rank == 0 { decisions += [Double](repeating: 0, count: projected.rows - decisions.count) }
            try decisions.withUnsafeMutableBufferPointer {
                try spread.gather(into: $0, parts: parts, to: 0, for: .likeness)
            }
        }
        let negativeSample = try LogisticRegression.negativeSample(projected, seed: config.seed, group: spread)
        let density = try PCDensity.make(population: projected, customers: customersProjected, group: spread)
        if projected.isSpilled { spilled += projected.byteCount }
        if spread != nil { try lastGather() }
        var populationAssign = Assignments(rows: populationRows, lowRows: lowRows, labels: labels, distances: distances,
                                           missingPerRow: missingPerRow, unseenCodes: [:])
        // The same steps as `FittedPipeline.assign`, on the customers already projected.
        let (customerLabels, customerDistances) = try model.predict(customersProjected, backend: backend, threads: threads)
        var customersAssign = Assignments(rows: customersCleaned.rowCount, lowRows: customersCleaned.lowRows,
                                          labels: customerLabels, distances: customerDistances,
                                          missingPerRow: customersCleaned.missingPerRow,
                                          unseenCodes: customersCleaned.unseenCodes)
        populationAssign.ids = populationIDs
        customersAssign.ids = customerIDs
        let foldAUCs = try LogisticRegression(threads: threads).crossValidatedAUC(
            negativeSample: negativeSample, positives: customersProjected, seed: config.seed, backend: backend)
        populationAssign.setLikeness(decisions: decisions, lowRows: lowRows)
        customersAssign.setLikeness(decisions: likeness.decision(customersProjected, threads: threads), lowRows: customersCleaned.lowRows)
        lap("customer likeness")
        var fitted = FittedPipeline(config: config, recipe: recipe, imputer: imputer, scaler: scaler, pca: pca,
                                    kmeans: model, customerShares: nil, comparison: nil, likeness: likeness)
        let comparison = SegmentComparison(k: k, populationLabels: populationAssign.group, customerLabels: customersAssign.group)
        fitted.customerShares = comparison.groups.map(\.customerShareOfAll)
        fitted.comparison = comparison
        let meanings = Dictionary(recipe.schema.features.compactMap { f in f.meaning.map { (f.name, $0) } },
                                  uniquingKeysWith: { a, _ in a })
        let profiles = try ClusterProfile.profiles(centers: model.centers, pca: pca, scaler: scaler,
                                                   features: recipe.features, backend: backend, meanings: meanings)
        lap("compare and explain")
        return Result(fitted: fitted, assessment: assessment, sweep: sweepResult, chosenK: k,
                      population: populationAssign, customers: customersAssign, comparison: comparison,
                      likenessFoldAUCs: foldAUCs,
                      profiles: profiles, featureNames: recipe.featureNames, timings: timings,
                      cleanedPopulation: keptCleaned, projectedPopulation: keepMatrices ? projected.matrix : nil,
                      populationSource: populationSource, customerSource: customerSource,
                      populationRows: populationRows, customerRows: customerRows,
                      spilledBytes: spilled > 0 ? spilled : nil, ignoredColumns: ignored,
                      pcDensity: density)
    }
}

extension Pipeline {
    /// Whether each rank of `group` keeps only its own part of the population file (the loader's
    /// `keepsOwnRows`): when the projected rows are spread (`KMeans.rowsSpread`) and no stage needs
    /// the whole cleaned matrix (`keepMatrices`).
    public static func populationSpread(config: PipelineConfig, group: (any ProcessGroup)?, keepMatrices: Bool) -> Bool {
        !keepMatrices && KMeans.rowsSpread(algorithm: config.kmeansAlgorithm, group: group)
    }

    /// Every rank's person ids, in rank order, on rank 0 (the others get none); these alone
    /// without a group.
    static func gathered(_ ids: (name: String, values: [Int?])?, to group: (any ProcessGroup)?) throws -> (name: String, values: [Int?])? {
        guard let group, let ids else { return ids }
        // (An id is below 1e15: `Int64.min` is none.)
        let parts = try group.gather(ids.values.map { $0.map(Int64.init) ?? .min }, to: 0, for: .inputRows)
        return (ids.name, parts.joined().map { $0 == .min ? nil : Int($0) })
    }

    /// Refuses projected rows whose squared distances would overflow (a cell of 1e300 in a file whose
    /// statistics came from another): the error names the file, the line and the column.
    static func checkMeasurable(_ projected: Matrix, cleaned: CleanedData, features: [OutputFeature], source: String) throws {
        let values = projected.storage
        guard let at = values.firstIndex(where: { !$0.isFinite || abs($0) > 1e150 }) else { return }
        let row = at / max(1, projected.columns)
        // The cleaned cell with the largest magnitude on that row is the culprit.
        let cells = (0..<cleaned.matrix.columns).map { cleaned.matrix.count > 0 ? abs(cleaned.matrix[row, $0]) : 0 }
        let column = cells.indices.max { cells[$0] < cells[$1] }.map { features[$0].source.column }
        throw DataError(file: source, line: cleaned.lowRows[row] + 2, column: column,
                        kind: .other("a value too large to measure distances with"))
    }

    /// `size` seeded rows of `x` (all of them when `size` is nil or not smaller).
    static func sample(_ x: Matrix, size: Int?, seed: UInt64) -> Matrix {
        guard let size, size < x.rows else { return x }
        return x.rows(at: seededSample(rows: x.rows, size: size, seed: seed))
    }

    /// `size` seeded rows of a store (all of them when `size` is nil or not smaller). Under
    /// `group`, the rows are spread over it (rank r holding `DistanceStep.ownRows`), and every
    /// rank gets the sample.
    static func sample(_ x: RowStore, size: Int?, seed: UInt64, spreadOver group: (any ProcessGroup)? = nil) throws -> Matrix {
        if group == nil, let matrix = x.matrix { return sample(matrix, size: size, seed: seed) }
        let indices = size.map { seededSample(rows: x.rows, size: min($0, x.rows), seed: seed) } ?? Array(0..<x.rows)
        if group == nil && indices.count == x.rows { return try x.rows(0..<x.rows) }
        return try x.rows(at: indices, spreadOver: group, for: .projectedRows)
    }
}

public enum PipelineError: RemediableError, CustomStringConvertible, Equatable {
    case tooFewRows(Int, threshold: Int)
    case noPlaceableCustomers(file: String, rows: Int, threshold: Int)
    case noK

    public var description: String {
        switch self {
        case let .tooFewRows(n, threshold):
            return "only \(n) population row\(n == 1 ? " has" : "s have") at most \(threshold) missing values: nothing to cluster"
        case let .noPlaceableCustomers(file, rows, threshold):
            return "\(file): none of the \(rows) customer row\(rows == 1 ? "" : "s") has at most \(threshold) missing values: no customer can be placed in a segment"
        case .noK: return "no number of segments, and no range to choose one from"
        }
    }

    public var remedy: Remedy? {
        switch self {
        case .tooFewRows, .noPlaceableCustomers: return .raiseRowThreshold
        case .noK: return .giveK
        }
    }
}
