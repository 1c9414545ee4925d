import Foundation
import SegmentCore
import SegmentData
import SegmentModels

/// The generator's per-row truth (`truth_population.csv`: row;segment;high_missing_block), for
/// measuring how well the segments recover the planted ones.
public struct PlantedTruth: Sendable {
    public var segment: [Int]
    public var highMissingBlock: [Bool]

    public static func load(_ path: String) throws -> PlantedTruth {
        let bytes = try readWholeFile(path)
        var segment: [Int] = [], high: [Bool] = []
        // The subset generator writes row;segment;high_missing_block, the full one adds LNR (and
        // MAILOUT_TRAIN's response): the columns are found by name.
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        let header = lines.first.map { $0.split(separator: UInt8(ascii: ";")).map { String(decoding: $0, as: UTF8.self) } } ?? []
        guard let si = header.firstIndex(of: "segment"), let hi = header.firstIndex(of: "high_missing_block") else {
            throw DataError(file: path, line: 1, kind: .other("expected a header with the columns segment and high_missing_block"))
        }
        for (n, line) in lines.enumerated() where n > 0 {
            let f = line.split(separator: UInt8(ascii: ";"))
            guard f.count == header.count, let s = Int(String(decoding: f[si], as: UTF8.self)) else {
                throw DataError(file: path, line: n + 1, kind: .other("expected \(header.joined(separator: ";"))"))
            }
            segment.append(s)
            high.append(f[hi].first == UInt8(ascii: "1"))
        }
        return PlantedTruth(segment: segment, highMissingBlock: high)
    }

    /// ARI between the assigned groups and the planted segments over the rows assigned a cluster.
    public func adjustedRandIndex(_ groups: [Int32]) -> Double {
        var a: [Int] = [], b: [Int] = []
        for (i, g) in groups.enumerated() where g >= 0 && i < segment.count { a.append(Int(g)); b.append(segment[i]) }
        return SegmentAnalysis.adjustedRandIndex(a, b)
    }
}
