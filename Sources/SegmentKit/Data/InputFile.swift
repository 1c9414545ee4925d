#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only input: a file opened with O_RDONLY (never written), or bytes in memory.
final class InputFile: @unchecked Sendable {
    private let fd: Int32
    private let memory: [UInt8]?
    let size: Int

    init(path: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            let reason = String(cString: strerror(errno))
            throw DataError(file: path, kind: .cannotOpen(reason: reason.lowercased()))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DataError(file: path, kind: .isDirectory) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw DataError(file: path, kind: .cannotOpen(reason: String(cString: strerror(errno)).lowercased()))
        }
        self.fd = fd
        self.memory = nil
        self.size = Int(st.st_size)
    }

    init(bytes: [UInt8]) {
        fd = -1
        memory = bytes
        size = bytes.count
    }

    /// Reads `count` bytes at `offset` into `buffer` (grown as needed); returns the count read.
    @discardableResult
    func read(offset: Int, count: Int, into buffer: inout [UInt8]) throws -> Int {
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        if let memory {
            buffer.withUnsafeMutableBufferPointer { dst in
                for k in 0..<count { dst[k] = memory[offset + k] }
            }
            return count
        }
        var done = 0
        try buffer.withUnsafeMutableBytes { dst in
            while done < count {
                let r = pread(fd, dst.baseAddress! + done, count - done, off_t(offset + done))
                if r < 0 {
                    if errno == EINTR { continue }
                    throw DataError(file: "", kind: .cannotOpen(reason: String(cString: strerror(errno))))
                }
                if r == 0 { break }
                done += r
            }
        }
        return done
    }

    func close() { if fd >= 0 { _ = Glibc.close(fd) } }
}
