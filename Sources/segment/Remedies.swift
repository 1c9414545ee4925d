import ArgumentParser
import Foundation
import SegmentCore

/// The library's remedies in this command line's words: the only place that knows the flags.
extension Remedy {
    var advice: String {
        switch self {
        case .giveDelimiter: return "use --delimiter"
        case .raiseRowThreshold: return "raise --row-threshold"
        case .raiseColumnThreshold: return "raise --column-threshold"
        case .checkDropColumns: return "check --drop-columns"
        case .giveK: return "give --k, or a --k-range for the sweep to suggest one"
        case .allowReplacing: return "use --force to replace it"
        }
    }
}

/// A library error with its remedy appended as a flag: `...: nothing to cluster (raise --row-threshold)`.
struct AdvisedError: Error, CustomStringConvertible {
    let underlying: Error
    let remedy: Remedy

    var description: String {
        let text = "\(underlying)"   // its description, when it has one
        return remedy == .allowReplacing ? "\(text); \(remedy.advice)" : "\(text) (\(remedy.advice))"
    }

    /// `error` with its remedy worded, or `error` itself when it has none.
    static func wording(_ error: Error) -> Error {
        // A Foundation error that reached the top (every file operation the tool knows of wraps
        // its own, naming the file): its plain reason, never the NSError dump.
        if error is CocoaError || type(of: error) is NSError.Type {
            return PlainError(description: OutputError.reason(error))
        }
        guard let remediable = error as? RemediableError, let remedy = remediable.remedy else { return error }
        return AdvisedError(underlying: error, remedy: remedy)
    }
}

struct PlainError: Error, CustomStringConvertible {
    let description: String
}

/// The most threads any command starts: more than any machine it runs on has cores, few enough that
/// a typo (`--threads 100000`) is an error rather than a silent cap.
let maxThreads = 1024

/// The `--threads` rule every command shares.
func checkThreads(_ threads: Int) throws {
    guard (1...maxThreads).contains(threads) else {
        throw ValidationError("--threads must be between 1 and \(maxThreads), not \(threads)")
    }
}

/// One input style for `describe`, `check` and `score`: the file as the argument or as `--input`.
struct InputFileArgument: ParsableArguments {
    @Argument(help: "The file to read (or give it as --input).")
    var file: String?

    @Option(name: .customLong("input"), help: "The file to read (the same as the argument).")
    var inputFile: String?

    func validate() throws {
        guard (file == nil) != (inputFile == nil) else {
            throw ValidationError(file == nil ? "give the file to read, as the argument or as --input"
                                              : "give the file once: as the argument or as --input, not both")
        }
    }

    var path: String { file ?? inputFile ?? "" }
}
