import Foundation
import Testing
import SegmentTestSupport
import SegmentCore
@_spi(Testing) @testable import SegmentData

@Suite("Inputs that change or lie")
struct InputFileTests {
    func temporaryFile(_ bytes: Int) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("segment-input-\(getpid())-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: UInt8(ascii: "7"), count: bytes)), "cannot create \(path)")
        return path
    }

    @Test("a mapped file cut short under the reader: zeros instead of SIGBUS, then a clear error")
    func truncatedWhileMapped() throws {
        let path = temporaryFile(1 << 20)
        defer { unlink(path) }
        let file = try InputFile(path: path)
        defer { file.close() }
        #expect(file.base[10] == UInt8(ascii: "7"))
        #expect(truncate(path, 100) == 0)
        // Past the new end: without the guard this read kills the process with SIGBUS.
        var sum = 0
        for i in stride(from: 0, to: file.size, by: 4096) { sum += Int(file.base[i]) }
        #expect(file.base[file.size - 1] == 0)
        #expect(sum >= Int(UInt8(ascii: "7")))
        #expect(throws: DataError(file: path, kind: .changedWhileRead)) { try file.checkUnchanged(name: path) }
    }

    @Test("an unchanged file passes the check; a rewritten one of the same size does not")
    func rewritten() throws {
        let path = temporaryFile(10_000)
        defer { unlink(path) }
        let file = try InputFile(path: path)
        defer { file.close() }
        try file.checkUnchanged(name: path)
        usleep(20_000)
        let fd = open(path, O_WRONLY)
        #expect(pwrite(fd, "8", 1, 5) == 1)
        close(fd)
        #expect(throws: DataError(file: path, kind: .changedWhileRead)) { try file.checkUnchanged(name: path) }
    }

    @Test("the loader reports the change, not what the parse made of the zeros")
    func loaderReportsChange() throws {
        var text = tinySchema.names.joined(separator: ";") + "\n"
        let row = Array(repeating: "1", count: tinySchema.count).joined(separator: ";") + "\n"
        for _ in 0..<20_000 { text += row }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("segment-cut-\(getpid()).csv").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        defer { unlink(path) }
        // Cut to a third after it is mapped, before it is parsed (mid-row, and under the second pass).
        let file = try InputFile(path: path)
        defer { file.close() }
        #expect(truncate(path, text.utf8.count / 3) == 0)
        #expect(throws: DataError(file: path, kind: .changedWhileRead)) {
            _ = try CSVLoader(schema: tinySchema, threads: 2).load(checking: file, name: path)
        }
    }

    @Test("devices are refused before anything is allocated")
    func devices() {
        #expect(throws: DataError(file: "/dev/zero", kind: .other("is a device, not a data file"))) { _ = try InputFile(path: "/dev/zero") }
        #expect(throws: DataError(file: "/dev/null", kind: .other("is a device, not a data file"))) { _ = try readWholeFile("/dev/null") }
    }
}
