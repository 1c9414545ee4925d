import Foundation
import Testing
import SegmentCore
import SegmentReports
import SegmentTestSupport

@Suite("Writers")
struct WriterTests {
    @Test("the .npy export has numpy's header and the data in C order")
    func npy() throws {
        let m = Matrix([[1, 2, 3], [4, 5, .nan]])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segment-npy-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try NPYWriter.write(m, to: dir.path + "/m.npy", names: ["a", "b", "c"], namesPath: dir.path + "/m.names.txt")
        let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("m.npy")))
        #expect(Array(bytes[0..<8]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(bytes.count == 10 + headerLength + 6 * 8)
        let values = bytes[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        #expect(sameWithNaN(values, [1, 2, 3, 4, 5, .nan]))
        #expect(try String(contentsOfFile: dir.path + "/m.names.txt", encoding: .utf8) == "a\nb\nc\n")
    }
}
