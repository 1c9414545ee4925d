import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis

/// `summary.json`: every number in the reports plus the run's settings, in a stable, documented
/// schema (see README "summary.json"). Deterministic: the same inputs, flags and seed give the same
/// bytes, whatever the backend's thread count; timings, peak memory and the date are in
/// `run_info.json` instead.
public struct RunSummary: Codable, Sendable {
    public static let schemaVersion = 3
    public static let toolVersion = "0.1.0"

    public struct Inputs: Codable, Sendable {
        public var population: String
        public var customers: String
        public var populationRows: Int
        public var customerRows: Int
        /// Each file's size and a sampled hash (`FileFingerprint`), to tell data drops apart.
        public var populationFingerprint: String?
        public var customersFingerprint: String?
        public var ignoredColumns: [String]
        /// Codes in the customers file that the population never had, per column.
        public var customerCodesUnseenInPopulation: [String: Int]
        /// The data layout (`subset` or `full`); absent for a run on a feature summary.
        public var layout: String?
        /// Full layout: how each column of the population file was typed, and why.
        public var columnTypes: [ColumnDecision]?
        /// Full layout: the DIAS metadata spreadsheets read.
        public var metadataFiles: [String]?
        /// Full layout: the customers' own columns (product group, customer group, online purchase)
        /// per segment.
        public var customerColumnsBySegment: [AsideColumn]?
    }

    public struct Cleaning: Codable, Sendable {
        public var options: CleaningOptions
        public var droppedColumns: [DroppedColumn]
        public var features: [String]
        public var assessment: CleaningAssessment
        public var customerRowThreshold: Int
        public var customerHighMissingRows: Int
    }

    public struct Component: Codable, Sendable {
        public var index: Int
        public var explainedVariance: Double
        public var explainedVarianceRatio: Double
        public var cumulativeRatio: Double
        public var topPositive: [Loading]
        public var topNegative: [Loading]
    }

    public struct Loading: Codable, Sendable {
        public var feature: String
        public var weight: Double
    }

    public struct PCASummary: Codable, Sendable {
        public var components: Int
        public var selection: String
        public var explainedVarianceRatioTotal: Double
        public var perComponent: [Component]
        /// Every eigenvalue's share of the total variance (for the scree plot).
        public var allRatios: [Double]
    }

    public struct KMeansSummary: Codable, Sendable {
        public var k: Int
        public var suggestedK: Int?
        public var inertia: Double
        public var iterations: Int
        public var nInit: Int
        public var diagnostics: KMeans.Diagnostics
    }

    public var schemaVersion = RunSummary.schemaVersion
    public var tool = "segment \(RunSummary.toolVersion)"
    public var backend: String
    public var backendDetails: [String: String]
    public var settings: PipelineConfig
    public var inputs: Inputs
    public var cleaning: Cleaning
    public var pca: PCASummary
    public var sweep: KSweep.Result?
    public var kmeans: KMeansSummary
    public var segments: SegmentComparison
    /// The per-person customer-likeness model: an L2-regularised logistic regression of customers
    /// against the population on the PCA features, the classes weighted equally; its ROC AUC
    /// cross-validated on seeded folds.
    public struct Likeness: Codable, Sendable {
        /// Absent when there are too few customers to cross-validate (fewer than the folds).
        public var crossValidatedAUC: Double?
        public var foldAUCs: [Double]
        public var iterations: Int
        public var intercept: Double
        public var coefficients: [Double]
    }
    public var customerLikeness: Likeness?
    /// With `--truth`: the adjusted Rand index of the segments against the generator's planted ones,
    /// over the low-missing rows.
    public var plantedARI: Double?
    public var representationRule: String
    public var profiles: [ClusterProfile]
    /// The population and the customers on the first two components: counts on a grid.
    public var pcDensity: PCDensity?

    public init(result r: Pipeline.Result, backend: any LinearAlgebraBackend) {
        self.backend = backend.name
        var details = backend.details
        details["threads"] = nil
        backendDetails = details
        settings = r.fitted.config
        inputs = Inputs(population: r.populationSource, customers: r.customerSource, populationRows: r.populationRows,
                        customerRows: r.customerRows, ignoredColumns: r.ignoredColumns,
                        customerCodesUnseenInPopulation: r.customers.unseenCodes)
        cleaning = Cleaning(options: r.fitted.recipe.options, droppedColumns: r.fitted.recipe.droppedColumns,
                            features: r.featureNames, assessment: r.assessment,
                            customerRowThreshold: r.fitted.recipe.rowThreshold,
                            customerHighMissingRows: r.customers.group.filter { $0 < 0 }.count)
        let pcaModel = r.fitted.pca
        var cumulative = 0.0
        pca = PCASummary(components: pcaModel.count, selection: r.fitted.config.components.description,
                         explainedVarianceRatioTotal: pcaModel.explainedVarianceRatio.reduce(0, +),
                         perComponent: (0..<pcaModel.count).map { j in
                             cumulative += pcaModel.explainedVarianceRatio[j]
                             let top = pcaModel.topLoadings(j, names: r.featureNames)
                             return Component(index: j + 1, explainedVariance: pcaModel.explainedVariance[j],
                                              explainedVarianceRatio: pcaModel.explainedVarianceRatio[j],
                                              cumulativeRatio: cumulative,
                                              topPositive: top.positive.map { Loading(feature: $0.0, weight: $0.1) },
                                              topNegative: top.negative.map { Loading(feature: $0.0, weight: $0.1) })
                         },
                         allRatios: pcaModel.allEigenvalues.map { pcaModel.totalVariance > 0 ? $0 / pcaModel.totalVariance : 0 })
        sweep = r.sweep
        kmeans = KMeansSummary(k: r.chosenK, suggestedK: r.sweep?.suggestedK, inertia: r.fitted.kmeans.inertia,
                               iterations: r.fitted.kmeans.iterations, nInit: r.fitted.config.nInit,
                               diagnostics: r.fitted.kmeans.diagnostics)
        segments = r.comparison
        customerLikeness = r.fitted.likeness.map { m in
            Likeness(crossValidatedAUC: r.likenessFoldAUCs.isEmpty ? nil : r.likenessFoldAUCs.reduce(0, +) / Double(r.likenessFoldAUCs.count),
                     foldAUCs: r.likenessFoldAUCs, iterations: m.iterations, intercept: m.intercept,
                     coefficients: m.coefficients)
        }
        representationRule = SegmentComparison.rule
        profiles = r.profiles
        pcDensity = r.pcDensity
    }

}

/// `run_info.json`: what changes from run to run (timings, peak memory, date, threads).
public struct RunInfo: Codable, Sendable {
    public var date: String
    public var threads: Int
    public var stageSeconds: [String: Double]
    public var stageOrder: [String]
    public var totalSeconds: Double
    public var peakMemoryBytes: Int?
    /// The processes of an `mpirun` the run was spread over (absent for a run on its own); the
    /// timings and the peak memory are rank 0's.
    public var processes: Int?
    /// Rank 0's communication under `mpirun`: the gathers of the k-means chunk sums and labels,
    /// in all and per purpose.
    public var communication: Communication?
    /// Bytes kept in spill files under `--memory-limit`: the compact codes of each file read and
    /// the projected population, where they would have taken more than a quarter of the limit
    /// (absent when everything was held in memory).
    public var spilledBytes: Int?

    public struct Communication: Codable, Sendable {
        public var gathers: Int
        public var bytesGathered: Int
        /// Seconds inside the gathers, waiting for the slowest rank included.
        public var seconds: Double
        /// The same three, for each purpose (`GatherPurpose`: "k-means steps", one gather per
        /// step of every fit, the sweep's included; "fit results"; "setup").
        public var byPurpose: [String: Part]?

        public struct Part: Codable, Sendable {
            public var gathers: Int
            public var bytesGathered: Int
            public var seconds: Double

            public init(gathers: Int, bytesGathered: Int, seconds: Double) {
                self.gathers = gathers
                self.bytesGathered = bytesGathered
                self.seconds = seconds
            }
        }

        public init(gathers: Int, bytesGathered: Int, seconds: Double, byPurpose: [String: Part]? = nil) {
            self.gathers = gathers
            self.bytesGathered = bytesGathered
            self.seconds = seconds
            self.byPurpose = byPurpose
        }
    }

    public init(date: String, threads: Int, stageSeconds: [String: Double], stageOrder: [String],
                totalSeconds: Double, peakMemoryBytes: Int?, processes: Int? = nil, communication: Communication? = nil,
                spilledBytes: Int? = nil) {
        self.spilledBytes = spilledBytes
        self.processes = processes
        self.communication = communication
        self.date = date
        self.threads = threads
        self.stageSeconds = stageSeconds
        self.stageOrder = stageOrder
        self.totalSeconds = totalSeconds
        self.peakMemoryBytes = peakMemoryBytes
    }
}
