import Testing
import SegmentTestSupport
@testable import SegmentCore

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

@Suite("Row selection")
struct RowSelectionTests {
    @Test("rows(at:) copies the listed rows in the listed order, repeats included")
    func rowsAt() {
        let m = Matrix([[1, 2], [3, 4], [5, 6]])
        #expect(m.rows(at: [2, 0, 2]) == Matrix([[5, 6], [1, 2], [5, 6]]))
        #expect(m.rows(at: []).rows == 0 && m.rows(at: []).columns == 2)
    }
}

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

@Suite("A report folder replaced as a whole")
struct StagedFolderTests {
    func scratch(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("staged-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a new folder appears whole; a replaced one keeps the user's files and drops the tool's old ones")
    func replace() throws {
        let root = scratch("replace"), target = root + "/out"
        let first = try StagedFolder(target: target)
        try AtomicFile.write("one", to: first.path("a.txt"))
        try AtomicFile.write("old export", to: first.path("b.npy"))
        #expect(!FileManager.default.fileExists(atPath: target))
        try first.commit(ours: ["a.txt", "b.npy"])
        try "mine".write(toFile: target + "/notes.txt", atomically: false, encoding: .utf8)
        let second = try StagedFolder(target: target)
        try AtomicFile.write("two", to: second.path("a.txt"))
        // Until the commit, the old report is whole.
        #expect(try String(contentsOfFile: target + "/a.txt", encoding: .utf8) == "one")
        try second.commit(ours: ["a.txt", "b.npy"])
        #expect(try String(contentsOfFile: target + "/a.txt", encoding: .utf8) == "two")
        #expect(try String(contentsOfFile: target + "/notes.txt", encoding: .utf8) == "mine")
        #expect(!FileManager.default.fileExists(atPath: target + "/b.npy"))
        // Nothing else beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["out"])
    }

    @Test("an abandoned staging folder leaves the target untouched; a dead run's staging folder is removed")
    func abandonAndLeftovers() throws {
        let root = scratch("leftovers"), target = root + "/out"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try "keep".write(toFile: target + "/a.txt", atomically: false, encoding: .utf8)
        let folder = try StagedFolder(target: target)
        try AtomicFile.write("new", to: folder.path("a.txt"))
        folder.abandon()
        #expect(try String(contentsOfFile: target + "/a.txt", encoding: .utf8) == "keep")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["out"])
        // A staging folder of a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max default).
        let dead = root + "/.out.staging-4194305"
        try FileManager.default.createDirectory(atPath: dead, withIntermediateDirectories: true)
        _ = try StagedFolder(target: target)
        #expect(!FileManager.default.fileExists(atPath: dead))
    }

    @Test("renameat2 exchanges two folders on this file system")
    func exchange() throws {
        let root = scratch("exchange")
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
        try "A".write(toFile: root + "/a/x", atomically: false, encoding: .utf8)
        #expect(StagedFolder.exchange(root + "/a", root + "/b"))
        #expect(FileManager.default.fileExists(atPath: root + "/b/x") && !FileManager.default.fileExists(atPath: root + "/a/x"))
    }
}
