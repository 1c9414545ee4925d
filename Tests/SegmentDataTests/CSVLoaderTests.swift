import Foundation
import Testing
import SegmentTestSupport
import SegmentCore
@_spi(Testing) @testable import SegmentData

@Suite("CSV loader")
struct CSVLoaderTests {
    @Test("cells: integers, floats, empty, text codes, quotes; columns matched by name")
    func cells() throws {
        let t = try load("CAMEO_DEU_2015;A;B;LNR\n8A;3;2.0;17\n\"XX\";-1;;18\n1A;\"4\";963.0;19\n")
        #expect(t.rowCount == 3)
        #expect(t.ignoredColumns == ["LNR"])
        #expect(t[0, 0] == 3 && t[0, 1] == 2)
        #expect(t[1, 0] == -1 && t[1, 1].isNaN)
        #expect(t[2, 0] == 4 && t[2, 1] == 963)
        #expect(t.dictionaries[2] == ["1A", "8A", "XX"])
        #expect(t.code(row: 0, column: 2) == .text("8A"))
        #expect(t.code(row: 1, column: 2) == .text("XX"))
        #expect(t.code(row: 1, column: 1) == nil)
        #expect(t.text(row: 2, column: 1) == "963")
    }

    @Test("CRLF, a BOM, blank lines, no final newline, comma delimiter")
    func variants() throws {
        let base = try load("A;B;CAMEO_DEU_2015\n1;2;3A\n4;;9E\n")
        for text in ["\u{FEFF}A;B;CAMEO_DEU_2015\r\n1;2;3A\r\n4;;9E\r\n",
                     "A;B;CAMEO_DEU_2015\n1;2;3A\n\n4;;9E",
                     "A,B,CAMEO_DEU_2015\n1,2,3A\n4,,9E\n",
                     "A;B;CAMEO_DEU_2015\n1;2;3A\r\n4;;9E\n\n\n"] {
            let t = try load(text)
            #expect(t.rowCount == 2)
            #expect(t.rowMajorValues().storage.map { $0.isNaN ? -999 : $0 } == base.rowMajorValues().storage.map { $0.isNaN ? -999 : $0 })
            #expect(t.dictionaries == base.dictionaries)
            #expect(t.text(row: 1, column: 0) == "4" && t.text(row: 1, column: 1) == "" && t.text(row: 1, column: 2) == "9E")
        }
    }

    @Test("parallel segments give the same table as one thread", arguments: [1, 2, 3])
    func parallel(_ threads: Int) throws {
        var lines = ["A;CAMEO_DEU_2015;B"]
        var g = SplitMix64(seed: 5)
        let codes = ["1A", "2B", "XX", "9E", ""]
        for _ in 0..<1000 {
            lines.append("\(g.nextInt(below: 9) - 1);\(codes[g.nextInt(below: 5)]);\(g.nextInt(below: 3) == 0 ? "" : "\(g.nextInt(below: 500)).0")")
        }
        let text = lines.joined(separator: "\n") + "\n"
        let one = try load(text, threads: 1, segmentRows: 100_000)
        let many = try load(text, threads: threads, segmentRows: 37)
        #expect(one.dictionaries == many.dictionaries)
        #expect(one.rowMajorValues().storage.map { $0.isNaN ? -999 : $0 } == many.rowMajorValues().storage.map { $0.isNaN ? -999 : $0 })
        // Schema order: A, B, CAMEO_DEU_2015.
        #expect(one.codes.widths == [.int8, .int16, .int8] && many.codes.widths == one.codes.widths)
    }

    @Test("a value that needs a wider column late in the file widens the whole column, exactly", arguments: [1, 2])
    func lateWideValue(_ threads: Int) throws {
        var lines = ["A;CAMEO_DEU_2015;B"]
        for i in 0..<500 { lines.append("\(i % 7);\(i % 2 == 0 ? "1A" : "");\(i % 5)") }
        lines.append("-32768;9E;0.5")
        lines.append("1082873;1A;-0")
        let t = try load(lines.joined(separator: "\n") + "\n", threads: threads, segmentRows: 64)
        // Schema order: A, B, CAMEO_DEU_2015.
        #expect(t.codes.widths == [.int32, .double, .int8])
        #expect(t[3, 0] == 3 && t[499, 1] == 4 && t[1, 2].isNaN)
        #expect(t[500, 0] == -32_768 && t[501, 0] == 1_082_873 && t[500, 1] == 0.5)
        #expect(t[501, 1] == 0 && t[501, 1].sign == .minus)
        #expect(t.text(row: 500, column: 2) == "9E" && t.text(row: 498, column: 2) == "1A")
    }

    @Test("a ragged row names the line and the counts")
    func ragged() {
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015\n1;2;3A\n1;2\n") }) {
            $0.description == "t.csv:3: expected 3 fields, found 2"
        }
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015\n1;2;3A;4\n") }) {
            $0.kind == .raggedRow(expected: 3, found: 4) && $0.line == 2
        }
    }

    @Test("text in a numeric column shows the text, the line and the column")
    func textInNumeric() {
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015\n1;2;3A\n1;abc;3A\n") }) {
            $0.description == "t.csv:3: column 'B' (field 2): text in a numeric column: \"abc\""
        }
    }

    @Test("inf, nan and out-of-range numbers are rejected", arguments: ["inf", "nan", "NaN", "-inf", "1e400", "0x10", "1.2.3", "--1"])
    func nonFinite(_ cell: String) {
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015\n1;\(cell);3A\n") }) { e in
            e.line == 2 && e.column == "B" && (e.kind == .notANumber(cell) || e.kind == .notFinite(cell))
        }
    }

    @Test("exponents and signs in numeric cells are numbers")
    func exponents() throws {
        let t = try load("A;B;CAMEO_DEU_2015\n+1;1e3;3A\n-2;2.5E-1;3A\n")
        #expect(t[0, 0] == 1 && t[0, 1] == 1000)
        #expect(t[1, 0] == -2 && t[1, 1] == 0.25)
    }

    @Test("an unterminated quote, and text after a closing quote")
    func quotes() {
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015\n1;2;\"3A\n") }) {
            $0.description == "t.csv:2: column 'CAMEO_DEU_2015' (field 3): unterminated quote"
        }
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015\n1;\"2\"x;3A\n") }) {
            $0.line == 2 && $0.column == "B" && $0.kind == .unexpectedAfterQuote("x")
        }
    }

    @Test("an empty file, a header only, an empty header")
    func empty() {
        expectDataError({ _ = try load("") }) { $0.description == "t.csv: the file is empty" }
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015\n") }) { $0.kind == .headerOnly }
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015") }) { $0.kind == .headerOnly }
        expectDataError({ _ = try load("A;B;CAMEO_DEU_2015\n\n\r\n") }) { $0.kind == .headerOnly }
    }

    @Test("invalid UTF-8 in a text cell, a numeric cell and the header")
    func invalidUTF8() {
        let head = Array("A;B;CAMEO_DEU_2015\n".utf8)
        expectDataError({ _ = try loadBytes(head + Array("1;2;".utf8) + [0xC3, 0x28] + [0x0A]) }) {
            $0.kind == .invalidUTF8 && $0.line == 2 && $0.column == "CAMEO_DEU_2015"
        }
        expectDataError({ _ = try loadBytes(head + Array("1;".utf8) + [0xFF] + Array(";3A\n".utf8)) }) {
            $0.kind == .invalidUTF8 && $0.line == 2 && $0.column == "B"
        }
        expectDataError({ _ = try loadBytes([0x41, 0xFF, 0x3B] + Array("B;CAMEO_DEU_2015\n1;2;3\n".utf8)) }) {
            $0.kind == .invalidUTF8 && $0.line == 1
        }
    }

    @Test("missing, duplicated and unknown columns")
    func header() throws {
        expectDataError({ _ = try load("A;CAMEO_DEU_2015\n1;3A\n") }) {
            $0.description == "t.csv:1: 1 schema column is missing from the header: B"
        }
        expectDataError({ _ = try load("A;B;B;CAMEO_DEU_2015\n1;2;2;3A\n") }) {
            $0.description == "t.csv:1: the header names a column more than once: B"
        }
        let t = try load("X;A;Y;B;CAMEO_DEU_2015\n0;1;0;2;3A\n")
        #expect(t.ignoredColumns == ["X", "Y"])
        #expect(t.rowMajorValues().row(0) == [1, 2, t[0, 2]])
    }

    /// 500 rows on 3 threads: the shares start at rows 0, 166 and 333, and their first 10 rows
    /// are parsed before the rest; row 170 is in the second share's first rows.
    @Test("the first bad row in file order is reported, whichever worker found it",
          arguments: [(123, 456), (123, 170), (5, 170), (170, 340)])
    func firstError(_ bad: Int, _ later: Int) {
        var lines = ["A;B;CAMEO_DEU_2015"]
        for i in 0..<500 { lines.append(i == bad || i == later ? "1;oops\(i);3A" : "1;2;3A") }
        let text = lines.joined(separator: "\n")
        expectDataError({ _ = try load(text, threads: 3, segmentRows: 10) }) {
            $0.line == bad + 2 && $0.kind == .notANumber("oops\(bad)")
        }
    }

    @Test("a bad row's line number is right wherever the workers' shares of the rows are cut",
          arguments: [(2, 4), (2, 7), (3, 5), (4, 1_000)])
    func lineNumbersAcrossShares(_ threads: Int, _ segmentRows: Int) {
        // 45 rows with blank lines (and a CR-only one) between some of them, so line and row
        // numbers drift apart; each row in turn is the bad one.
        let rows = 45
        for bad in 0..<rows {
            var lines = ["A;B;CAMEO_DEU_2015"]
            var badLine = 0
            for r in 0..<rows {
                if r % 6 == 2 { lines.append("") }
                if r % 11 == 5 { lines.append("\r") }
                lines.append(r == bad ? "1;x\(r);3A" : "\(r % 9);2.0;1A")
                if r == bad { badLine = lines.count }
            }
            let text = lines.joined(separator: "\n") + "\n"
            expectDataError({ _ = try load(text, threads: threads, segmentRows: segmentRows) }) {
                $0.line == badLine && $0.kind == .notANumber("x\(bad)")
            }
        }
    }

    @Test("a directory or a missing path is a clear error, and a file is opened read-only")
    func paths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segment-loader-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let loader = CSVLoader(schema: tinySchema, threads: 1)
        expectDataError({ _ = try loader.load(path: dir.path) }) { $0.kind == .isDirectory }
        expectDataError({ _ = try loader.load(path: dir.path + "/none.csv") }) {
            $0.description == "\(dir.path)/none.csv: cannot open the file: no such file or directory"
        }
        let file = dir.appendingPathComponent("ro.csv")
        try "A;B;CAMEO_DEU_2015\n1;2;3A\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file.path)
        let before = try Data(contentsOf: file)
        #expect(try loader.load(path: file.path).rowCount == 1)
        #expect(try Data(contentsOf: file) == before)
    }

    /// The table as comparable text: every value's bits (so -0 and the NaN payload count) and the
    /// dictionaries; or the error's message.
    static func outcome(_ text: String, fast: Bool, threads: Int, segmentRows: Int, spill: String? = nil) -> String {
        var loader = CSVLoader(schema: tinySchema, threads: threads)
        loader.segmentRows = segmentRows
        loader.fastPath = fast
        loader.spillDirectory = { _ in spill }
        return outcome(loader, Array(text.utf8))
    }

    static func outcome(_ loader: CSVLoader, _ bytes: [UInt8]) -> String {
        do {
            let t = try loader.load(bytes: bytes, name: "t.csv")
            return "\(t.rowMajorValues().storage.map(\.bitPattern)) \(t.dictionaries.sorted { $0.key < $1.key }.map(\.value))"
        } catch {
            return "\(error)"
        }
    }

    @Test("the fast parser and the exact parser agree on every kind of cell, row and line ending")
    func fastMatchesExact() throws {
        let good = ["3", "2.0", "", "-1", "1992.0", "13", "0.5", "1e3", "+4", " 7 ", "\"5\"", "-0", "-0.0", "5.", ".5",
                    "-.5", "12345678901234567", "007", "9.25", "1.50", "123456789012.125", "0", "9.0",
                    "13.0", "42", "-7", "10.0", "99", "-9.0", "13.5", "-12", "\"\"", "\" 7 \"", "\"2.0\"", "\"-1\""]
        let bad = ["-", ".", "x", "1-2", "1.2.3", "3\r", "W", "\"4", "1e", "é", "--1", "2.0.", "1 2",
                   "\"4\"x", "\"4\"\r", "4\"", "\"1;2\"", "\"\"\"\""]
        let codes = ["8A", "XX", "W", "1.0", "\"O\"", "", "é", "ABCDEFGHIJKL", "1A", " 2B", "\"a\"\"b\"",
                     "3", "03", "3.0", "03.0", "-3.0", "0.0", "12.0", "12.00", "1.5", "12345.0", "-1",
                     "\"1A\"", "\"\"", "\" 8A\"", "\"3.0\""]
        var g = SplitMix64(seed: 11)
        var cases = 0, errors = 0
        for trial in 0..<60 {
            let crlf = trial % 3 == 0
            let textFirst = (trial / 2) % 2 == 0   // with and without a bad row
            var lines = [textFirst ? "CAMEO_DEU_2015;LNR;B;A" : "A;B;CAMEO_DEU_2015"]
            let rows = 1 + g.nextInt(below: 40)
            let badRow = trial % 2 == 0 ? g.nextInt(below: rows) : -1
            for r in 0..<rows {
                func numeric() -> String { r == badRow && g.nextInt(below: 2) == 0 ? bad[g.nextInt(below: bad.count)] : good[g.nextInt(below: good.count)] }
                let code = codes[g.nextInt(below: codes.count)]
                let a = numeric(), b = numeric()
                lines.append(textFirst ? "\(code);\(g.nextInt(below: 1000));\(b);\(a)" : "\(a);\(b);\(code)")
                if g.nextInt(below: 15) == 0 { lines.append(crlf ? "\r" : "") }                // a blank line
                if r == badRow && g.nextInt(below: 3) == 0 { lines.append("1;2") }             // a ragged row
            }
            var text = lines.joined(separator: crlf ? "\r\n" : "\n")
            if trial % 5 != 0 { text += crlf ? "\r\n" : "\n" }
            for (threads, segmentRows) in [(1, 100_000), (2, 7), (3, 3)] {
                let exact = Self.outcome(text, fast: false, threads: threads, segmentRows: segmentRows)
                let fast = Self.outcome(text, fast: true, threads: threads, segmentRows: segmentRows)
                #expect(fast == exact, "trial \(trial), \(threads) threads, segments of \(segmentRows):\n\(text)")
                cases += 1
                if exact.hasPrefix("t.csv") { errors += 1 }
            }
        }
        // Both outcomes were exercised.
        #expect(errors > 20 && cases - errors > 20)
        // Rows that would line up with the next line's cells if a parser read past their end.
        let padding = String(repeating: "1;2;3A\r\n", count: 10)
        for text in ["A;B;CAMEO_DEU_2015\r\n\"1\";\"2\"\r\n7\r\n" + padding,
                     "A;B;CAMEO_DEU_2015\r\n\"1\";2\r\n7\r\n" + padding,
                     "A;B;CAMEO_DEU_2015\n1;\"2\"\n7\n" + padding.replacingOccurrences(of: "\r", with: "")] {
            #expect(Self.outcome(text, fast: true, threads: 1, segmentRows: 100) == Self.outcome(text, fast: false, threads: 1, segmentRows: 100))
            #expect(Self.outcome(text, fast: true, threads: 1, segmentRows: 100).contains("expected 3 fields, found 2"))
        }
    }

    @Test("a code first seen after the first segment: the dictionary is still sorted and every index right")
    func laterCodes() throws {
        var lines = ["A;B;CAMEO_DEU_2015"]
        for i in 0..<200 { lines.append("1;2;\(i < 50 ? "5C" : (i % 7 == 0 ? "0A" : (i % 11 == 0 ? "9E" : "5C")))") }
        let text = lines.joined(separator: "\n") + "\n"
        for (threads, segmentRows) in [(1, 100_000), (2, 10), (3, 1)] {
            let t = try load(text, threads: threads, segmentRows: segmentRows)
            #expect(t.dictionaries[2] == ["0A", "5C", "9E"])
            for i in 0..<200 {
                #expect(t.text(row: i, column: 2) == (i < 50 ? "5C" : (i % 7 == 0 ? "0A" : (i % 11 == 0 ? "9E" : "5C"))))
            }
        }
    }

    @Test("codes spilled as they are parsed make the same table, later text codes and wider values included")
    func spilledCodes() throws {
        let folder = processTemporaryFolder("segment-loader-spill")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lines = ["A;B;CAMEO_DEU_2015"]
        for i in 0..<300 {
            let a = i == 250 ? "70000" : (i % 13 == 0 ? "" : "\(i % 5)")
            let text = i < 50 ? "5C" : (i % 7 == 0 ? "0A" : (i % 11 == 0 ? "9E" : "5C"))
            lines.append("\(a);\(i % 9 == 0 ? "1.5" : "2");\(text)")
        }
        let text = lines.joined(separator: "\n") + "\n"
        for (threads, segmentRows) in [(1, 100_000), (2, 10), (3, 1)] {
            let held = Self.outcome(text, fast: true, threads: threads, segmentRows: segmentRows)
            let spilled = Self.outcome(text, fast: true, threads: threads, segmentRows: segmentRows, spill: folder)
            #expect(held.hasPrefix("[") && held.contains("0A"), "\(held)")
            #expect(spilled == held, "\(threads) threads, segments of \(segmentRows)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        // A spill folder that is not there is an error naming it, before any row is parsed.
        #expect(Self.outcome(text, fast: true, threads: 2, segmentRows: 10, spill: "/nonexistent/spill")
                    .contains("/nonexistent/spill"))
    }

    /// 3,000 rows of about 8 bytes in 4 KiB chunks (the least): six chunks to share out. A wide
    /// value, a text code and a blank line first seen late, decimals and empty cells.
    static let rangedText: String = {
        var lines = ["A;B;CAMEO_DEU_2015"]
        for i in 0..<3_000 {
            let a = i == 2_500 ? "70000" : (i % 13 == 0 ? "" : "\(i % 5)")
            let text = i < 1_000 ? "5C" : (i % 7 == 0 ? "0A" : (i > 2_900 && i % 11 == 0 ? "9E" : "5C"))
            if i > 2_000 && i % 97 == 0 { lines.append(i % 2 == 0 ? "" : "\r") }
            lines.append("\(a);\(i % 9 == 0 ? "1.5" : "2");\(text)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Where the loader's 4 KiB chunks start (and the file's end), found as it finds them.
    static func chunkStarts(_ bytes: [UInt8], chunkBytes: Int) -> [Int] {
        let nl = UInt8(ascii: "\n")
        var starts = [bytes.firstIndex(of: nl)! + 1]
        var nominal = starts[0] + chunkBytes
        while nominal < bytes.count {
            let s = bytes[nominal - 1] == nl ? nominal : (bytes[nominal...].firstIndex(of: nl).map { $0 + 1 } ?? bytes.count)
            if s >= bytes.count { break }
            if s > starts.last! { starts.append(s) }
            nominal = s + chunkBytes
        }
        return starts + [bytes.count]
    }

    /// Loads `bytes` on every rank of a group of `ranks` threads, rank `r` from `bytesFor(r)`; the
    /// outcome of each rank.
    static func rankedOutcomes(_ ranks: Int, spill: String? = nil, _ bytesFor: @escaping @Sendable (Int) -> [UInt8]) throws -> [String] {
        try ThreadRanks(size: ranks).run { rank in
            var loader = CSVLoader(schema: tinySchema, threads: 2)
            loader.segmentRows = 7
            loader.chunkBytes = 4_096
            loader.group = rank
            loader.spillDirectory = { _ in spill }
            return outcome(loader, bytesFor(rank.rank))
        }
    }

    /// Each rank is given a copy of the file whose bytes outside its own range (its share of the
    /// chunks) are all `x` but for the line ends: it can only end with the single loader's table if
    /// it parses its own range alone and takes the rest from the other ranks.
    @Test("ranks that each parse only their own byte range all join the single loader's table, to the bit, held or spilled",
          arguments: [2, 3, 9])
    func byteRanges(_ ranks: Int) throws {
        let bytes = Array(Self.rangedText.utf8)
        let starts = Self.chunkStarts(bytes, chunkBytes: 4_096)
        #expect(starts.count - 1 >= 6, "\(starts.count - 1) chunks")
        let single = Self.outcome(Self.rangedText, fast: true, threads: 2, segmentRows: 7)
        #expect(single.hasPrefix("[") && single.contains("9E"), "\(single)")
        let folder = processTemporaryFolder("segment-loader-ranks")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for spill in [nil, folder] {
            let outcomes = try Self.rankedOutcomes(ranks, spill: spill) { r in
                let share = ThreadRanks.Rank.share(of: starts.count - 1, rank: r, size: ranks)
                let own = starts[share.lowerBound]..<starts[share.upperBound]
                var copy = bytes
                for i in starts[0]..<copy.count where !own.contains(i) && copy[i] != UInt8(ascii: "\n") { copy[i] = UInt8(ascii: "x") }
                return copy
            }
            for (r, outcome) in outcomes.enumerated() {
                #expect(outcome == single, "rank \(r) of \(ranks), \(spill == nil ? "held" : "spilled"): \(outcome.prefix(200))")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test("ranks sharing a file out all throw the first bad row in the file, with the line the single loader names",
          arguments: [[2_950], [1_200, 2_950], [10, 2_950]])
    func byteRangeErrors(_ bad: [Int]) throws {
        var lines = Self.rangedText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for row in bad {
            // The data row `row` (blank lines counted as the loader counts them, from the header).
            var seen = -1, at = 0
            for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty && line != "\r" {
                seen += 1
                if seen == row { at = i; break }
            }
            lines[at] = "1;oops\(row);5C"
        }
        let text = lines.joined(separator: "\n")
        let single = Self.outcome(text, fast: true, threads: 2, segmentRows: 7)
        #expect(single.contains("oops\(bad[0])") && single.hasPrefix("t.csv:"), "\(single)")
        for ranks in [2, 3] {
            for (r, outcome) in try Self.rankedOutcomes(ranks, { _ in Array(text.utf8) }).enumerated() {
                #expect(outcome == single, "rank \(r) of \(ranks)")
            }
        }
    }

    @Test("a pipe, which cannot be mapped, is read all the same")
    func pipe() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("segment-fifo-\(getpid())").path
        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        var lines = ["A;B;CAMEO_DEU_2015"]
        for i in 0..<20_000 { lines.append("\(i % 9);\(i).0;\(i % 2 == 0 ? "1A" : "XX")") }
        let text = lines.joined(separator: "\n") + "\n"
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            text.utf8CString.withUnsafeBufferPointer { b in
                var done = 0
                while done < b.count - 1 { let r = write(fd, b.baseAddress! + done, b.count - 1 - done); if r <= 0 { break }; done += r }
            }
            close(fd)
        }
        writer.start()
        let t = try CSVLoader(schema: tinySchema, threads: 2).load(path: path)
        #expect(t.rowCount == 20_000)
        #expect(t[19_999, 1] == 19_999 && t.text(row: 19_998, column: 2) == "1A")
    }
}
