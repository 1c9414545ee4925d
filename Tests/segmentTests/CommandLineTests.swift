import ArgumentParser
import Foundation
import Testing
import SegmentTestSupport
@testable import segment
@testable import segment_bench
@testable import SegmentCore
@testable import SegmentData
@testable import SegmentModels
@testable import SegmentAnalysis
@testable import SegmentSynthetic
@testable import SegmentReports

/// Parses a command line in-process and returns the error's exit code (0 when it parses).
func exitCode(_ args: [String]) -> Int32 {
    do {
        _ = try Segment.parseAsRoot(args)
        return 0
    } catch {
        return Segment.exitCode(for: error).rawValue
    }
}

@Suite("Command-line parsing, in process")
struct CommandLineTests {
    @Test("run: defaults and every decision as a flag")
    func run() throws {
        let r = try Run.parse(["--population", "p.csv", "--customers", "c.csv"])
        #expect(r.output == "out" && r.model.backend == .openblas && r.model.k == nil && !r.force)
        #expect(r.model.config.components == .count(30) && r.model.config.sweep == 2...20)
        let full = try Run.parse(["--population", "p", "--customers", "c", "-o", "dir", "--features", "f.csv",
                                  "--column-threshold", "0.4", "--row-threshold", "25", "--multi-level", "drop",
                                  "--max-one-hot-levels", "10", "--lebensphase", "keep", "--fine-pairs", "both",
                                  "--drop-columns", "A", "B", "--impute", "most-frequent", "--components", "0.85",
                                  "--k", "9", "--k-range", "3-12", "--sweep-sample", "0", "--n-init", "5",
                                  "--max-iterations", "50", "--tolerance", "0.001", "--seed", "7", "--backend", "swift",
                                  "--kmeans-algorithm", "lloyd", "--sweep-start", "fresh",
                                  "--threads", "1", "--export-matrices", "--quiet", "--force"])
        let o = full.cleaning.options
        #expect(o.columnMissingThreshold == 0.4 && o.rowThreshold == .count(25) && o.multiLevel == .drop)
        #expect(o.maxOneHotLevels == 10 && o.lebensphase == .keep && o.finePairs == .both && o.dropColumns == ["A", "B"])
        let c = full.model.config
        #expect(c.imputation == .mostFrequent && c.components == .varianceFraction(0.85) && c.k == 9)
        #expect(c.sweep == 3...12 && c.sweepSample == nil && c.nInit == 5 && c.maxIterations == 50)
        #expect(c.tolerance == 0.001 && c.seed == 7 && full.model.backend == .swift && full.input.threads == 1)
        #expect(c.kmeansAlgorithm == .lloyd && c.sweepStart == .fresh)
        #expect(r.model.config.kmeansAlgorithm == .hamerly && r.model.config.sweepStart == .warm)
        #expect(full.exportMatrices && full.quiet && full.force && full.input.features == "f.csv")
        // --k alone skips the sweep; with an explicit range the sweep still runs, as evidence.
        #expect(try Run.parse(["--population", "p", "--customers", "c", "--k", "4"]).model.config.sweep == nil)
        #expect(try Run.parse(["--population", "p", "--customers", "c", "--k", "4", "--k-range", "2-8"]).model.config.sweep == 2...8)
        #expect(try Run.parse(["--population", "p", "--customers", "c", "--k-range", "none", "--k", "4"]).model.config.sweep == nil)
        // Comma lists and scikit-learn's spellings.
        let lists = try Run.parse(["--population", "p", "--customers", "c", "--drop-columns", "A,B", "--drop-columns", "C",
                                   "--impute", "most_frequent"])
        #expect(lists.cleaning.options.dropColumns == ["A", "B", "C"] && lists.model.config.imputation == .mostFrequent)
    }

    @Test("invalid flag sets exit 64", arguments: [
        ["run", "--customers", "c"],
        ["run", "--population", "p", "--customers", "c", "--k", "0"],
        ["run", "--population", "p", "--customers", "c", "--k-range", "2-100000"],
        ["run", "--population", "p", "--customers", "c", "--k-range", "5-2"],
        ["run", "--population", "p", "--customers", "c", "--k-range", "none"],
        ["run", "--population", "p", "--customers", "c", "--components", "0"],
        ["run", "--population", "p", "--customers", "c", "--components", "1.5"],
        ["run", "--population", "p", "--customers", "c", "--row-threshold", "many"],
        ["run", "--population", "p", "--customers", "c", "--column-threshold", "2"],
        ["run", "--population", "p", "--customers", "c", "--backend", "cuda"],
        ["run", "--population", "p", "--customers", "c", "--impute", "zero"],
        ["run", "--population", "p", "--customers", "c", "--threads", "0"],
        ["run", "--population", "p", "--customers", "c", "--delimiter", "|"],
        ["run", "--population", "p", "--customers", "c", "--n-init", "0"],
        ["run", "--population", "p", "--customers", "c", "--kmeans-algorithm", "elkan"],
        ["run", "--population", "p", "--customers", "c", "--sweep-start", "cold"],
        ["run", "--population", "p", "--customers", "c", "--bogus"],
        ["describe"],
        ["describe", "f.csv", "--multi-level", "maybe"],
        ["fit", "--population", "p"],
        ["score", "--input", "x.csv"],
        ["score", "--model", "m.json"],
        ["score", "--model", "m.json", "x.csv", "--input", "y.csv"],
        ["describe", "a.csv", "--input", "b.csv"],
        ["score", "--model", "m.json", "--input", "x.csv", "--threads", "0"],
        ["generate", "--population-rows", "-1"],
        ["generate", "--population-rows", "0"],
        ["run", "--population", "p", "--customers", "c", "--threads", "100000"],
        ["generate", "--seed", "abc"],
        ["check"],
        ["check", "f.csv", "--tolerance", "0"],
        ["bench", "--stages", "nonsense"],
        ["bench", "--rows", "0"],
        ["nosuchcommand"],
    ])
    func invalid(_ args: [String]) {
        #expect(exitCode(args) == 64, "\(args)")
    }

    @Test("valid flag sets of the other commands")
    func others() throws {
        #expect(exitCode(["describe", "f.csv", "--top", "5", "--features", "s.csv", "--row-threshold", "auto"]) == 0)
        let f = try Fit.parse(["--population", "p", "--customers", "c", "--model", "m.json", "--k", "4", "--force"])
        #expect(f.model == "m.json" && f.modelFlags.k == 4 && f.force)
        let s = try Score.parse(["--model", "m.json", "--input", "x.csv", "-o", "out.csv", "--backend", "swift"])
        #expect(s.model == "m.json" && s.output == "out.csv" && s.backend == .swift)
        let g = try Generate.parse(["-o", "d", "--population-rows", "10", "--customer-rows", "5", "--seed", "3"])
        #expect(g.output == "d" && g.populationRows == 10 && g.customerRows == 5 && g.seed == 3)
        let c = try Check.parse(["f.csv", "--tolerance", "0.05"])
        #expect(c.file == "f.csv" && c.tolerance == 0.05)
        // One input style: the file as the argument or as --input, for describe, check and score.
        #expect(try Check.parse(["--input", "f.csv"]).file == "f.csv" && (try Describe.parse(["--input", "f.csv"]).file) == "f.csv")
        #expect(try Score.parse(["--model", "m.json", "x.csv"]).input == "x.csv" && (try Describe.parse(["f.csv"]).file) == "f.csv")
        let b = try segment_bench.Bench.parse(["--stages", "linalg", "load", "--repeat", "2", "--rows", "1000"])
        #expect(b.stages == ["linalg", "load"] && b.repeat == 2 && b.rows == 1000)
    }

    @Test("the shipped tool has only user commands; the benchmarks and their probes live in segment-bench")
    func benchmarksOutOfTheProduct() throws {
        let names = Segment.configuration.subcommands.map { $0._commandName }
        #expect(names == ["run", "describe", "fit", "score", "train", "predict", "generate", "check"])
        let bench = SegmentBench.configuration.subcommands.map { $0._commandName }
        #expect(bench == ["run", "probe-load", "probe-clean", "probe-logistic"])
        #expect(try SegmentBench.parseAsRoot([]) is segment_bench.Bench)
    }

    @Test("--help of every command is complete")
    func help() {
        for command in ["run", "describe", "fit", "score", "generate", "check"] {
            let text = Segment.helpMessage(for: Segment.self, columns: 120)
            #expect(text.contains(command))
        }
        let runHelp = Run.helpMessage(columns: 200)
        for flag in ["--population", "--customers", "--output", "--features", "--column-threshold", "--row-threshold",
                     "--multi-level", "--impute", "--components", "--k ", "--k-range", "--n-init", "--max-iterations",
                     "--tolerance", "--seed", "--backend", "--threads", "--export-matrices", "--force", "--quiet",
                     "--kmeans-algorithm", "--sweep-start"] {
            #expect(runHelp.contains(flag), "run --help lacks \(flag)")
        }
    }
}
