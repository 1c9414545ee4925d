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
        for (n, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() where n > 0 {
            let f = line.split(separator: UInt8(ascii: ";"))
            guard f.count == 3, let s = Int(String(decoding: f[1], as: UTF8.self)) else {
                throw DataError(file: path, line: n + 1, kind: .other("expected row;segment;high_missing_block"))
            }
            segment.append(s)
            high.append(f[2].first == UInt8(ascii: "1"))
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
