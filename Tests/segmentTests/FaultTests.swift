import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentCore
@testable import SegmentData
@testable import SegmentModels
@testable import SegmentAnalysis
@testable import SegmentSynthetic
@testable import SegmentReports

/// Small generated files, and variants with one thing broken, run through the binary: each must
/// give its specific message, the documented exit code, and leave no output behind.
final class FaultFixture: @unchecked Sendable {
    static let shared = FaultFixture()
    let directory: String
    let population: String
    let customers: String
    let summary: String
    let populationText: String
    let customersText: String

    init() {
        directory = processTemporaryFolder("segment-faults")
        try! SyntheticGenerator(populationRows: 3_000, customerRows: 1_000, seed: 4, threads: 2).write(to: directory)
        population = directory + "/azdias.csv"
        customers = directory + "/customers.csv"
        summary = directory + "/feature_summary.csv"
        populationText = try! String(contentsOfFile: population, encoding: .utf8)
        customersText = try! String(contentsOfFile: customers, encoding: .utf8)
    }

    /// Writes a variant of the customers file; `edit` gets its lines.
    func variant(_ name: String, _ edit: (inout [String]) -> Void) -> String {
        var lines = customersText.components(separatedBy: "\n")
        edit(&lines)
        let path = directory + "/\(name).csv"
        try! lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func bytesVariant(_ name: String, _ bytes: [UInt8]) -> String {
        let path = directory + "/\(name).csv"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot create \(path)")
        return path
    }
}

struct BadInput: Sendable, CustomStringConvertible {
    let name: String
    let make: @Sendable (FaultFixture) -> [String]    // the run's extra arguments (or full population/customers)
    let message: String
    var description: String { name }
}

func cells(_ line: String) -> [String] { line.components(separatedBy: ";") }

let badInputs: [BadInput] = [
    BadInput(name: "a value of 1e300 in the customers", make: { f in
        ["--customers", f.variant("huge") { l in var c = cells(l[3]); c[1] = "1e300"; l[3] = c.joined(separator: ";") }]
    }, message: "column 'ALTERSKATEGORIE_GROB': a value too large to measure distances with"),
    BadInput(name: "values of 1e300 in the population", make: { f in
        var lines = f.populationText.components(separatedBy: "\n")
        for r in 1...5 { var c = cells(lines[r]); c[1] = "1e300"; lines[r] = c.joined(separator: ";") }
        let p = f.directory + "/huge_population.csv"
        try! lines.joined(separator: "\n").write(toFile: p, atomically: true, encoding: .utf8)
        return ["--population", p]
    }, message: "huge_population.csv: column 'ALTERSKATEGORIE_GROB': values too large for the statistics"),
    BadInput(name: "ragged row", make: { f in ["--customers", f.variant("ragged") { l in l[5] = cells(l[5]).dropLast().joined(separator: ";") }] },
             message: "ragged.csv:6: expected 85 fields, found 84"),
    BadInput(name: "stray delimiter", make: { f in ["--customers", f.variant("stray") { l in l[7] += ";" }] },
             message: "stray.csv:8: expected 85 fields, found 86"),
    BadInput(name: "unterminated quote", make: { f in ["--customers", f.variant("quote") { l in var c = cells(l[2]); c[3] = "\"4"; l[2] = c.joined(separator: ";") }] },
             message: "quote.csv:3: column 'CJT_GESAMTTYP' (field 4): unterminated quote"),
    BadInput(name: "text in a numeric column", make: { f in ["--customers", f.variant("text") { l in var c = cells(l[9]); c[4] = "abc"; l[9] = c.joined(separator: ";") }] },
             message: "text.csv:10: column 'FINANZ_MINIMALIST' (field 5): text in a numeric column: \"abc\""),
    BadInput(name: "inf", make: { f in ["--customers", f.variant("inf") { l in var c = cells(l[4]); c[4] = "inf"; l[4] = c.joined(separator: ";") }] },
             message: "inf.csv:5: column 'FINANZ_MINIMALIST' (field 5): text in a numeric column: \"inf\""),
    BadInput(name: "nan", make: { f in ["--customers", f.variant("nan") { l in var c = cells(l[4]); c[4] = "nan"; l[4] = c.joined(separator: ";") }] },
             message: "nan.csv:5: column 'FINANZ_MINIMALIST' (field 5): text in a numeric column: \"nan\""),
    BadInput(name: "huge number", make: { f in ["--customers", f.variant("huge") { l in var c = cells(l[4]); c[4] = "1e400"; l[4] = c.joined(separator: ";") }] },
             message: "huge.csv:5: column 'FINANZ_MINIMALIST' (field 5): not a finite number: \"1e400\""),
    BadInput(name: "missing column", make: { f in ["--customers", f.variant("missingcol") { l in l = l.map { cells($0).dropLast().joined(separator: ";") } }] },
             message: "missingcol.csv:1: 1 schema column is missing from the header: RELAT_AB"),
    BadInput(name: "duplicated column", make: { f in ["--customers", f.variant("dupcol") { l in l[0] = l[0].replacingOccurrences(of: "RELAT_AB", with: "ARBEIT") }] },
             message: "dupcol.csv:1: the header names a column more than once: ARBEIT"),
    BadInput(name: "renamed column", make: { f in ["--customers", f.variant("renamed") { l in l[0] = l[0].replacingOccurrences(of: "KKK", with: "KKK2") }] },
             message: "renamed.csv:1: 1 schema column is missing from the header: KKK"),
    BadInput(name: "a comma-separated file read with --delimiter ';'", make: { f in
        ["--customers", f.variant("commas") { l in l = l.map { $0.replacingOccurrences(of: ";", with: ",") } }, "--delimiter", ";"]
    }, message: "commas.csv:1: none of the schema's columns is in the header, whose fields are separated by ',' (use --delimiter)"),
    BadInput(name: "empty file", make: { f in ["--customers", f.bytesVariant("empty", [])] }, message: "empty.csv: the file is empty"),
    BadInput(name: "header only", make: { f in ["--customers", f.variant("headeronly") { l in l = [l[0]] }] },
             message: "headeronly.csv:1: the file has a header but no data rows"),
    BadInput(name: "invalid UTF-8", make: { f in
        var b = Array(f.customersText.utf8)
        let firstNewline = b.firstIndex(of: 0x0A)!
        let cell = b[(firstNewline + 1)...].firstIndex(of: UInt8(ascii: ";"))! // end of the first field of row 1
        b.insert(contentsOf: [0xC3, 0x28], at: cell)
        return ["--customers", f.bytesVariant("utf8", b)]
    }, message: "utf8.csv:2: column 'AGER_TYP' (field 1): invalid UTF-8"),
    BadInput(name: "truncated last line", make: { f in ["--customers", f.variant("truncated") { l in
        while l.last == "" { l.removeLast() }
        l[l.count - 1] = String(l[l.count - 1].prefix(20))
    }] }, message: "truncated.csv:1001: expected 85 fields, found"),
    BadInput(name: "a directory as a file", make: { f in ["--customers", f.directory] }, message: "is a directory, not a file"),
    BadInput(name: "a missing path", make: { f in ["--customers", f.directory + "/nope.csv"] },
             message: "nope.csv: cannot open the file: no such file or directory"),
    BadInput(name: "summary with an unknown type", make: { f in
        let p = f.directory + "/summary_type.csv"
        try! (try! String(contentsOfFile: f.summary, encoding: .utf8)).replacingOccurrences(of: "KKK;region_rr1;ordinal", with: "KKK;region_rr1;ordinalish")
            .write(toFile: p, atomically: true, encoding: .utf8)
        return ["--features", p]
    }, message: "summary_type.csv:72: column 'type' (field 3): unknown type 'ordinalish'"),
    BadInput(name: "summary with a broken missing list", make: { f in
        let p = f.directory + "/summary_list.csv"
        try! (try! String(contentsOfFile: f.summary, encoding: .utf8)).replacingOccurrences(of: "KKK;region_rr1;ordinal;[-1,0]", with: "KKK;region_rr1;ordinal;[-1,0")
            .write(toFile: p, atomically: true, encoding: .utf8)
        return ["--features", p]
    }, message: "summary_list.csv:72: column 'missing_or_unknown' (field 4): malformed missing_or_unknown list '[-1,0'"),
]

@Suite("Bad input and faults", .serialized)
struct FaultTests {
    let f = FaultFixture.shared

    /// Runs `segment run` with the fixture's files, `extra` overriding them; returns the outcome and
    /// what the output folder holds afterwards.
    func run(_ extra: [String], output: String) throws -> (Outcome, [String]) {
        var args = ["run", "--population", f.population, "--customers", f.customers, "-o", output,
                    "--k", "3", "--k-range", "none", "--quiet", "--backend", "swift"]
        // Later flags win in ArgumentParser for single-valued options.
        args += extra
        let r = try runBinary(args)
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).sorted()
        return (r, left)
    }

    @Test("each malformed input: its message, exit 1, no output left", arguments: badInputs)
    func malformed(_ bad: BadInput) throws {
        let out = f.directory + "/out-" + bad.name.replacingOccurrences(of: " ", with: "_")
        let (r, left) = try run(bad.make(f), output: out)
        #expect(r.status == 1, "\(bad.name): exit \(r.status), \(r.stderr)")
        #expect(r.stderr.contains(bad.message), "\(bad.name): \(r.stderr)")
        #expect(left.isEmpty, "\(bad.name) left \(left)")
        // Not even the folder it would have created.
        #expect(!FileManager.default.fileExists(atPath: out), "\(bad.name) left the folder")
    }

    @Test("a damaged or edited model: score names the file and the field, exits 1, writes nothing, never traps")
    func tamperedModels() throws {
        let out = f.directory + "/out-model"
        let (fitted, _) = try run(["--k", "3"], output: out)
        #expect(fitted.status == 0, "\(fitted.stderr)")
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/model.json"))) as! [String: Any]
        func edit(_ path: [String], _ change: (Any) -> Any?) -> [String: Any] {
            func apply(_ value: Any, _ rest: ArraySlice<String>) -> Any? {
                guard let key = rest.first else { return change(value) }
                if var dict = value as? [String: Any] { dict[key] = dict[key].flatMap { apply($0, rest.dropFirst()) }; return dict }
                if var list = value as? [Any], let i = Int(key) { list[i] = apply(list[i], rest.dropFirst()) ?? NSNull(); return list }
                return value
            }
            return apply(original, path[...]) as! [String: Any]
        }
        func shorter(_ v: Any) -> Any? { Array((v as! [Any]).dropLast()) }
        func first(_ x: Any) -> (Any) -> Any? { { v in var l = v as! [Any]; l[0] = x; return l } }
        let cases: [(String, [String: Any], String)] = [
            ("format 99", edit(["formatVersion"]) { _ in 99 }, "formatVersion: is 99"),
            ("imputer fill one short", edit(["imputer", "fill"], shorter), "imputer.fill: has"),
            ("a zero scale", edit(["scaler", "scale"], first(0.0)), "scaler.scale[0]: is 0.0"),
            ("a NaN centre", edit(["kmeans", "centers", "values", "0"], first("NaN")), "kmeans.centers[0]: is nan"),
            ("a centre of 1e308", edit(["kmeans", "centers", "values", "0"], first(1e308)), "kmeans.centers[0]: is 1e+308, too large for a fitted value"),
            ("centres of the wrong width", edit(["kmeans", "centers", "columns"]) { v in (v as! Int) - 1 }, "kmeans.centers.values"),
            ("PCA of the wrong height", edit(["pca", "components", "rows"]) { _ in 2 }, "pca.components.values"),
            ("a feature from an unknown column", edit(["recipe", "keptColumns"]) { v in Array((v as! [Any]).dropFirst()) }, "which is not a kept column"),
            ("customer shares one short", edit(["customerShares"], shorter), "customerShares: has"),
            ("likeness one short", edit(["likeness", "coefficients"], shorter), "likeness.coefficients: has"),
            ("no k-means", edit(["kmeans"]) { _ in nil }, "kmeans is missing"),
            ("a string for a number", edit(["recipe", "rowThreshold"]) { _ in "many" }, "recipe.rowThreshold has the wrong type"),
        ]
        for (name, model, message) in cases {
            let path = f.directory + "/model-\(name.replacingOccurrences(of: " ", with: "_")).json"
            try JSONSerialization.data(withJSONObject: model).write(to: URL(fileURLWithPath: path))
            let scored = f.directory + "/scored-\(name.replacingOccurrences(of: " ", with: "_")).csv"
            let r = try runBinary(["score", "--model", path, "--input", f.customers, "-o", scored])
            #expect(r.status == 1, "\(name): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(path) && r.stderr.contains(message), "\(name): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scored), "\(name) wrote output")
        }
        // The untouched model still scores.
        let ok = try runBinary(["score", "--model", out + "/model.json", "--input", f.customers, "-o", f.directory + "/scored-ok.csv"])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test("CRLF and a BOM are read, not rejected")
    func crlfBom() throws {
        let path = f.bytesVariant("crlf", [0xEF, 0xBB, 0xBF] + Array(f.customersText.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        let (r, left) = try run(["--customers", path], output: f.directory + "/out-crlf")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(left.contains("report.html"))
    }

    @Test("degenerate data: every row high-missing, k larger than the rows, k = 1, components above the features")
    func degenerate() throws {
        // Every customer row high-missing is fine (they are counted); every population row is not.
        let empty = f.bytesVariant("allmissing", Array((f.populationText.components(separatedBy: "\n")[0] + "\n"
            + String(repeating: String(repeating: ";", count: 84) + "\n", count: 50)).utf8))
        var (r, left) = try run(["--population", empty], output: f.directory + "/out-allmissing")
        #expect(r.status == 1 && r.stderr.contains("nothing to cluster"), "\(r.stderr)")
        #expect(left.isEmpty)
        (r, left) = try run(["--row-threshold", "0", "--column-threshold", "1"], output: f.directory + "/out-allhigh")
        #expect(r.status == 1 && r.stderr.contains("nothing to cluster"), "\(r.stderr)")
        #expect(left.isEmpty)
        (r, left) = try run(["--k", "5000"], output: f.directory + "/out-bigk")
        #expect(r.status == 1 && r.stderr.contains("cannot make 5000 clusters from"), "\(r.stderr)")
        #expect(left.isEmpty)
        (r, _) = try run(["--k", "1"], output: f.directory + "/out-k1")
        #expect(r.status == 0, "\(r.stderr)")
        (r, _) = try run(["--components", "500"], output: f.directory + "/out-comp")
        #expect(r.status == 0, "\(r.stderr)")
        let s = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: f.directory + "/out-comp/summary.json")))
        #expect(s.pca.components == s.cleaning.features.count)
    }

    @Test("degenerate data: one row, duplicate rows, a column all NaN, a constant column")
    func degenerateColumns() throws {
        let lines = f.populationText.components(separatedBy: "\n").filter { !$0.isEmpty }
        let header = lines[0]
        // A complete row to repeat (no missing value in the kept columns).
        let full = lines.dropFirst().first { !$0.contains(";;") && !$0.hasSuffix(";") && !$0.hasPrefix(";") }!
        // One row: nothing to cluster into 3 segments.
        let one = f.bytesVariant("onerow", Array((header + "\n" + full + "\n").utf8))
        var (r, left) = try run(["--population", one], output: f.directory + "/out-onerow")
        #expect(r.status == 1 && (r.stderr.contains("nothing to cluster") || r.stderr.contains("cannot make 3 clusters")), "\(r.stderr)")
        #expect(left.isEmpty)
        // Duplicate rows: one distinct point; k-means reports fewer distinct centres, the run completes.
        let dup = f.bytesVariant("duprows", Array((header + "\n" + String(repeating: full + "\n", count: 200)).utf8))
        (r, _) = try run(["--population", dup], output: f.directory + "/out-dup")
        #expect(r.status == 0, "\(r.stderr)")
        let s = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: f.directory + "/out-dup/summary.json")))
        #expect(s.kmeans.diagnostics.fewerDistinctClusters)
        // A column empty on every row but kept (--column-threshold 1), and a constant column: both
        // survive imputation and scaling (fill 0, scale 1) and the run completes.
        var cols = header.components(separatedBy: ";")
        let kkk = cols.firstIndex(of: "KKK")!, semio = cols.firstIndex(of: "SEMIO_SOZ")!
        var body: [String] = []
        for line in lines.dropFirst() {
            cols = line.components(separatedBy: ";")
            cols[kkk] = ""
            cols[semio] = "4"
            body.append(cols.joined(separator: ";"))
        }
        let odd = f.bytesVariant("oddcols", Array(([header] + body).joined(separator: "\n").utf8))
        (r, _) = try run(["--population", odd, "--column-threshold", "1"], output: f.directory + "/out-odd")
        #expect(r.status == 0, "\(r.stderr)")
        let model = try JSONDecoder().decode(FittedPipeline.self, from: Data(contentsOf: URL(fileURLWithPath: f.directory + "/out-odd/model.json")))
        let names = model.recipe.featureNames
        let ki = names.firstIndex(of: "KKK")!, si = names.firstIndex(of: "SEMIO_SOZ")!
        #expect(model.imputer.emptyColumns.contains(ki) && model.scaler.constantColumns.contains(ki) && model.scaler.constantColumns.contains(si))
        #expect(model.scaler.scale[ki] == 1 && model.scaler.scale[si] == 1)
    }

    @Test("a failed run leaves the previous report intact")
    func previousReportKept() throws {
        let out = f.directory + "/out-keep"
        var (r, _) = try run([], output: out)
        #expect(r.status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))
        let bad = f.variant("keepbad") { l in l[3] = "1;2" }
        (r, _) = try run(["--customers", bad, "--force"], output: out)
        #expect(r.status == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")) == before)
        let names = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(!names.contains { $0.contains(".tmp-") }, "\(names)")
    }

    @Test("an interrupted run removes its temporaries and writes nothing")
    func interrupted() throws {
        let big = f.directory + "/big"
        try SyntheticGenerator(populationRows: 200_000, customerRows: 50_000, seed: 1, threads: 2).write(to: big)
        let out = f.directory + "/out-int"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: segmentBinary())
        p.arguments = ["run", "--population", big + "/azdias.csv", "--customers", big + "/customers.csv", "-o", out, "--quiet"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.0)
        p.interrupt()
        p.waitUntilExit()
        #expect(p.terminationStatus == 130 || p.terminationReason == .uncaughtSignal)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        #expect(left.isEmpty, "\(left)")
    }

    @Test("inputs are never modified")
    func inputsUntouched() throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: f.population))
        let (r, _) = try run([], output: f.directory + "/out-ro")
        #expect(r.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: f.population)) == before)
    }

    @Test("the same answer every time: repeated runs and thread counts 1 and 2 give identical files",
          arguments: ["swift", "openblas"])
    func determinism(_ backend: String) throws {
        var digests: [[Data]] = []
        for (i, threads) in ["2", "1", "2"].enumerated() {
            let out = f.directory + "/out-det-\(backend)\(i)"
            let (r, _) = try run(["--threads", threads, "--k-range", "2-4", "--k", "3", "--backend", backend], output: out)
            #expect(r.status == 0, "\(r.stderr)")
            digests.append(try ["summary.json", "model.json", "population_assignments.csv", "customers_assignments.csv", "report.md", "report.html"]
                .map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0)) })
        }
        #expect(digests[0] == digests[1], "threads 1 and 2 differ")
        #expect(digests[0] == digests[2], "two runs differ")
    }

    @Test("both backends write the same reports and assignments, and PCA components with the same signs")
    func backendsAgree() throws {
        var files: [String: [Data]] = [:]
        var signs: [[Double]] = []
        for backend in ["openblas", "swift"] {
            let out = f.directory + "/out-agree-\(backend)"
            let (r, _) = try run(["--k-range", "2-4", "--k", "3", "--backend", backend], output: out)
            #expect(r.status == 0, "\(r.stderr)")
            for name in ["report.md", "report.html", "population_assignments.csv", "customers_assignments.csv"] {
                files[name, default: []].append(try Data(contentsOf: URL(fileURLWithPath: out + "/" + name)))
            }
            let model = try JSONDecoder().decode(FittedPipeline.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/model.json")))
            let c = model.pca.components
            // Each component's sign: that of its largest-magnitude loading (positive by the rule).
            signs.append((0..<c.columns).map { j in (0..<c.rows).map { c[$0, j] }.max { abs($0) < abs($1) }! })
        }
        for (name, versions) in files { #expect(versions[0] == versions[1], "\(name) differs between the backends") }
        #expect(signs[0].allSatisfy { $0 > 0 } && signs[1].allSatisfy { $0 > 0 })
    }

    @Test("one overwrite rule: run, score and generate replace what is there only with --force")
    func overwriteRule() throws {
        let out = f.directory + "/out-force"
        #expect(try run([], output: out).0.status == 0)
        let again = try run([], output: out).0
        #expect(again.status == 1 && again.stderr.contains("use --force to replace it"), "\(again.stderr)")
        #expect(try run(["--force"], output: out).0.status == 0)
        let scored = f.directory + "/scored-force.csv"
        let score = ["score", "--model", out + "/model.json", "--input", f.customers, "-o", scored, "-q"]
        #expect(try runBinary(score).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: scored))
        #expect(FileManager.default.createFile(atPath: scored, contents: Data("mine".utf8)))
        let refused = try runBinary(score)
        #expect(refused.status == 1 && refused.stderr.contains("scored-force.csv: exists; use --force to replace it"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: scored, encoding: .utf8) == "mine")
        #expect(try runBinary(score + ["--force"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scored)) == before)
        let data = f.directory + "/gen-force"
        let generate = ["generate", "-o", data, "--population-rows", "40", "--customer-rows", "10"]
        #expect(try runBinary(generate).status == 0)
        let twice = try runBinary(generate)
        #expect(twice.status == 1 && twice.stderr.contains("holds generated data (truth.json); use --force to replace it"), "\(twice.stderr)")
        #expect(try runBinary(generate + ["--force"]).status == 0)
    }
}
