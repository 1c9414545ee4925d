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

    /// Fails when `directory` already holds a report and `force` is false. Returns whether it created
    /// the folder (a failed run then removes it again: `removeIfEmpty`).
    @discardableResult
    public static func prepare(_ directory: String, force: Bool) throws -> Bool {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw OutputError(file: directory, message: "the output path exists and is not a folder")
            }
            let existing = files.filter { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) }
            if !existing.isEmpty && !force {
                throw OutputError(file: directory, message: "holds a previous report (\(existing.joined(separator: ", ")))",
                                  remedy: .allowReplacing)
            }
            return false
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw OutputError(file: directory, message: "cannot create the output folder")
            }
            return true
        }
    }

    /// Removes `directory` when it is empty: the folder a failed run created, so that a failure
    /// leaves nothing behind.
    public static func removeIfEmpty(_ directory: String) {
        if let items = try? FileManager.default.contentsOfDirectory(atPath: directory), items.isEmpty {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Stages every file, then commits them all.
    public static func write(_ result: Pipeline.Result, summary: RunSummary, info: RunInfo, to directory: String,
                             exportMatrices: Bool) throws {
        func path(_ n: String) -> String { (directory as NSString).appendingPathComponent(n) }
        var staged: [AtomicFile] = []
        func stage(_ name: String, _ bytes: [UInt8]) throws {
            let f = try AtomicFile(path: path(name))
            staged.append(f)
            try f.write(bytes)
        }
        do {
            try stage("summary.json", try SegmentJSON.fileBytes(summary))
            try stage("run_info.json", try SegmentJSON.fileBytes(info))
            try stage("model.json", try SegmentJSON.fileBytes(result.fitted))
            try stage("population_assignments.csv", AssignmentsCSV.render(result.population, comparison: result.comparison))
            try stage("customers_assignments.csv", AssignmentsCSV.render(result.customers, comparison: result.comparison))
            try stage("report.md", Array(MarkdownReport.render(summary).utf8))
            try stage("report.html", Array(HTMLReport.render(summary).utf8))
            for f in staged { try f.commit() }
        } catch {
            for f in staged { f.abandon() }
            throw error
        }
        if exportMatrices {
            if let cleaned = result.cleanedPopulation {
                try NPYWriter.write(cleaned.matrix, to: path("population_cleaned.npy"), names: cleaned.featureNames,
                                    namesPath: path("population_cleaned.names.txt"))
                try AtomicFile.write(cleaned.lowRows.map { String($0 + 1) }.joined(separator: "\n") + "\n",
                                     to: path("population_cleaned.rows.txt"))
            }
            if let projected = result.projectedPopulation {
                try NPYWriter.write(projected, to: path("population_pca.npy"),
                                    names: (1...projected.columns).map { "PC\($0)" }, namesPath: path("population_pca.names.txt"))
            }
        }
    }
}
