import Foundation
import SegmentCore
import SegmentData

/// The seeded stand-in for the full capstone data (`segment generate --layout full`): the four CSV
/// files with the published shapes and the two DIAS spreadsheets, plus the truth.
///
/// What it reproduces from `FullReference`:
/// - every file's columns in the published order (CUSTOMERS' three extras, MAILOUT_TRAIN's
///   RESPONSE), `;`-separated, int64 columns as integers and float64 ones as `2.0`;
/// - the population's per-column marginals (value counts where published, else through the
///   published min / quartiles / max), codes the metadata calls unknown at their published share;
/// - the missing blocks: columns of one published block are empty in the same rows, nested in the
///   building block, at each file's published shares (so CUSTOMERS is ~2.5x as incomplete);
/// - the quirks: `CAMEO_DEUG_2015` / `CAMEO_INTL_2015` written `8` in some rows and `8.0` in others,
///   with `X` / `XX` where `CAMEO_DEU_2015` is `XX`; `OST_WEST_KZ` `O`/`W`; the `D19_LETZTER_KAUF_BRANCHE`
///   texts; `EINGEFUEGT_AM` as `YYYY-MM-DD 00:00:00` with the published top dates; `GEBURTSJAHR` 0;
///   `LNR` ranges (population after the customers, MAILOUT ids shared by TRAIN and TEST, interleaved);
/// - planted segments (`LatentModel`): the population from their population weights, customers from
///   their customer weights, the mail-out from an even mix; RESPONSE planted from each person's
///   position on the axes, exactly the published 1.238% positives.
///
/// Deterministic: the same seed gives the same bytes whatever the thread count.
public struct FullLayoutGenerator: Sendable {
    public var rows: [FullReference.File: Int]
    public var seed: UInt64
    public var threads: Int
    public var segments: [LatentModel.Segment]

    public init(populationRows: Int = FullReference.populationRows, customerRows: Int = FullReference.customerRows,
                mailoutTrainRows: Int = FullReference.mailoutTrainRows, mailoutTestRows: Int = FullReference.mailoutTestRows,
                seed: UInt64 = 42, threads: Int = ProcessInfoCompat.activeProcessorCount,
                segments: [LatentModel.Segment] = LatentModel.segments) {
        rows = [.population: populationRows, .customers: customerRows, .mailoutTrain: mailoutTrainRows,
                .mailoutTest: mailoutTestRows]
        self.seed = seed
        self.threads = max(1, threads)
        self.segments = segments
    }

    public enum FileName {
        public static let population = "Udacity_AZDIAS_052018.csv"
        public static let customers = "Udacity_CUSTOMERS_052018.csv"
        public static let mailoutTrain = "Udacity_MAILOUT_052018_TRAIN.csv"
        public static let mailoutTest = "Udacity_MAILOUT_052018_TEST.csv"
        public static let attributes = "DIAS Attributes - Values 2017.xlsx"
        public static let levels = "DIAS Information Levels - Attributes 2017.xlsx"
        public static let truth = "truth.json"
        public static func data(_ f: FullReference.File) -> String {
            switch f {
            case .population: return population
            case .customers: return customers
            case .mailoutTrain: return mailoutTrain
            case .mailoutTest: return mailoutTest
            }
        }
        public static func truthRows(_ f: FullReference.File) -> String { "truth_\(f.rawValue).csv" }
    }

    /// The response rate planted in MAILOUT_TRAIN.
    public static var responseRate: Double {
        Double(FullReference.mailoutTrainPositives) / Double(FullReference.mailoutTrainRows)
    }

    /// Writes every file into `directory`, each atomically.
    @discardableResult
    public func write(to directory: String) throws -> SyntheticTruth {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func path(_ n: String) -> String { (directory as NSString).appendingPathComponent(n) }
        let model = FullModel.make(segments: segments)
        var truths: [FullReference.File: SyntheticTruth.FileTruth] = [:]
        var auc: Double?
        for file in FullReference.File.allCases {
            truths[file] = try writeFile(file, model: model, data: path(FileName.data(file)), truth: path(FileName.truthRows(file)),
                                         plantedResponseAUC: &auc)
        }
        try AtomicFile.write(try DIASWorkbooks.attributes().bytes(), to: path(FileName.attributes))
        try AtomicFile.write(try DIASWorkbooks.levels().bytes(), to: path(FileName.levels))
        var truth = SyntheticTruth(seed: seed, populationRows: rows[.population]!, customerRows: rows[.customers]!,
                                   population: truths[.population]!, customers: truths[.customers]!, segments: segments)
        truth.plantedResponseAUC = auc
        truth.responseModel = FullModel.responseModelText
        try AtomicFile.write(try SegmentJSON.fileBytes(truth), to: path(FileName.truth))
        return truth
    }

    static let chunkRows = 4_096

    /// The person ids (`LNR`) of a file's rows.
    func ids(_ file: FullReference.File) -> [Int] {
        let n = rows[file]!
        switch file {
        case .customers: return Array(1...max(1, n)).prefix(n).map { $0 }
        case .population:
            let first = rows[.customers]! + 1
            return (0..<n).map { first + $0 }
        case .mailoutTrain, .mailoutTest:
            // TRAIN and TEST share 1...(train + test), interleaved: a seeded split, each ascending.
            let train = rows[.mailoutTrain]!, test = rows[.mailoutTest]!
            var rng = SplitMix64.stream(seed: seed, 0x1D5)
            var all = Array(1...max(1, train + test)).prefix(train + test).map { $0 }
            all.shuffle(using: &rng)
            let part = file == .mailoutTrain ? all.prefix(train) : all.dropFirst(train).prefix(test)
            return part.sorted()
        }
    }

    private func salt(_ f: FullReference.File) -> UInt64 {
        switch f {
        case .population: return 0xF011_0001
        case .customers: return 0xF011_0002
        case .mailoutTrain: return 0xF011_0003
        case .mailoutTest: return 0xF011_0004
        }
    }

    /// The responders of MAILOUT_TRAIN: exactly the published share, drawn without replacement with
    /// odds `exp(FullModel.responseLogit)` (Gumbel top-k), and the planted score's own ROC AUC on
    /// them: what a model that knew the planted one would reach (written into truth.json).
    func responders(model: FullModel) -> (Set<Int>, auc: Double?) {
        let n = rows[.mailoutTrain]!
        let k = Int((Double(n) * Self.responseRate).rounded())
        guard n > 0, k > 0 else { return ([], nil) }
        var keys: [(Double, Int)] = []
        var logits: [Double] = []
        keys.reserveCapacity(n)
        var chunk = 0
        while chunk * Self.chunkRows < n {
            var latentRNG = SplitMix64.stream(seed: seed ^ salt(.mailoutTrain), UInt64(chunk) &* 2)
            var keyRNG = SplitMix64.stream(seed: seed ^ 0x4E5B, UInt64(chunk))
            for r in (chunk * Self.chunkRows)..<min(n, (chunk + 1) * Self.chunkRows) {
                let person = model.latent(file: .mailoutTrain, rng: &latentRNG)
                let logit = model.responseLogit(person)
                logits.append(logit)
                var u = keyRNG.nextUnit()
                while u <= 0 { u = keyRNG.nextUnit() }
                keys.append((logit - log(-log(u)), r))
            }
            chunk += 1
        }
        keys.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        let chosen = Set(keys.prefix(k).map(\.1))
        return (chosen, Metrics.rocAUC(logits, labels: (0..<n).map { chosen.contains($0) }))
    }

    private func writeFile(_ file: FullReference.File, model: FullModel, data: String, truth: String,
                           plantedResponseAUC: inout Double?) throws -> SyntheticTruth.FileTruth {
        let n = rows[file]!
        let out = try AtomicFile(path: data)
        let truthOut = try AtomicFile(path: truth)
        do {
            let header = FullReference.header(file)
            try out.write(header.joined(separator: ";") + "\n")
            try truthOut.write(file == .mailoutTrain ? "row;LNR;segment;high_missing_block;response\n" : "row;LNR;segment;high_missing_block\n")
            let columns = FullModel.FlatColumns(header.map { model.overrides[file]?[$0] ?? model.columns[$0]! })
            let ids = self.ids(file)
            let (positives, auc) = file == .mailoutTrain ? responders(model: model) : ([], nil)
            if let auc { plantedResponseAUC = auc }
            let chunks = (n + Self.chunkRows - 1) / Self.chunkRows
            var counts = [Int](repeating: 0, count: segments.count), high = counts
            var start = 0
            let batch = threads * 4
            while start < chunks {
                let end = min(chunks, start + batch)
                let results = Parallel.map(end - start, workers: threads) { i -> FullModel.Chunk in
                    let c = start + i
                    let lo = c * Self.chunkRows, hi = min(n, lo + Self.chunkRows)
                    var latentRNG = SplitMix64.stream(seed: seed ^ salt(file), UInt64(c) &* 2)
                    var cellRNG = SplitMix64.stream(seed: seed ^ salt(file), UInt64(c) &* 2 + 1)
                    return model.generate(file: file, rows: lo..<hi, totalRows: n, columns: columns, ids: ids,
                                          positives: positives, latentRNG: &latentRNG, cellRNG: &cellRNG)
                }
                for r in results {
                    try out.write(r.bytes)
                    try truthOut.write(r.truth)
                    for s in counts.indices { counts[s] += r.segmentCounts[s]; high[s] += r.highCounts[s] }
                }
                start = end
            }
            try out.commit()
            try truthOut.commit()
            return SyntheticTruth.FileTruth(rows: n, segmentCounts: counts, highMissingBlockCounts: high)
        } catch {
            out.abandon()
            truthOut.abandon()
            throw error
        }
    }
}

/// The column models and the missing plan, built once from the published facts.
struct FullModel: Sendable {
    var columns: [String: FullColumnModel]
    /// Per file, the columns whose marginals are published for that file (customers: CAMEO,
    /// RT_UEBERGROESSE; MAILOUT: OST_WEST_KZ), calibrated on that file's mixture to them.
    var overrides: [FullReference.File: [String: FullColumnModel]] = [:]
    var missing: MissingPlan
    var segments: [LatentModel.Segment]
    /// Per file, the cumulative segment weights.
    var segmentCumulative: [FullReference.File: [Double]]
    /// Per file, the share of rows whose CAMEO codes are written as decimals (`8.0`).
    static let decimalCameoShare: [FullReference.File: Double] = [.population: 0.42, .customers: 0.26, .mailoutTrain: 0.4, .mailoutTest: 0.4]
    /// The direction in latent space that raises the chance of answering the mail-out: the wealthy,
    /// older, avantgarde corner the customers over-represent.
    static let responseDirection: [Double] = [0.6, 0.45, -0.1, 0.65]

    func responseScore(_ x: [Double]) -> Double { zip(Self.responseDirection, x).reduce(0) { $0 + $1.0 * $1.1 } }

    /// A person as drawn: segment, position on the axes, and the response driver (a standard
    /// normal that `D19_SOZIALES` follows closely: the published top feature).
    struct Person { var segment: Int; var x: [Double]; var driver: Double }

    /// The planted response model, log-odds up to a constant: the driver, the segments customers
    /// over-represent, the latent direction, and an interaction of the driver with wealth.
    func responseLogit(_ p: Person) -> Double {
        let over = segments[p.segment].ratio >= 1.5 ? 1.0 : 0.0
        return 0.8 * p.driver + 0.5 * over + 0.4 * responseScore(p.x) + 0.3 * p.driver * p.x[0]
    }

    static let responseModelText = "log-odds = 0.8 d + 0.5 [segment over-represented among customers] + 0.4 (0.6 x0 + 0.45 x1 - 0.1 x2 + 0.65 x3) + 0.3 d x0, d the response driver (D19_SOZIALES = quantile of 0.9 d + 0.44 noise), x the latent axes; exactly round(1.238% of rows) responders drawn without replacement with these odds"

    /// D19_SOZIALES's weight on the driver (the rest is noise).
    static let driverLoading = 0.9

    @inline(__always)
    func latent(file: FullReference.File, rng: inout SplitMix64) -> Person {
        let cum = segmentCumulative[file]!
        let u = rng.nextUnit()
        var s = 0
        while s < cum.count - 1 && u >= cum[s] { s += 1 }
        let x = segments[s].centre.map { $0 + LatentModel.withinSegmentSD * Gauss.next(&rng) }
        return Person(segment: s, x: x, driver: Gauss.next(&rng))
    }

    struct Chunk: Sendable {
        var bytes: [UInt8]
        var truth: String
        var segmentCounts: [Int]
        var highCounts: [Int]
    }

    /// The column models of one file as flat arrays: the per-cell loop reads numbers, not structs
    /// holding arrays (whose retain/release cost more than the drawing).
    struct FlatColumns: Sendable {
        enum Role: UInt8 { case drawn, id, response, deug, intl, driver }
        var role: [Role] = []
        var rule: [Int] = []
        var unknownShare: [Double] = []
        var unknownCum: [Double] = [], unknownStart: [Int] = [], unknownCount: [Int] = []
        var loading: [Double] = [], axes = 0
        var noise: [Double] = []
        var table: [UInt16] = []
        /// Token bytes: per column, its valid codes then its unknown codes, each (start, length).
        var tokens: [UInt8] = [], tokenStart: [Int] = [], tokenLength: [Int] = [], firstToken: [Int] = [], validCount: [Int] = []
        /// CAMEO_DEU_2015's column, and for each of its tokens (valid then unknown) the CAMEO_DEUG
        /// and CAMEO_INTL tokens, integer and decimal spellings.
        var cameo = -1
        var derived: [[UInt8]] = []   // token k: [deug, deug decimal, intl, intl decimal] at 4k ..< 4k + 4

        init(_ columns: [FullColumnModel]) {
            axes = columns.first?.loading.count ?? 4
            for (j, c) in columns.enumerated() {
                switch c.role {
                case .drawn: role.append(c.name == "D19_SOZIALES" ? .driver : .drawn)
                case .id: role.append(.id)
                case .response: role.append(.response)
                case .cameoDEUG: role.append(.deug)
                case .cameoINTL: role.append(.intl)
                }
                rule.append(c.missingRule ?? -1)
                unknownShare.append(c.unknownShare)
                unknownStart.append(unknownCum.count)
                unknownCount.append(c.unknownCumulative.count)
                unknownCum += c.unknownCumulative
                loading += c.loading.count == axes ? c.loading : [Double](repeating: 0, count: axes)
                noise.append(c.noiseSD)
                table += c.table
                firstToken.append(tokenStart.count)
                validCount.append(c.codeBytes.count)
                for t in c.codeBytes + c.unknownBytes {
                    tokenStart.append(tokens.count)
                    tokenLength.append(t.count)
                    tokens += t
                }
                if c.name == "CAMEO_DEU_2015" {
                    cameo = j
                    for code in c.codes + c.unknownCodes {
                        let deug = code == "XX" ? "X" : String(code.prefix(1))
                        let intl = code == "XX" ? "XX" : SyntheticColumns.cameoInternational[code] ?? "XX"
                        func dec(_ t: String) -> String { t == "X" || t == "XX" ? t : t + ".0" }
                        derived += [Array(deug.utf8), Array(dec(deug).utf8), Array(intl.utf8), Array(dec(intl).utf8)]
                    }
                }
            }
        }
    }

    func generate(file: FullReference.File, rows: Range<Int>, totalRows: Int, columns: FlatColumns, ids: [Int],
                  positives: Set<Int>, latentRNG: inout SplitMix64, cellRNG: inout SplitMix64) -> Chunk {
        let p = columns.role.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.count * p * 3)
        var truth = ""
        var counts = [Int](repeating: 0, count: segments.count), high = counts
        let baseShare = missing.rules[missing.baseRule].shares[file] ?? 0
        let decimalRows = Int(Double(totalRows) * (Self.decimalCameoShare[file] ?? 0))
        var flags = [Bool](repeating: false, count: missing.rules.count)
        let semicolon = UInt8(ascii: ";"), newline = UInt8(ascii: "\n")
        let gauss = Gauss.table
        let axes = columns.axes, bins = FullColumnModel.bins
        let scale = Double(bins) / (2 * FullColumnModel.range), range = FullColumnModel.range
        for r in rows {
            let person = latent(file: file, rng: &latentRNG)
            let s = person.segment, x = person.x
            let base = cellRNG.nextUnit() < baseShare
            for k in flags.indices { flags[k] = missing.missing(rule: k, file: file, base: base, u: cellRNG.nextUnit()) }
            counts[s] += 1
            if base { high[s] += 1 }
            let response = positives.contains(r)
            truth += file == .mailoutTrain ? "\(r);\(ids[r]);\(s);\(base ? 1 : 0);\(response ? 1 : 0)\n" : "\(r);\(ids[r]);\(s);\(base ? 1 : 0)\n"
            var cameoToken = -1
            let decimal = r < decimalRows ? 1 : 0
            for j in 0..<p {
                if j > 0 { bytes.append(semicolon) }
                switch columns.role[j] {
                case .id:
                    bytes.append(contentsOf: String(ids[r]).utf8)
                    continue
                case .response:
                    bytes.append(response ? UInt8(ascii: "1") : UInt8(ascii: "0"))
                    continue
                case .deug, .intl:
                    // Empty when CAMEO_DEU_2015 is (one block).
                    if cameoToken >= 0 {
                        bytes.append(contentsOf: columns.derived[4 * cameoToken + (columns.role[j] == .deug ? 0 : 2) + decimal])
                    }
                    continue
                case .drawn, .driver:
                    break
                }
                let rule = columns.rule[j]
                if rule >= 0 && flags[rule] { continue }
                var token: Int
                let share = columns.unknownShare[j]
                if share > 0 && cellRNG.nextUnit() < share {
                    let u = cellRNG.nextUnit()
                    let start = columns.unknownStart[j], n = columns.unknownCount[j]
                    var i = 0
                    while i < n - 1 && u >= columns.unknownCum[start + i] { i += 1 }
                    token = columns.validCount[j] + i
                } else {
                    var score: Double
                    if columns.role[j] == .driver {
                        // N(0, 1) like a column without loadings, but mostly the response driver.
                        score = Self.driverLoading * person.driver
                            + (1 - Self.driverLoading * Self.driverLoading).squareRoot() * gauss[Int(truncatingIfNeeded: cellRNG.next() >> 48)]
                    } else {
                        score = columns.noise[j] * gauss[Int(truncatingIfNeeded: cellRNG.next() >> 48)]
                        for a in 0..<axes { score += columns.loading[j * axes + a] * x[a] }
                    }
                    let b = max(0, min(bins - 1, Int((score + range) * scale)))
                    token = Int(columns.table[j * bins + b])
                }
                if j == columns.cameo { cameoToken = token }
                let t = columns.firstToken[j] + token
                let start = columns.tokenStart[t]
                bytes.append(contentsOf: columns.tokens[start..<(start + columns.tokenLength[t])])
            }
            bytes.append(newline)
        }
        return Chunk(bytes: bytes, truth: truth, segmentCounts: counts, highCounts: high)
    }

    // MARK: building

    static func make(segments: [LatentModel.Segment]) -> FullModel {
        let meta = DIASMetadata.published
        let popMix = segments.map { (weight: $0.populationWeight, centre: $0.centre) }
        let cusMix = segments.map { (weight: $0.customerWeight, centre: $0.centre) }
        // Missing rules: one per published block, one per sparse column of its own.
        var rules: [MissingPlan.Rule] = []
        var ruleOfBlock: [Int: Int] = [:]
        var baseRule = 0
        var columns: [String: FullColumnModel] = [:]
        for c in FullReference.columns {
            var rule: Int?
            let shares = c.missing
            let anyMissing = shares.values.contains { $0 > 0 }
            if let b = c.block, b > 0 {
                if let r = ruleOfBlock[b] { rule = r } else {
                    ruleOfBlock[b] = rules.count
                    rule = rules.count
                    rules.append(MissingPlan.Rule(shares: shares))
                }
            } else if anyMissing {
                rule = rules.count
                rules.append(MissingPlan.Rule(shares: shares))
            }
            if c.name == "EINGEFUEGT_AM", let r = rule { baseRule = r }
            var model = column(c, meta: meta, popMix: popMix, cusMix: cusMix)
            model.missingRule = rule
            columns[c.name] = model
        }
        let mailMix = zip(segments.map(\.populationWeight), segments.map(\.customerWeight)).map { ($0 + $1) / 2 }
        func cumulative(_ w: [Double]) -> [Double] {
            let t = w.reduce(0, +)
            var c = 0.0
            return w.map { c += $0 / t; return c }
        }
        let cum: [FullReference.File: [Double]] = [
            .population: cumulative(segments.map(\.populationWeight)),
            .customers: cumulative(segments.map(\.customerWeight)),
            .mailoutTrain: cumulative(mailMix), .mailoutTest: cumulative(mailMix),
        ]
        var model = FullModel(columns: columns, missing: MissingPlan(rules: rules, baseRule: baseRule), segments: segments,
                              segmentCumulative: cum)
        let mailMixture = zip(mailMix, segments).map { (weight: $0.0, centre: $0.1.centre) }
        for (file, name, mixture) in [(FullReference.File.customers, "CAMEO_DEU_2015", cusMix), (.customers, "RT_UEBERGROESSE", cusMix),
                                      (.mailoutTrain, "OST_WEST_KZ", mailMixture), (.mailoutTest, "OST_WEST_KZ", mailMixture)] {
            let dataset = file == .customers ? "customers" : "mailout_test"
            guard let population = columns[name], let weights = fileWeights(name, dataset: dataset) else { continue }
            var c = FullColumnModel(name: name, format: population.format, weights: weights.list, unknown: weights.unknown,
                                    loading: population.loading, mixture: mixture, withinSD: LatentModel.withinSegmentSD)
            c.missingRule = population.missingRule
            model.overrides[file, default: [:]][name] = c
        }
        return model
    }

    /// The customers' published marginal of a column, as (token, count) in latent order. For
    /// CAMEO_DEU_2015 (not published for customers) the population's codes are raked until their
    /// CAMEO_DEUG_2015 and CAMEO_INTL_2015 groupings have the customers' published counts.
    static func fileWeights(_ name: String, dataset: String) -> (list: [(String, Double)], unknown: Set<String>)? {
        let published = FullReference.valueCounts[dataset] ?? [:]
        if name != "CAMEO_DEU_2015", let list = published[name] {
            var merged: [Code: Double] = [:]
            for (v, n) in list where v != "NaN" { merged[Code(token: v), default: 0] += n }
            var out = merged.keys.sorted().map { ($0.description, merged[$0]!) }
            if let order = LatentModel.codeOrder[name] {
                out.sort { (order.firstIndex(of: $0.0) ?? 99) < (order.firstIndex(of: $1.0) ?? 99) }
            }
            return (out, [])
        }
        guard name == "CAMEO_DEU_2015", let deug = published["CAMEO_DEUG_2015"], let intl = published["CAMEO_INTL_2015"],
              let base = FullReference.columnsByName[name] else { return nil }
        func margin(_ list: [(value: String, count: Double)]) -> [String: Double] {
            var m: [String: Double] = [:]
            for (v, n) in list { m[Code(token: v).description, default: 0] += n }
            return m
        }
        let g = margin(deug), i = margin(intl)
        var w = Dictionary(publishedWeights(base).filter { $0.0 != "XX" }, uniquingKeysWith: +)
        for _ in 0..<60 {
            for (target, key) in [(g, { (d: String) in String(d.prefix(1)) }), (i, { (d: String) in SyntheticColumns.cameoInternational[d] ?? "" })] {
                var sums: [String: Double] = [:]
                for (d, v) in w { sums[key(d), default: 0] += v }
                for d in w.keys {
                    let k = key(d)
                    if let t = target[k], let s = sums[k], s > 0 { w[d]! *= t / s }
                }
            }
        }
        var list = w.keys.sorted().map { ($0, w[$0]!) }
        list.append(("XX", g["X"] ?? 0))
        return (list, ["XX"])
    }

    static func column(_ c: FullReference.Column, meta: DIASMetadata, popMix: [(weight: Double, centre: [Double])],
                       cusMix: [(weight: Double, centre: [Double])]) -> FullColumnModel {
        let name = c.name
        let sd = LatentModel.withinSegmentSD
        switch name {
        case "LNR":
            return FullColumnModel(name: name, format: .id, role: .id, weights: [("0", 1)], unknown: [], loading: [0, 0, 0, 0],
                                   mixture: popMix, withinSD: sd)
        case "RESPONSE":
            return FullColumnModel(name: name, format: .response, role: .response, weights: [("0", 1)], unknown: [],
                                   loading: [0, 0, 0, 0], mixture: popMix, withinSD: sd)
        case "CAMEO_DEUG_2015", "CAMEO_INTL_2015":
            return FullColumnModel(name: name, format: .cameoMixed, role: name == "CAMEO_DEUG_2015" ? .cameoDEUG : .cameoINTL,
                                   weights: [("0", 1)], unknown: [], loading: [0, 0, 0, 0], mixture: popMix, withinSD: sd)
        case "PRODUCT_GROUP", "CUSTOMER_GROUP", "ONLINE_PURCHASE":
            let published = FullReference.valueCounts["customers"]?[name] ?? []
            let order: [String] = name == "PRODUCT_GROUP" ? ["FOOD", "COSMETIC_AND_FOOD", "COSMETIC"]
                : name == "CUSTOMER_GROUP" ? ["SINGLE_BUYER", "MULTI_BUYER"] : ["0", "1"]
            let weights = order.map { t in (t, published.first { $0.value == t }?.count ?? 1) }
            let loading: [Double] = name == "PRODUCT_GROUP" ? [0, 0, 0.6, 0] : name == "CUSTOMER_GROUP" ? [0.2, 0.5, 0, 0] : [0, -0.5, 0, 0.3]
            return FullColumnModel(name: name, format: name == "ONLINE_PURCHASE" ? .integer : .text, weights: weights,
                                   unknown: [], loading: loading, mixture: cusMix, withinSD: sd)
        case "EINGEFUEGT_AM":
            return FullColumnModel(name: name, format: .date, weights: dateWeights(), unknown: [], loading: [-0.2, 0.3, 0, 0],
                                   mixture: popMix, withinSD: sd)
        default:
            break
        }
        let format: FullColumnModel.Format = c.dtype == "object" ? .text : (c.dtype == "int64" ? .integer : .decimal)
        var weights = publishedWeights(c)
        if let order = LatentModel.codeOrder[name] {
            weights.sort { (order.firstIndex(of: $0.0) ?? 99) < (order.firstIndex(of: $1.0) ?? 99) }
        }
        var unknown = Set<String>()
        if let (attr, _) = meta.attribute(forColumn: name) {
            for code in attr.missingCodes { unknown.insert(code.description) }
        }
        if name == "CAMEO_DEU_2015" { unknown.insert("XX") }
        // A column whose every code is "unknown" in the metadata (AGER_TYP is 76% -1) still needs its
        // valid codes drawn from the latent score.
        // D19_SOZIALES follows the response driver instead (its score is N(0, 1) like a column
        // without loadings, which is how its cut points are calibrated).
        let dims = popMix.first?.centre.count ?? LatentModel.axes.count
        let loading = name == "D19_SOZIALES" ? [0, 0, 0, 0]
            : LatentModel.loadings[name] != nil ? LatentModel.loading(name, dims: dims) : familyLoading(name)
        return FullColumnModel(name: name, format: format, weights: weights, unknown: unknown, loading: loading,
                               mixture: popMix, withinSD: sd)
    }

    /// The population marginal: published value counts (tokens normalised: `8.0` is `8`), or an
    /// integer distribution through the published min / quartiles / max.
    static func publishedWeights(_ c: FullReference.Column) -> [(String, Double)] {
        if let list = FullReference.valueCounts["azdias"]?[c.name], !list.isEmpty {
            var merged: [Code: Double] = [:]
            for (v, n) in list where v != "NaN" && !v.isEmpty { merged[Code(token: v), default: 0] += n }
            return merged.keys.sorted().map { ($0.description, merged[$0]!) }
        }
        guard let lo = c.min, let hi = c.max, hi >= lo else { return [("0", 1)] }
        let knots: [(Double, Double)] = [(lo, 0), (c.p25 ?? lo, 0.25), (c.median ?? lo, 0.5), (c.p75 ?? hi, 0.75), (hi, 1)]
        // P(X <= v) through the knots; repeated knots put their mass on one value.
        func cdf(_ v: Double) -> Double {
            var p = 0.0
            for i in 0..<(knots.count - 1) {
                let (x0, p0) = knots[i], (x1, p1) = knots[i + 1]
                if v >= x1 { p = max(p, p1) } else if v >= x0 { p = max(p, x1 > x0 ? p0 + (p1 - p0) * (v - x0 + 1) / (x1 - x0 + 1) : p1) }
            }
            return min(1, p)
        }
        var out: [(String, Double)] = []
        var prev = 0.0
        for v in Int(lo)...Int(hi) {
            let p = cdf(Double(v))
            if p > prev { out.append((String(v), p - prev)) }
            prev = max(prev, p)
        }
        return out.isEmpty ? [(String(Int(lo)), 1)] : out
    }

    /// `EINGEFUEGT_AM`: the published top dates at their shares, the rest spread over about 5,000
    /// other dates from 1992 to 2016, thinning with the years.
    static func dateWeights() -> [(String, Double)] {
        let top: [(String, Double)] = [("1992-02-10", 43.057558), ("1992-02-12", 21.5731), ("1995-02-07", 1.254571),
                                       ("2005-12-16", 0.71), ("2003-11-18", 0.68)]
        var rest: [(String, Double)] = []
        let topSet = Set(top.map(\.0))
        let remaining = 100 - top.reduce(0) { $0 + $1.1 }
        var days: [(String, Double)] = []
        var rng = SplitMix64(seed: 0xDA7E)
        for year in 1992...2016 {
            let perYear = year == 1992 ? 400 : Int(400 * exp(-Double(year - 1992) / 9)) + 60
            for _ in 0..<perYear {
                let date = String(format: "%04d-%02d-%02d", year, 1 + rng.nextInt(below: 12), 1 + rng.nextInt(below: 28))
                if topSet.contains(date) { continue }
                days.append((date, exp(-Double(year - 1992) / 6)))
            }
        }
        var merged: [String: Double] = [:]
        for (d, w) in days { merged[d, default: 0] += w }
        let total = merged.values.reduce(0, +)
        for (d, w) in merged { rest.append((d, w / total * remaining)) }
        return (top + rest).sorted { $0.0 < $1.0 }
    }

    /// Loadings for the columns the subset model does not place: by family (car statistics follow
    /// wealth, transactions age and avantgarde, ...), signs and strengths seeded by the name.
    static func familyLoading(_ name: String) -> [Double] {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        var rng = SplitMix64(seed: h)
        let family: [Double]
        if name.hasPrefix("KBA13_") || name.hasPrefix("KBA05_") {
            family = [0.45, 0.1, 0.05, 0]
        } else if name.hasPrefix("D19_") {
            family = [0.15, 0.35, 0, 0.3]
        } else if name.hasPrefix("CJT_") || name.hasPrefix("RT_") || name.hasPrefix("ONLINE") {
            family = [0, -0.35, 0.1, 0.25]
        } else if name.hasPrefix("VK_") || name.hasPrefix("UMFELD_") {
            family = [0.2, 0.3, 0, 0]
        } else if name.hasPrefix("ALTER") || name.hasPrefix("ANZ_") {
            family = [0.1, 0.35, 0, 0]
        } else {
            family = [0.25, 0.25, 0.1, 0.1]
        }
        let sign: Double = rng.nextUnit() < 0.5 ? -1 : 1
        let strength = 0.6 + 0.6 * rng.nextUnit()
        return family.map { sign * strength * $0 + 0.08 * (rng.nextUnit() * 2 - 1) }
    }
}

/// Standard normal deviates from a table of 65,536 quantiles (the generator draws one per cell: a
/// table lookup instead of a logarithm and a cosine).
enum Gauss {
    static let table: [Double] = (0..<65_536).map { i in
        SyntheticColumns.inverseNormal((Double(i) + 0.5) / 65_536)
    }
    @inline(__always)
    static func next(_ rng: inout SplitMix64) -> Double {
        table[Int(truncatingIfNeeded: rng.next() >> 48)]
    }
}
