import Testing
import SegmentTestSupport
import SegmentCore

@Suite("Matrix")
struct MatrixTests {
    @Test("row-major indexing, rows, columns and transpose")
    func indexing() {
        let m = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m.rows == 2 && m.columns == 3)
        #expect(m.storage == [1, 2, 3, 4, 5, 6])
        #expect(m[1, 0] == 4)
        #expect(m.row(1) == [4, 5, 6])
        #expect(m.column(2) == [3, 6])
        let t = m.transposed()
        #expect(t.rows == 3 && t.columns == 2)
        #expect(t.storage == [1, 4, 2, 5, 3, 6])
        #expect(m.rows(1..<2).storage == [4, 5, 6])
    }

    @Test("NaN location and Codable round trip")
    func nanAndCodable() throws {
        var m = Matrix(rows: 3, columns: 4)
        #expect(m.firstNaN == nil)
        m[2, 1] = .nan
        #expect(m.firstNaN! == (2, 1))
        let clean = Matrix([[1.5, -2], [0, 3e300]])
        let data = try JSONEncoder().encode(clean)
        #expect(try JSONDecoder().decode(Matrix.self, from: data) == clean)
    }

    @Test("SplitMix64 is reproducible and matches its published first output")
    func splitMix() {
        // Reference value of SplitMix64 with seed 0 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
        var u = SplitMix64(seed: 3)
        for _ in 0..<1000 { let x = u.nextUnit(); #expect(x >= 0 && x < 1) }
    }
}

import Foundation

@Suite("Ranking")
struct RankingTests {
    @Test("ranking by magnitude: ties to nine digits keep index order, whatever the last bits")
    func ranking() {
        #expect(rankDescending([0.525, -0.525, 0.3], by: abs) == [0, 1, 2])
        #expect(rankDescending([-0.525 - 1e-15, 0.525, 0.3], by: abs) == [0, 1, 2])
        #expect(rankDescending([0.525, -0.525 - 1e-15, 0.3], by: abs) == [0, 1, 2])
        #expect(rankDescending([0.1, 0.9, 0.5]) == [1, 2, 0])
        #expect(rankDescending([0.1, 0.9, 0.5]) { -$0 } == [0, 2, 1])
        #expect(rankDescending([0, 0]) == [0, 1])
    }
}
