import Foundation
import Testing
@testable import SegmentCore
import SegmentTestSupport

@Suite("Compact code columns")
struct CodeColumnsTests {
    /// Columns whose values need each width, at the edges of the narrower ones, with empty cells.
    static let columns: [[Double]] = [
        [1, -1, .nan, 127, -127, 0, 9],                    // int8: -128 is the empty marker, so -127 is the least
        [1, -128, .nan, 3, 4, 5, 6],                       // int16: -128 does not fit an int8
        [32_767, -32_767, 2, .nan, 0, 1, 2],               // int16 at its edges
        [1_082_873, -32_768, .nan, 1, 2, 3, 4],            // int32: a person id
        [1.5, 2, .nan, 3, 4, 5, 6],                        // double: a fraction
        [0, -0.0, 1, 2, 3, 4, 5],                          // double: -0 keeps its sign
        [3e9, 1, 2, 3, 4, 5, 6],                           // double: beyond int32
        [.nan, .nan, .nan, .nan, .nan, .nan, .nan],        // empty: the narrowest
    ]

    static func rowMajor(_ columns: [[Double]]) -> Matrix {
        let n = columns[0].count
        return Matrix(rows: n, columns: columns.count, elements: (0..<n).flatMap { r in columns.map { $0[r] } })
    }

    @Test("each column takes the narrowest width that holds its values, and every value reads back bit for bit")
    func widthsAndRoundTrip() {
        let m = Self.rowMajor(Self.columns)
        let codes = CodeColumns(m)
        #expect(codes.widths == [.int8, .int16, .int16, .int32, .double, .double, .double, .int8])
        #expect(codes.byteCount == 7 * (1 + 2 + 2 + 4 + 8 + 8 + 8 + 1))
        for r in 0..<m.rows {
            for c in 0..<m.columns {
                #expect(codes[r, c].bitPattern == m[r, c].bitPattern || (codes[r, c].isNaN && m[r, c].isNaN),
                        "row \(r), column \(c)")
            }
        }
    }

    @Test("a tile of rows decodes the same cells as the subscript")
    func decodes() {
        let m = Self.rowMajor(Self.columns)
        let codes = CodeColumns(m)
        let p = m.columns
        func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
        var tile = [Double](repeating: 0, count: 4 * p)
        codes.decode(rows: 2..<6, into: &tile)
        for i in 0..<4 { for c in 0..<p { #expect(same(tile[i * p + c], m[2 + i, c])) } }
    }

    @Test("chunks of different widths join at the widest, and a remapped dictionary column widens as its indices need")
    func chunksJoin() {
        let a = Self.rowMajor([[1, 2, .nan], [0, 1, 2]])
        let b = Self.rowMajor([[300, .nan], [1, 0]])
        var chunkB = CodeColumns.Chunk(rowMajor: b.storage, rows: 2, columns: 2)
        // Local dictionary indices 0, 1 stand for global 200 and 5.
        chunkB.remap(column: 1, [200, 5])
        let joined = CodeColumns(chunks: [CodeColumns.Chunk(rowMajor: a.storage, rows: 3, columns: 2), chunkB], threads: 2)
        #expect(joined.rows == 5)
        #expect(joined.widths == [.int16, .int16])
        let first = (0..<5).map { joined[$0, 0] }, second = (0..<5).map { joined[$0, 1] }
        #expect(first[0] == 1 && first[1] == 2 && first[2].isNaN && first[3] == 300 && first[4].isNaN)
        #expect(second == [0, 1, 2, 5, 200])
    }

    @Test("counts per code, flags per row and mapped cells agree with the cells read one by one, whatever the width")
    func codeReaders() {
        let m = Self.rowMajor(Self.columns)
        let codes = CodeColumns(m)
        let p = m.columns, n = m.rows
        for c in 0..<p {
            let cells = (0..<n).map { m[$0, c] }
            let counted = codes.valueCounts(column: c)
            #expect(counted.empty == cells.filter(\.isNaN).count, "column \(c)")
            let present = cells.filter { !$0.isNaN }
            #expect(counted.values == Array(Set(present)).sorted(), "column \(c)")
            #expect(counted.counts == counted.values.map { v in present.filter { $0 == v }.count }, "column \(c)")
            #expect(counted.counts.reduce(0, +) + counted.empty == n)
            // Counted apart for two groups of rows.
            let group: [UInt8] = (0..<n).map { UInt8($0 % 3 == 0 ? 1 : 0) }
            let split = codes.valueCounts(column: c, group: group, groups: 2)
            #expect(split.values == counted.values, "column \(c)")
            for g in 0..<2 {
                let mine = (0..<n).filter { Int(group[$0]) == g }.map { m[$0, c] }
                #expect(split.empty[g] == mine.filter(\.isNaN).count, "column \(c), group \(g)")
                #expect(split.counts[g] == split.values.map { v in mine.filter { $0 == v }.count }, "column \(c), group \(g)")
            }
            // A bit per row.
            let bits = codes.bits(column: c) { $0.isNaN || $0 > 2 }
            #expect(bits.count == (n + 63) / 64)
            for r in 0..<n { #expect((bits[r / 64] >> UInt64(r % 64)) & 1 == ((cells[r].isNaN || cells[r] > 2) ? 1 : 0)) }
        }
        // A flag that differs by column and by value, NaN included.
        func flag(_ k: Int, _ v: Double) -> Bool { v.isNaN ? k % 2 == 0 : (Int(v.magnitude) + k) % 3 == 0 }
        let columns = [7, 0, 3, 1, 4, 2]
        let perRow = codes.countPerRow(columns: columns, threads: 2, flag)
        for r in 0..<n {
            #expect(Int(perRow[r]) == columns.enumerated().filter { flag($0.offset, m[r, $0.element]) }.count, "row \(r)")
        }
        // Mapping through a table and through the function give the same, for a list of rows.
        let list = [6, 2, 2, 0]
        for c in 0..<p {
            let f: (Double) -> Int32 = { $0.isNaN ? -1 : Int32(truncatingIfNeeded: Int($0.magnitude) % 1000) }
            let table = codes.lookupTable(column: c, f)
            #expect((table != nil) == (codes.widths[c] == .int8 || codes.widths[c] == .int16))
            var viaTable = [Int32](repeating: 0, count: list.count), direct = viaTable
            list.withUnsafeBufferPointer { rows in
                viaTable.withUnsafeMutableBufferPointer { out in
                    codes.map(column: c, rows: rows, range: 0..<0, table: table, stride: 1, into: out.baseAddress!, f)
                }
                direct.withUnsafeMutableBufferPointer { out in
                    codes.map(column: c, rows: rows, range: 0..<0, table: nil, stride: 1, into: out.baseAddress!, f)
                }
            }
            #expect(viaTable == list.map { f(m[$0, c]) } && direct == viaTable, "column \(c)")
        }
    }

    @Test("bits and per-row counts over many tiles: every row in its place")
    func longColumns() {
        var g = SplitMix64(seed: 11)
        let n = 10_007
        let m = Matrix(rows: n, columns: 2, elements: (0..<(2 * n)).map { i in
            let u = g.nextInt(below: 12)
            return u == 0 ? .nan : Double(i % 2 == 0 ? u - 3 : u * 2_900)   // an Int8 and an Int16 column
        })
        let codes = CodeColumns(m)
        #expect(codes.widths == [.int8, .int16])
        for c in 0..<2 {
            let bits = codes.bits(column: c) { $0.isNaN || $0 < 2 || $0 > 20_000 }
            let expected = (0..<n).map { m[$0, c].isNaN || m[$0, c] < 2 || m[$0, c] > 20_000 }
            #expect((0..<n).allSatisfy { ((bits[$0 / 64] >> UInt64($0 % 64)) & 1 == 1) == expected[$0] })
        }
        let perRow = codes.countPerRow(columns: [0, 1, 0], threads: 2) { _, v in v.isNaN }
        #expect((0..<n).allSatisfy { Int(perRow[$0]) == 2 * (m[$0, 0].isNaN ? 1 : 0) + (m[$0, 1].isNaN ? 1 : 0) })
    }

    /// Everything the readers say about a table, as text that holds every value's bits.
    static func readings(_ codes: CodeColumns) -> String {
        let n = codes.rows, p = codes.columns
        var out = "\(n) x \(p) \(codes.widths)\n"
        for c in 0..<p {
            out += "cells \((0..<n).map { codes[$0, c].bitPattern })\n"
            let counted = codes.valueCounts(column: c, group: (0..<n).map { UInt8($0 % 3 == 0 ? 1 : 0) }, groups: 2)
            out += "counts \(counted.values.map(\.bitPattern)) \(counted.counts) \(counted.empty)\n"
            out += "bits \(codes.bits(column: c) { $0.isNaN || $0 > 2 })\n"
            out += "mapped \(codes.mapped(column: c) { $0.isNaN ? -1 : Int($0.magnitude) % 1000 })\n"
            let f: (Double) -> Int32 = { $0.isNaN ? -1 : Int32(truncatingIfNeeded: Int($0.magnitude) % 1000) }
            let list = [n - 1, 2, 2, 0]
            var viaTable = [Int32](repeating: 0, count: list.count)
            list.withUnsafeBufferPointer { rows in
                viaTable.withUnsafeMutableBufferPointer { o in
                    codes.map(column: c, rows: rows, range: 0..<0, table: codes.lookupTable(column: c, f), stride: 1,
                              into: o.baseAddress!, f)
                }
            }
            out += "listed \(viaTable)\n"
        }
        out += "per row \(codes.countPerRow(columns: Array((0..<p).reversed()), threads: 2) { k, v in v.isNaN ? k % 2 == 0 : Int(v.magnitude) % 3 == k % 3 })\n"
        var tile = [Double](repeating: 0, count: n * p)
        codes.decode(rows: 0..<n, into: &tile)
        out += "decoded \(tile.map(\.bitPattern))\n"
        return out
    }

    @Test("chunks written to a spill file make the same table as chunks held, for every reader, and leave no file behind")
    func spilledChunks() throws {
        // Rows of every width, cut into chunks whose own widths differ (the first is all Int8-wide
        // where it can be), and a dictionary column remapped in the last chunk to indices that
        // widen it.
        var columns = Self.columns
        columns.append([0, 1, 0, 2, 1, 0, 1])
        let m = Self.rowMajor(columns)
        let p = m.columns
        let cuts = [0..<2, 2..<3, 3..<7]
        func chunk(_ rows: Range<Int>) -> CodeColumns.Chunk {
            CodeColumns.Chunk(rowMajor: Array(m.storage[(rows.lowerBound * p)..<(rows.upperBound * p)]), rows: rows.count, columns: p)
        }
        var held = cuts.map(chunk)
        held[2].remap(column: p - 1, [7, 40_000, 3])
        let inMemory = CodeColumns(chunks: held, threads: 2)

        let folder = processTemporaryFolder("segment-codes-spill")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let spill = try CodeColumns.ChunkSpill(directory: folder, workers: 2)
        // Written out of order, as workers finish: the file's layout must not matter.
        var written = [CodeColumns.SpilledChunk?](repeating: nil, count: cuts.count)
        for i in [2, 0, 1] { written[i] = try spill.write(chunk(cuts[i]), worker: i % 2) }
        written[2]!.remap(column: p - 1, [7, 40_000, 3])
        let spilled = try CodeColumns(joining: written.map { $0! }, from: spill, directory: folder, threads: 2)

        #expect(!inMemory.isSpilled && spilled.isSpilled)
        #expect(spilled.widths == inMemory.widths)
        #expect(spilled.widths.last == .int32)
        #expect((3..<7).map { spilled[$0, p - 1] } == [3, 40_000, 7, 40_000])
        let expected = Self.readings(inMemory)
        #expect(Self.readings(spilled) == expected)
        // Pages handed back are read again from the file, the same.
        spilled.release(rows: 0..<spilled.rows)
        for c in 0..<p { spilled.release(column: c) }
        #expect(Self.readings(spilled) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test("a spill folder that is not there is an error naming it")
    func spillFolderMissing() {
        #expect(throws: SpillError.self) { _ = try CodeColumns.ChunkSpill(directory: "/nonexistent/segment-spill", workers: 1) }
    }
}
