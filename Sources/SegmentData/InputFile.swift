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
/// A mapped file that another process truncates while it is being read would raise SIGBUS; the
/// mapping is registered with `MappingGuard`, which turns that into zeros and a flag, and
/// `checkUnchanged` into a clear error.
final class InputFile: @unchecked Sendable {
    private enum Storage {
        case mapped(UnsafeMutableRawPointer, Int)
        case allocated(UnsafeMutableRawPointer)
    }

    private let storage: Storage
    /// The bytes; valid for `size` bytes until `close()`.
    let base: UnsafePointer<UInt8>
    let size: Int
    /// For a mapped file: its guard slot, descriptor, and the size and modification time it had.
    private var guardSlot: Int?
    private var descriptor: Int32 = -1
    private var opened = stat()

    init(path: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            throw DataError(file: path, kind: .cannotOpen(reason: String(cString: strerror(errno)).lowercased()))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DataError(file: path, kind: .isDirectory) }
        // /dev/zero or /dev/urandom would be read until memory runs out: a device is not a data file.
        if (st.st_mode & S_IFMT) == S_IFCHR || (st.st_mode & S_IFMT) == S_IFBLK {
            throw DataError(file: path, kind: .other("is a device, not a data file"))
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw DataError(file: path, kind: .cannotOpen(reason: String(cString: strerror(errno)).lowercased()))
        }
        if (st.st_mode & S_IFMT) == S_IFREG && st.st_size > 0, fstat(fd, &st) == 0,
           let m = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED {
            storage = .mapped(m, Int(st.st_size))
            base = UnsafePointer(m.assumingMemoryBound(to: UInt8.self))
            size = Int(st.st_size)
            descriptor = fd
            opened = st
            guardSlot = MappingGuard.register(m, size: size)
            return
        }
        defer { _ = Glibc.close(fd) }
        // Not mappable (a pipe, an empty file, a file system without mmap): read it all, up to half
        // the machine's memory (an endless pipe is an error, not an abort on a failed allocation).
        let limit = max(1 << 30, Int(sysconf(Int32(_SC_PHYS_PAGES))) / 2 * Int(sysconf(Int32(_SC_PAGESIZE))))
        var capacity = max(1 << 16, Int(st.st_size) + 1)
        var memory = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var count = 0
        while true {
            if count == capacity {
                if capacity >= limit {
                    memory.deallocate()
                    throw DataError(file: path, kind: .other("more than \(limit >> 30) GiB (half this machine's memory) arrived without an end; give a regular file"))
                }
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

    /// Throws `changedWhileRead` if the mapped file was truncated under the reader (a page read
    /// past its new end) or its size or modification time differ from when it was opened. Call it
    /// after reading, whether the read succeeded or failed: it explains either.
    func checkUnchanged(name: String) throws {
        guard descriptor >= 0 else { return }
        var now = stat()
        let damaged = guardSlot.map(MappingGuard.isDamaged) ?? false
        if damaged || fstat(descriptor, &now) != 0 || now.st_size != opened.st_size
            || now.st_mtim.tv_sec != opened.st_mtim.tv_sec || now.st_mtim.tv_nsec != opened.st_mtim.tv_nsec {
            throw DataError(file: name, kind: .changedWhileRead)
        }
    }

    /// Lets the kernel drop the pages of a byte range already read (a mapped file only; they are
    /// read back from the file if touched again). Until then they count in the process's memory,
    /// so a file parsed front to back would hold all of itself beside the table being built: at the
    /// end of the default population's load, 235 MB on top of the table's 606 MB. Safe from several
    /// threads on disjoint ranges.
    func release(offset: Int, length: Int) {
        guard case let .mapped(m, n) = storage, length > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset + page - 1) / page * page, end = min(n, offset + length) / page * page
        guard end > start else { return }
        _ = madvise(m + start, end - start, MADV_DONTNEED)
    }

    /// Releases the bytes; `base` is invalid afterwards.
    func close() {
        if let slot = guardSlot { MappingGuard.unregister(slot); guardSlot = nil }
        if descriptor >= 0 { _ = Glibc.close(descriptor); descriptor = -1 }
        switch storage {
        case let .mapped(m, n): munmap(m, n)
        case let .allocated(m): m.deallocate()
        }
    }
}
