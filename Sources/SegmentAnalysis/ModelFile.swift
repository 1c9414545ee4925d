import Foundation
import SegmentCore
import SegmentData
import SegmentModels

/// Reading a model file: nothing in it is trusted until decoded and checked. Every failure is a
/// `DataError` naming the file and the field; `segment score` and the model fuzzer (`fuzz-model`)
/// go through here.
public enum ModelFile {
    /// A decoding error as a field path and what is wrong there.
    public static func plainWords(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case let .keyNotFound(key, context):
            return "\(path(context.codingPath + [key])) is missing"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "\(path(context.codingPath)) has the wrong type"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "the file is not valid JSON"
                : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "unreadable"
        }
    }
}

extension FittedPipeline {
    /// Reads and checks a model file (`model.json` of `segment fit` or `segment run`).
    public static func read(path: String) throws -> FittedPipeline {
        try read(bytes: try readWholeFile(path), file: path)
    }

    /// Decodes and checks model bytes; `file` names them in errors.
    public static func read(bytes: [UInt8], file: String) throws -> FittedPipeline {
        let fitted: FittedPipeline
        do {
            fitted = try SegmentJSON.decoder().decode(FittedPipeline.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw DataError(file: file, kind: .other("not a segment model: \(ModelFile.plainWords(error))"))
        } catch {
            throw DataError(file: file, kind: .other("not a segment model: the file is not JSON"))
        }
        do {
            try fitted.validate()
        } catch let error as ModelError {
            throw DataError(file: file, kind: .other("a damaged or edited model: \(error)"))
        }
        return fitted
    }
}
