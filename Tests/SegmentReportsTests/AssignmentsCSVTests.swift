import Foundation
import Testing
@testable import SegmentReports
@testable import SegmentAnalysis

@Suite("The assignments file")
struct AssignmentsCSVTests {
    /// 1,000 rows, every seventh high-missing, with ids (some absent) and likeness.
    func assignments() -> Assignments {
        let low = (0..<1_000).filter { $0 % 7 != 3 }
        var a = Assignments(rows: 1_000, lowRows: low, labels: low.map { Int32($0 % 4) },
                            distances: low.map { Double($0) / 8 + 0.125 }, missingPerRow: [UInt16](repeating: 0, count: 1_000),
                            unseenCodes: [:])
        a.setLikeness(decisions: low.map { Double($0 % 5) / 10 }, lowRows: low)
        a.ids = ("LNR", (0..<1_000).map { $0 % 11 == 0 ? nil : 9_000 + $0 })
        return a
    }

    @Test("streamed in small blocks on several workers: the bytes of the whole file rendered at once, rows in order")
    func streamedInBlocks() throws {
        let a = assignments()
        let comparison = SegmentComparison(k: 4, populationLabels: a.group, customerLabels: Array(a.group.prefix(300)))
        let whole = AssignmentsCSV.render(a, comparison: comparison, threads: 1)
        for (threads, blockRows) in [(1, 1), (3, 7), (2, 64), (4, 100_000)] {
            var parts: [[UInt8]] = []
            AssignmentsCSV.stream(a, comparison: comparison, threads: threads, blockRows: blockRows) { parts.append($0) }
            #expect(parts.joined().elementsEqual(whole), "threads \(threads), blocks of \(blockRows)")
            // The header, then the rows a span of `threads` blocks at a time (a span this short is
            // formatted as one part: RowBlocks gives each worker at least 65,536 rows).
            let span = threads * blockRows
            #expect(parts.count == 1 + (1_000 + span - 1) / span, "\(parts.count) parts")
        }
        let lines = String(decoding: whole, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 1_001)
        #expect(lines[0].hasPrefix("row,LNR,cluster,high_missing,distance,customer_share"))
        // Row 3 is high-missing (no distance, no likeness); row 5 is in cluster 1 at 0.75; row 11 has no id.
        #expect(lines[4].hasPrefix("3,9003,-1,true,,"))
        #expect(lines[6].hasPrefix("5,9005,1,false,0.75,"))
        #expect(lines[12].hasPrefix("11,,3,false,1.5,"))
    }
}
