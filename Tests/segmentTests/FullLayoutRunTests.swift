import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentData
@testable import SegmentSynthetic
@testable import SegmentReports

/// The full capstone layout through the built binary: generate, check, run (both backends), and
/// what the outputs carry that the subset's do not (LNR, the column decisions, the customers' own
/// columns), with the same guarantees (byte-identical reruns, clear errors).
@Suite("The full layout, end to end", .serialized)
struct FullLayoutRunTests {
    static let base = processTemporaryFolder("segment-full-e2e")
    static let data = base + "/data"

    static let generated: Bool = {
        let r = try? runBinary(["generate", "--layout", "full", "-o", data, "--population-rows", "9000", "--customer-rows", "3000",
                                "--mailout-train-rows", "500", "--mailout-test-rows", "500", "--seed", "5"])
        return r?.status == 0
    }()

    func run(_ out: String, _ extra: [String] = []) throws -> Outcome {
        try runBinary(["run", "--population", Self.data + "/" + FullLayoutGenerator.FileName.population,
                       "--customers", Self.data + "/" + FullLayoutGenerator.FileName.customers,
                       "-o", out, "--k", "6", "--quiet", "--threads", "2", "--force"] + extra)
    }

    @Test("the generated files pass segment check against the published facts")
    func check() throws {
        #expect(Self.generated)
        let pop = try runBinary(["check", Self.data + "/" + FullLayoutGenerator.FileName.population])
        #expect(pop.stdout.contains("missing blocks: 16 compared, 0 with columns empty in other rows"), "\(pop.stdout)")
        #expect(pop.stdout.contains("missing shares: 366 columns compared"))
        // 9,000 rows: sampling error alone puts some marginals above 0.02; the blocks must hold exactly.
        let test = try runBinary(["check", Self.data + "/" + FullLayoutGenerator.FileName.mailoutTest])
        #expect(test.stdout.contains("the published mailout_test file's 366 columns"), "\(test.stdout)")
        let bad = try runBinary(["check", Self.data + "/truth.json"])
        #expect(bad.status != 0)
    }

    @Test("a run on the full layout: LNR in the assignments, the column decisions and the customers' columns in the summary")
    func wholeRun() throws {
        #expect(Self.generated)
        let out = Self.base + "/out"
        let r = try run(out, ["--backend", "swift"])
        #expect(r.status == 0, "\(r.stderr)")
        let assignments = try String(contentsOfFile: out + "/population_assignments.csv", encoding: .utf8).split(separator: "\n")
        #expect(assignments[0].hasPrefix("row,LNR,cluster,high_missing,distance"))
        #expect(assignments[1].hasPrefix("0,3001,"))          // the population's ids follow the customers'
        #expect(assignments.count == 9001)
        let customers = try String(contentsOfFile: out + "/customers_assignments.csv", encoding: .utf8).split(separator: "\n")
        #expect(customers[1].hasPrefix("0,1,"))
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        for name in ["summary", "model"] {
            let problems = jsonSchemaProblems(try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: out + "/\(name).json"))),
                                              schema: try repositorySchema(name))
            #expect(problems.isEmpty, "\(name).json: \(problems.prefix(5))")
        }
        #expect(summary.inputs.layout == "full")
        let types = summary.inputs.columnTypes ?? []
        #expect(types.count == 366)
        #expect(types.first { $0.column == "LNR" }?.type == .id)
        #expect(types.first { $0.column == "EINGEFUEGT_AM" }?.type == .date)
        #expect(summary.inputs.metadataFiles?.count == 2)        // found beside the population file
        #expect(summary.cleaning.features.contains("EINGEFUEGT_AM_YEAR"))
        #expect(!summary.cleaning.features.contains("LNR"))
        let aside = summary.inputs.customerColumnsBySegment ?? []
        #expect(aside.map(\.column) == ["CUSTOMER_GROUP", "ONLINE_PURCHASE", "PRODUCT_GROUP"])
        #expect(aside.first { $0.column == "CUSTOMER_GROUP" }?.values == ["MULTI_BUYER", "SINGLE_BUYER"])
        #expect(aside.allSatisfy { a in a.groups.reduce(0) { $0 + $1.customers } == 3000 })
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("## Columns of the full layout") && md.contains("## The customers' own columns, by segment"))
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(parsesAsXML(html))
    }

    @Test("the same inputs and seed give byte-identical outputs whatever the thread count, and the same segments on either backend")
    func determinism() throws {
        #expect(Self.generated)
        let files = ["summary.json", "population_assignments.csv", "customers_assignments.csv", "model.json", "report.md"]
        var groups: [[Substring]] = []
        for backend in ["openblas", "swift"] {
            let a = Self.base + "/det-\(backend)-2", b = Self.base + "/det-\(backend)-1"
            #expect(try run(a, ["--backend", backend, "--threads", "2"]).status == 0)
            #expect(try run(b, ["--backend", backend, "--threads", "1"]).status == 0)
            for f in files {
                #expect(FileManager.default.contents(atPath: a + "/" + f) == FileManager.default.contents(atPath: b + "/" + f), "\(backend): \(f)")
            }
            // The two backends sum in different orders (last-bit differences in distances and
            // loadings); every person's segment is the same.
            let rows = try String(contentsOfFile: a + "/population_assignments.csv", encoding: .utf8).split(separator: "\n")
            groups.append(rows.map { $0.split(separator: ",", omittingEmptySubsequences: false)[2] })
        }
        #expect(groups[0] == groups[1])
    }

    @Test("flags of the full layout: a bad --column-type, a column it does not name, metadata on a subset file")
    func flags() throws {
        #expect(Self.generated)
        let out = Self.base + "/flags"
        let badType = try run(out, ["--column-type", "KKK=fancy"])
        #expect(badType.status == 64 && badType.stderr.contains("--column-type wants NAME=TYPE"), "\(badType.stderr)")
        let unknown = try run(out, ["--column-type", "NOPE=ordinal"])
        #expect(unknown.status == 1 && unknown.stderr.contains("--column-type names 'NOPE', which the header does not have"), "\(unknown.stderr)")
        let mapped = try run(out, ["--column-type", "EXTSEL992=categorical,D19_SOZIALES=numeric"])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        #expect(summary.inputs.columnTypes?.first { $0.column == "D19_SOZIALES" }?.source == .userMapping)
        let notXLSX = try run(out, ["--metadata", Self.data + "/truth.json"])
        #expect(notXLSX.status == 1 && notXLSX.stderr.contains("truth.json: not an .xlsx file"), "\(notXLSX.stderr)")
    }
}
