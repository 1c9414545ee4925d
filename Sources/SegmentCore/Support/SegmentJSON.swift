import Foundation

/// The one JSON style of every file the tool writes: sorted keys (stable bytes), pretty unless
/// asked otherwise, and non-finite numbers as the strings "NaN" / "Infinity" / "-Infinity" (which
/// `decoder()` reads back).
public enum SegmentJSON {
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let enc = JSONEncoder()
        enc.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return enc
    }

    public static func decoder() -> JSONDecoder {
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return dec
    }

    /// Encodes `value` followed by a newline, as the files hold it.
    public static func fileBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try encoder().encode(value)) + [0x0A]
    }
}
