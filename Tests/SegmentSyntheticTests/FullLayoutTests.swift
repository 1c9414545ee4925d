import Foundation
import Testing
import SegmentCore
import SegmentTestSupport
@testable import SegmentData
@testable import SegmentSynthetic

/// The full-layout stand-in: shapes, quirks, missing blocks, the planted response, determinism, and
/// the DIAS spreadsheets read back to the published metadata.
@Suite("Full-layout generator", .serialized)
struct FullLayoutTests {
    static let rows = (population: 6_000, customers: 2_000, train: 3_000, test: 1_500)

    /// Written once per process: small files in a temporary folder.
    static let directory: String = {
        let dir = processTemporaryFolder("segment-full")
        let g = FullLayoutGenerator(populationRows: rows.population, customerRows: rows.customers,
                                    mailoutTrainRows: rows.train, mailoutTestRows: rows.test, seed: 7, threads: 2)
        _ = try! g.write(to: dir)
        return dir
    }()

    static func lines(_ file: String) throws -> [[Substring]] {
        let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: ";", omittingEmptySubsequences: false) }
    }

    @Test("every file has the published columns in the published order and its row count")
    func shapes() throws {
        for (file, name, n) in [(FullReference.File.population, FullLayoutGenerator.FileName.population, Self.rows.population),
                                (.customers, FullLayoutGenerator.FileName.customers, Self.rows.customers),
                                (.mailoutTrain, FullLayoutGenerator.FileName.mailoutTrain, Self.rows.train),
                                (.mailoutTest, FullLayoutGenerator.FileName.mailoutTest, Self.rows.test)] {
            let l = try Self.lines(name)
            #expect(l[0].map(String.init) == FullReference.header(file))
            #expect(l.count == n + 1)
            #expect(l.allSatisfy { $0.count == l[0].count })
        }
        #expect(FullReference.header(.population).count == 366)
        #expect(FullReference.header(.customers).count == 369)
        #expect(FullReference.header(.mailoutTrain).count == 367)
        #expect(Array(FullReference.header(.customers)[364...366]) == ["PRODUCT_GROUP", "CUSTOMER_GROUP", "ONLINE_PURCHASE"])
    }

    @Test("the quirks: mixed CAMEO spellings with X/XX, O/W, dates, int64 columns never empty, LNR ranges")
    func quirks() throws {
        let l = try Self.lines(FullLayoutGenerator.FileName.population)
        let h = l[0].map(String.init)
        func column(_ name: String) -> [Substring] { let c = h.firstIndex(of: name)!; return l.dropFirst().map { $0[c] } }
        let deug = column("CAMEO_DEUG_2015").filter { !$0.isEmpty }
        #expect(deug.contains { $0.hasSuffix(".0") } && deug.contains { !$0.hasSuffix(".0") && $0 != "X" })
        let deu = column("CAMEO_DEU_2015")
        for (d, g) in zip(deu, column("CAMEO_DEUG_2015")) {
            #expect(d.isEmpty == g.isEmpty)
            if d == "XX" { #expect(g == "X") } else if !d.isEmpty { #expect(g.hasPrefix(d.prefix(1))) }
        }
        #expect(Set(column("OST_WEST_KZ").filter { !$0.isEmpty }) == ["O", "W"])
        #expect(column("EINGEFUEGT_AM").filter { !$0.isEmpty }.allSatisfy { $0.count == 19 && $0.hasSuffix(" 00:00:00") })
        let lnr = column("LNR").map { Int($0)! }
        #expect(lnr.first == Self.rows.customers + 1 && lnr == Array(lnr.first!..<(lnr.first! + lnr.count)))
        for c in FullReference.columns where c.dtype == "int64" && c.populationPosition != nil {
            #expect(!column(c.name).contains { $0.isEmpty }, "\(c.name) is int64: never empty")
        }
        #expect(column("GEBURTSJAHR").contains("0"))
        // MAILOUT ids: TRAIN and TEST share 1...(train + test) without overlap.
        let train = try Self.lines(FullLayoutGenerator.FileName.mailoutTrain).dropFirst().map { Int($0[0])! }
        let test = try Self.lines(FullLayoutGenerator.FileName.mailoutTest).dropFirst().map { Int($0[0])! }
        #expect(Set(train + test) == Set(1...(Self.rows.train + Self.rows.test)))
    }

    @Test("columns of one published block are empty in the same rows, and customers are more incomplete")
    func blocks() throws {
        let l = try Self.lines(FullLayoutGenerator.FileName.population)
        let h = l[0].map(String.init)
        let byBlock = Dictionary(grouping: FullReference.columns.filter { ($0.block ?? 0) > 0 && $0.populationPosition != nil }, by: { $0.block! })
        for (_, cols) in byBlock {
            let idx = cols.map { h.firstIndex(of: $0.name)! }
            for row in l.dropFirst() {
                let empties = Set(idx.map { row[$0].isEmpty })
                #expect(empties.count == 1)
            }
        }
        func emptyShare(_ file: String, _ name: String) throws -> Double {
            let l = try Self.lines(file)
            let c = l[0].firstIndex(of: Substring(name))!
            return Double(l.dropFirst().filter { $0[c].isEmpty }.count) / Double(l.count - 1)
        }
        let pop = try emptyShare(FullLayoutGenerator.FileName.population, "EINGEFUEGT_AM")
        let cus = try emptyShare(FullLayoutGenerator.FileName.customers, "EINGEFUEGT_AM")
        #expect(abs(pop - 0.1045) < 0.015)
        #expect(abs(cus - 0.2605) < 0.025)
    }

    @Test("MAILOUT_TRAIN has exactly the published response rate, and the responders lean where customers do")
    func response() throws {
        let l = try Self.lines(FullLayoutGenerator.FileName.mailoutTrain)
        let c = l[0].firstIndex(of: "RESPONSE")!
        let positives = l.dropFirst().filter { $0[c] == "1" }.count
        #expect(positives == Int((Double(Self.rows.train) * FullLayoutGenerator.responseRate).rounded()))
        #expect(l.dropFirst().allSatisfy { $0[c] == "0" || $0[c] == "1" })
    }

    @Test("the same seed gives the same bytes with one thread or two")
    func determinism() throws {
        let dir = NSTemporaryDirectory() + "segment-full-1t-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try FullLayoutGenerator(populationRows: Self.rows.population, customerRows: Self.rows.customers,
                                    mailoutTrainRows: Self.rows.train, mailoutTestRows: Self.rows.test, seed: 7, threads: 1).write(to: dir)
        for name in [FullLayoutGenerator.FileName.population, FullLayoutGenerator.FileName.customers,
                     FullLayoutGenerator.FileName.mailoutTrain, FullLayoutGenerator.FileName.attributes, "truth.json"] {
            #expect(FileManager.default.contents(atPath: dir + "/" + name) == FileManager.default.contents(atPath: Self.directory + "/" + name), "\(name)")
        }
    }

    @Test("the generated DIAS spreadsheets read back to the published metadata")
    func spreadsheets() throws {
        let meta = try DIASMetadata.load(paths: [Self.directory + "/" + FullLayoutGenerator.FileName.attributes,
                                                 Self.directory + "/" + FullLayoutGenerator.FileName.levels])
        let published = DIASMetadata.published
        #expect(meta.attributes.count == 314)
        #expect(meta.attributes.map(\.name) == published.attributes.map(\.name))
        for (a, b) in zip(meta.attributes, published.attributes) {
            #expect(a.values == b.values, "\(a.name)")
            #expect(a.description == b.description, "\(a.name)")
            #expect(a.informationLevel == b.informationLevel, "\(a.name)")
        }
        let book = try Workbook.read(path: Self.directory + "/" + FullLayoutGenerator.FileName.attributes)
        #expect(book.sheets.map(\.name) == ["Tabelle1", "Tabelle2", "Tabelle3"])
        #expect(book["Tabelle1"]!.merged.count == 7)
        #expect(book["Tabelle1"]!.cells[.init(row: 2, column: 2)]?.text == "Attribute")
        #expect(book["Tabelle1"]!.cells.keys.allSatisfy { $0.column >= 2 && $0.row >= 2 })
    }

    @Test("type inference on the generated population: every column placed, with the expected types")
    func inference() throws {
        let meta = try DIASMetadata.load(paths: [Self.directory + "/" + FullLayoutGenerator.FileName.attributes])
        let result = try SchemaInference(metadata: meta).infer(path: Self.directory + "/" + FullLayoutGenerator.FileName.population)
        let d = Dictionary(uniqueKeysWithValues: result.decisions.map { ($0.column, $0) })
        #expect(result.decisions.count == 366)
        #expect(d["LNR"]?.type == .id)
        #expect(d["EINGEFUEGT_AM"]?.type == .date)
        #expect(d["D19_LETZTER_KAUF_BRANCHE"]?.type == .categorical)
        #expect(d["GEBURTSJAHR"]?.source == .featureSummary && d["GEBURTSJAHR"]?.missingCodes == ["0"])
        #expect(d["KBA13_ANZAHL_PKW"]?.type == .numeric)
        #expect(d["CAMEO_DEUG_2015"]?.missingCodes.contains("X") == true)
        #expect(d["D19_BANKEN_DIREKT"]?.metadataMatch == .rzSuffix)
        #expect(d["KBA05_ALTER1"]?.type == .ordinal)
        #expect(result.schema["EINGEFUEGT_AM"]?.isText == true)
    }
}
