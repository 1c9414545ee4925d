#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SegmentCore

/// A read-only input held as one span of bytes: a regular file mapped with `PROT_READ` (never
/// written; nothing is copied, and the parse threads read the page cache directly), a pipe or other
/// non-mappable file read into memory, or bytes given by the caller.
///
/// A mapped file that another process truncates while it is being read raises SIGBUS, as with any
/// memory-mapped reader; `pread` into buffers cost a second copy of every byte (about 10% of the load).
final class InputFile: @unchecked Sendable {
    private enum Storage {
        case mapped(UnsafeMutableRawPointer, Int)
        case allocated(UnsafeMutableRawPointer)
    }

    private let storage: Storage
    /// The bytes; valid for `size` bytes until `close()`.
    let base: UnsafePointer<UInt8>
    let size: Int

    init(path: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            throw DataError(file: path, kind: .cannotOpen(reason: String(cString: strerror(errno)).lowercased()))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DataError(file: path, kind: .isDirectory) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw DataError(file: path, kind: .cannotOpen(reason: String(cString: strerror(errno)).lowercased()))
        }
        defer { _ = Glibc.close(fd) }
        if (st.st_mode & S_IFMT) == S_IFREG && st.st_size > 0,
           let m = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED {
            storage = .mapped(m, Int(st.st_size))
            base = UnsafePointer(m.assumingMemoryBound(to: UInt8.self))
            size = Int(st.st_size)
            return
        }
        // Not mappable (a pipe, an empty file, a file system without mmap): read it all.
        var capacity = max(1 << 16, Int(st.st_size) + 1)
        var memory = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var count = 0
        while true {
            if count == capacity {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: memory, byteCount: count)
                memory.deallocate()
                memory = bigger
                capacity *= 2
            }
            let r = Glibc.read(fd, memory + count, capacity - count)
            if r < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno)).lowercased()
                memory.deallocate()
                throw DataError(file: path, kind: .cannotOpen(reason: reason))
            }
            if r == 0 { break }
            count += r
        }
        storage = .allocated(memory)
        base = UnsafePointer(memory.assumingMemoryBound(to: UInt8.self))
        size = count
    }

    /// A copy of `bytes` (tests, fuzzing).
    init(bytes: [UInt8]) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { if let b = $0.baseAddress { memory.copyMemory(from: b, byteCount: bytes.count) } }
        storage = .allocated(memory)
        base = UnsafePointer(memory.assumingMemoryBound(to: UInt8.self))
        size = bytes.count
    }

    /// Releases the bytes; `base` is invalid afterwards.
    func close() {
        switch storage {
        case let .mapped(m, n): munmap(m, n)
        case let .allocated(m): m.deallocate()
        }
    }
}
