import Foundation
import Testing
import SegmentTestSupport
import SegmentCore
@testable import SegmentData

@Suite("Feature summary parsing")
struct FeatureSchemaTests {
    @Test("the embedded schema has the published shape")
    func embedded() {
        let s = FeatureSchema.azdias
        #expect(s.count == 85)
        let types = Dictionary(grouping: s.features, by: \.type).mapValues(\.count)
        #expect(types[.ordinal] == 49 && types[.categorical] == 21 && types[.numeric] == 7
                && types[.mixed] == 7 && types[.interval] == 1)
        #expect(s["CAMEO_DEUG_2015"]?.missingCodes == [.number(-1), .text("X")])
        #expect(s["CAMEO_DEU_2015"]?.missingCodes == [.text("XX")])
        #expect(s["GFK_URLAUBERTYP"]?.missingCodes == [])
        #expect(s.features.filter(\.isText).map(\.name).sorted()
                == ["CAMEO_DEUG_2015", "CAMEO_DEU_2015", "CAMEO_INTL_2015", "OST_WEST_KZ"])
        #expect(s.features.filter { $0.missingCodes.isEmpty }.count == 10)
        #expect(AZDIASReference.factsByName["WOHNLAGE"]!.validCodes.compactMap(\.number) == [0, 1, 2, 3, 4, 5, 7, 8])
        #expect(AZDIASReference.factsByName["CAMEO_DEU_2015"]!.validCodes.count == 44)
    }

    @Test("the canonical file parses to the embedded schema")
    func canonical() throws {
        #expect(canonicalSummary.utf8.count == 3156)   // the published canonical copy is 3,156 bytes
        #expect(try parseSummary(canonicalSummary) == FeatureSchema.azdias)
    }

    @Test("circulating variants parse to the same schema",
          arguments: ["crlf", "bom", "trailing-comma", "trailing-semicolon", "stray-space", "no-final-newline", "all"])
    func variants(_ variant: String) throws {
        var text = canonicalSummary
        if variant == "stray-space" || variant == "all" {
            text = text.replacingOccurrences(of: "RELAT_AB;community;ordinal", with: "RELAT_AB;community; ordinal")
                .replacingOccurrences(of: "KKK;region_rr1;ordinal;[-1,0]", with: " KKK ; region_rr1 ;ordinal; [-1, 0] ")
        }
        if variant == "trailing-comma" || variant == "all" {
            text = text.split(separator: "\n").map { $0 + "," }.joined(separator: "\n") + "\n"
        }
        if variant == "trailing-semicolon" {
            text = text.split(separator: "\n").map { $0 + ";" }.joined(separator: "\n") + "\n"
        }
        if variant == "no-final-newline" || variant == "all" { text.removeLast() }
        if variant == "crlf" || variant == "all" { text = text.replacingOccurrences(of: "\n", with: "\r\n") }
        if variant == "bom" || variant == "all" { text = "\u{FEFF}" + text }
        #expect(try parseSummary(text) == FeatureSchema.azdias)
    }

    @Test("missing lists: letters unquoted, quotes and spaces tolerated")
    func missingLists() {
        #expect(FeatureSchema.parseMissingList("[-1,0]") == [.number(-1), .number(0)])
        #expect(FeatureSchema.parseMissingList("[-1,X]") == [.number(-1), .text("X")])
        #expect(FeatureSchema.parseMissingList("[XX]") == [.text("XX")])
        #expect(FeatureSchema.parseMissingList("[]") == [])
        #expect(FeatureSchema.parseMissingList("[ -1 , 'XX' ]") == [.number(-1), .text("XX")])
        for bad in ["-1,0", "[-1,0", "-1,0]", "[-1,,0]", "[-1 0]", "[1-]", "[a b]", "[", "[,]"] {
            #expect(FeatureSchema.parseMissingList(bad) == nil, "\(bad) should be rejected")
        }
    }

    @Test("an unknown type names the file, line and the type")
    func unknownType() {
        let text = canonicalSummary.replacingOccurrences(of: "ANREDE_KZ;person;categorical", with: "ANREDE_KZ;person;nominal")
        expectDataError({ _ = try parseSummary(text, file: "f.csv") }) { e in
            e.line == 4 && e.kind == .unknownType("nominal")
                && e.description == "f.csv:4: column 'type' (field 3): unknown type 'nominal' (expected one of: ordinal, categorical, numeric, mixed, interval, id, date)"
        }
    }

    @Test("a broken missing list names the file and line")
    func brokenList() {
        let text = canonicalSummary.replacingOccurrences(of: "AGER_TYP;person;categorical;[-1,0]", with: "AGER_TYP;person;categorical;[-1,0")
        expectDataError({ _ = try parseSummary(text, file: "f.csv") }) { e in
            e.line == 2 && e.kind == .malformedMissingList("[-1,0") && e.description.hasPrefix("f.csv:2: column 'missing_or_unknown'")
        }
    }

    @Test("a duplicated attribute names both lines")
    func duplicate() {
        let text = canonicalSummary + "AGER_TYP;person;categorical;[-1,0]\n"
        expectDataError({ _ = try parseSummary(text, file: "f.csv") }) { e in
            e.line == 87 && e.kind == .duplicateAttribute(name: "AGER_TYP", firstLine: 2)
        }
    }

    @Test("a wrong header, an empty file, a header only, a short row, bad UTF-8")
    func structural() {
        expectDataError({ _ = try parseSummary("name;level;type;missing\nA;person;ordinal;[]\n") }) {
            $0.line == 1 && $0.description.contains("expected the header 'attribute;information_level;type;missing_or_unknown'")
        }
        expectDataError({ _ = try parseSummary("") }) { $0.kind == .emptyFile }
        expectDataError({ _ = try parseSummary("\n\n") }) { $0.kind == .emptyFile }
        expectDataError({ _ = try parseSummary(FeatureSchema.header + "\n") }) { $0.kind == .headerOnly }
        expectDataError({ _ = try parseSummary(FeatureSchema.header + "\nA;person;ordinal\n") }) {
            $0.line == 2 && $0.kind == .wrongFieldCount(expected: 4, found: 3)
        }
        expectDataError({ _ = try FeatureSchema.parse(Array(FeatureSchema.header.utf8) + [0x0A, 0x41, 0xFF, 0x3B], file: "f") }) {
            $0.line == 2 && $0.kind == .invalidUTF8
        }
    }

    @Test("a directory or a missing path is a clear error")
    func paths() throws {
        let dir = FileManager.default.temporaryDirectory.path
        expectDataError({ _ = try FeatureSchema.load(path: dir) }) { $0.kind == .isDirectory && $0.file == dir }
        expectDataError({ _ = try FeatureSchema.load(path: dir + "/no-such-file.csv") }) {
            $0.kind == .cannotOpen(reason: "no such file or directory")
        }
    }
}
