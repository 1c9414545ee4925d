import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis

/// Writes a run's files into the output folder. Every file first goes to a temporary name in that
/// folder; only when all of them are complete are they renamed into place, so a failed or
/// interrupted run leaves the previous report as it was.
public enum RunOutputs {
    public static let files = ["report.html", "report.md", "summary.json", "run_info.json",
                               "population_assignments.csv", "customers_assignments.csv", "model.json"]

    /// Fails when `directory` already holds a report and `force` is false. Creates nothing: the folder
    /// appears only when the report is complete (`write`), so a failed run leaves none behind.
    /// `files` and `what`: the files that make up a previous result and what to call it (a run's
    /// report by default; `segment train` passes its own).
    public static func prepare(_ directory: String, force: Bool, files: [String] = files,
                               what: String = "report") throws {
        // What a killed run left beside the folder goes first, however early this run is stopped.
        StagedFolder.removeLeftovers(of: directory)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw OutputError(file: directory, message: "the output path exists and is not a folder")
            }
            let existing = files.filter { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) }
            if !existing.isEmpty && !force {
                throw OutputError(file: directory, message: "holds a previous \(what) (\(existing.joined(separator: ", ")))",
                                  remedy: .allowReplacing)
            }
        }
    }

    /// The names a run may write, the exported matrices included: what `StagedFolder.commit` does
    /// not carry over from a previous report.
    public static let ownNames: Set<String> = Set(files + ["population_cleaned.npy", "population_cleaned.names.txt",
                                                           "population_cleaned.rows.txt", "population_pca.npy",
                                                           "population_pca.names.txt"])

    /// Writes every file into a staging folder beside `directory`, then replaces the folder with it
    /// in one step: a reader sees the whole previous report or the whole new one.
    public static func write(_ result: Pipeline.Result, summary: RunSummary, info: RunInfo, to directory: String,
                             exportMatrices: Bool, threads: Int = 1) throws {
        try StagedFolder.replace(directory, ours: ownNames) { folder in
            func write(_ name: String, _ bytes: [UInt8]) throws { try AtomicFile.write(bytes, to: folder.path(name)) }
            // The population's assignments (about 60 MB, 1.4 GB at 20 M rows) are written first,
            // formatted in row blocks on `threads` workers and streamed to the file a block per
            // worker at a time; then the other files are written by one task each.
            try AtomicFile.write(to: folder.path("population_assignments.csv")) { file in
                try AssignmentsCSV.stream(result.population, comparison: result.comparison, threads: threads) { try file.write($0) }
            }
            let tasks: [() throws -> Void] = [
                { try write("customers_assignments.csv", AssignmentsCSV.render(result.customers, comparison: result.comparison, threads: 1)) },
                { try write("model.json", try SegmentJSON.fileBytes(result.fitted)) },
                { try write("summary.json", try SegmentJSON.fileBytes(summary)) },
                { try write("report.html", Array(HTMLReport.render(summary).utf8)) },
                { try write("report.md", Array(MarkdownReport.render(summary).utf8)) },
                { try write("run_info.json", try SegmentJSON.fileBytes(info)) },
            ]
            let failures = Parallel.map(tasks.count, workers: threads, schedule: .dynamic) { i -> (any Error)? in
                do { try tasks[i](); return nil } catch { return error }
            }
            // The first failure in the list's order, whichever worker met it first.
            if let failure = failures.compactMap({ $0 }).first { throw failure }
            if exportMatrices {
                if let cleaned = result.cleanedPopulation {
                    try NPYWriter.write(cleaned.matrix, to: folder.path("population_cleaned.npy"), names: cleaned.featureNames,
                                        namesPath: folder.path("population_cleaned.names.txt"))
                    try AtomicFile.write(cleaned.lowRows.map { String($0) }.joined(separator: "\n") + "\n",
                                         to: folder.path("population_cleaned.rows.txt"))
                }
                if let projected = result.projectedPopulation {
                    try NPYWriter.write(projected, to: folder.path("population_pca.npy"),
                                        names: (1...projected.columns).map { "PC\($0)" },
                                        namesPath: folder.path("population_pca.names.txt"))
                }
            }
        }
    }
}
