import Foundation
import Testing
import SegmentTestSupport
@testable import SegmentData
@testable import SegmentSynthetic
@testable import SegmentAnalysis

/// `segment train` and `segment predict` through the built binary, on small generated full-layout
/// files: the model, the Kaggle-format predictions, determinism, and the errors of bad inputs.
@Suite("The response model, end to end", .serialized)
struct ResponseRunTests {
    static let base = processTemporaryFolder("segment-response")
    static let data = base + "/data"
    static func file(_ name: String) -> String { data + "/" + name }

    static let generated: Bool = {
        let r = try? runBinary(["generate", "--layout", "full", "-o", data, "--population-rows", "6000", "--customer-rows", "2000",
                                "--mailout-train-rows", "4000", "--mailout-test-rows", "1500", "--seed", "11"])
        return r?.status == 0
    }()

    func train(_ out: String, trainFile: String = file(FullLayoutGenerator.FileName.mailoutTrain), _ extra: [String] = []) throws -> Outcome {
        try runBinary(["train", "--train", trainFile, "--population", Self.file(FullLayoutGenerator.FileName.population),
                       "--customers", Self.file(FullLayoutGenerator.FileName.customers), "-o", out, "--k", "5",
                       "--folds", "3", "--rounds", "60", "--quiet", "--force"] + extra)
    }

    @Test("train, then predict: the Kaggle format, every test row once, the same bytes with one thread or two")
    func trainAndPredict() throws {
        #expect(Self.generated)
        let out = Self.base + "/model"
        let t = try train(out)
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("cross-validated ROC AUC: boosted trees"))
        let summary = try JSONDecoder().decode(ResponseEvaluation.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/response_summary.json")))
        #expect(summary.rows == 4000 && summary.positives == 50 && summary.folds.count == 2)
        // Fold 0 is held out; the other two are the tuning folds the settings search uses.
        #expect(summary.folds.reduce(0) { $0 + $1.positives } + summary.heldOut.positives == 50)
        #expect(summary.search.count == 6 && summary.search.contains { $0.settings == summary.chosenSettings })
        #expect(summary.permutationImportance.map(\.feature) == summary.importance.map(\.feature))
        #expect(summary.search.first { $0.settings == summary.chosenSettings }!.meanROCAUC == summary.search.map(\.meanROCAUC).max())
        // The planted driver: the boosted model is better than chance on held-out folds.
        #expect(summary.boostedROCAUC.mean > 0.6, "\(summary.boostedROCAUC)")
        let report = try String(contentsOfFile: out + "/response_report.md", encoding: .utf8)
        #expect(report.contains("## Settings search and the held-out fold") && report.contains("## Response rate by segment"))
        let html = try String(contentsOfFile: out + "/response_report.html", encoding: .utf8)
        #expect(parsesAsXML(html))
        #expect(html.contains("share of responders reached") && html.contains("<polyline") && html.contains("viewBox"))
        if chromiumInstalled {
            // On a phone and a desktop: every chart and line within the window (scripts/report-check.sh).
            let check = try runBinary(path: "/bin/bash", [ReportBrowserTests.repository + "/scripts/report-check.sh", out + "/response_report.html"])
            #expect(check.status == 0 && check.stdout.split(separator: "\n").count == 2, "\(check.stdout)")
        }
        var outputs: [Data] = []
        for threads in ["1", "2"] {
            let p = try runBinary(["predict", "--model", out + "/response_model.json", "--input", Self.file(FullLayoutGenerator.FileName.mailoutTest),
                                   "-o", Self.base + "/pred-\(threads).csv", "--threads", threads])
            #expect(p.status == 0, "\(p.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: Self.base + "/pred-\(threads).csv")))
        }
        #expect(outputs[0] == outputs[1])
        // The overwrite rule of every command that writes, and the file as the argument, as for `score`.
        let again = ["predict", "--model", out + "/response_model.json", Self.file(FullLayoutGenerator.FileName.mailoutTest),
                     "-o", Self.base + "/pred-1.csv"]
        let refused = try runBinary(again)
        #expect(refused.status == 1 && refused.stderr.contains("pred-1.csv") && refused.stderr.contains("--force"), "\(refused.stderr)")
        let forced = try runBinary(again + ["--force"])
        #expect(forced.status == 0 && FileManager.default.contents(atPath: Self.base + "/pred-1.csv") == outputs[0])
        let lines = String(decoding: outputs[0], as: UTF8.self).split(separator: "\n")
        #expect(lines[0] == "LNR,RESPONSE" && lines.count == 1501)
        let testIDs = try String(contentsOfFile: Self.file(FullLayoutGenerator.FileName.mailoutTest), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ";")[0] }
        #expect(lines.dropFirst().map { $0.split(separator: ",")[0] } == Array(testIDs))
        #expect(lines.dropFirst().allSatisfy { l in Double(l.split(separator: ",")[1]).map { $0 >= 0 && $0 <= 1 } ?? false })
        // A second training run gives the same model.
        let secondModel = Self.base + "/model-again"
        #expect(try train(secondModel).status == 0)
        #expect(FileManager.default.contents(atPath: out + "/response_model.json") == FileManager.default.contents(atPath: secondModel + "/response_model.json"))
    }

    @Test("bad inputs: no RESPONSE, a RESPONSE that is not 0/1, a model of another kind; nothing written")
    func badInputs() throws {
        #expect(Self.generated)
        let out = Self.base + "/bad"
        let noResponse = try train(out, trainFile: Self.file(FullLayoutGenerator.FileName.mailoutTest))
        #expect(noResponse.status == 1 && noResponse.stderr.contains("no RESPONSE column"), "\(noResponse.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // RESPONSE 2 on the first data row.
        var lines = try String(contentsOfFile: Self.file(FullLayoutGenerator.FileName.mailoutTrain), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let col = lines[0].split(separator: ";").firstIndex(of: "RESPONSE")!
        var cells = lines[1].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        cells[col] = "2"
        lines[1] = cells.joined(separator: ";")
        let badFile = Self.base + "/bad_train.csv"
        try lines.joined(separator: "\n").write(toFile: badFile, atomically: true, encoding: .utf8)
        let badValue = try train(out, trainFile: badFile)
        #expect(badValue.status == 1 && badValue.stderr.contains("bad_train.csv:2: column 'RESPONSE': \"2\" is not 0 or 1"), "\(badValue.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // A segmentation model is not a response model.
        let runOut = Self.base + "/run"
        let r = try runBinary(["run", "--population", Self.file(FullLayoutGenerator.FileName.population),
                               "--customers", Self.file(FullLayoutGenerator.FileName.customers), "-o", runOut, "--k", "4", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let wrong = try runBinary(["predict", "--model", runOut + "/model.json", "--input", Self.file(FullLayoutGenerator.FileName.mailoutTest),
                                   "-o", Self.base + "/never.csv"])
        #expect(wrong.status == 1 && wrong.stderr.contains("not a response model written by `segment train`"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: Self.base + "/never.csv"))
    }
}
