import Foundation

/// A spill file could not be made, written or read.
public struct SpillError: Error, CustomStringConvertible, Sendable, Equatable {
    public var directory: String
    public var message: String
    public var description: String { "spill file in \(directory): \(message)" }
}

/// An unlinked temporary file, written and read at offsets, and optionally mapped for reading;
/// closed (and its space freed) when the last holder lets it go.
///
/// The one door to the system calls behind `RowStore`'s projected rows and `CodeColumns`' spilled
/// codes. A mapped file's pages are read where they lie, but every page a process touches stays in
/// its resident memory until unmapped, so readers hand back the pages they are done with
/// (`release`): the data stays in the file (and the page cache) and is read again if touched.
///
/// Written by hand: `pwrite`, `pread`, `mmap` and `madvise` on one descriptor; no package here
/// offers more than that.
final class SpillFile: @unchecked Sendable {
    let directory: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var reserved = 0
    private var mapping: (base: UnsafeMutableRawPointer, bytes: Int)?

    /// A new file in `directory`, with `bytes` reserved up front (0: grown as it is written).
    init(directory: String, bytes: Int) throws {
        self.directory = directory
        var template = Array((directory as NSString).appendingPathComponent(".segment-spill-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw SpillError(directory: directory, message: Self.reason()) }
        // Gone from the directory at once: the space is freed when the descriptor closes, however
        // the process ends.
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
        guard bytes > 0 else { return }
        // The space is taken up front, so a full disk is found before any work is written.
        let status = posix_fallocate(fd, 0, off_t(bytes))
        if status != 0 && status != EOPNOTSUPP && status != EINVAL {
            close(fd)
            throw SpillError(directory: directory, message: "cannot reserve \(bytes) bytes: \(String(cString: strerror(status)).lowercased())")
        }
    }

    deinit {
        if let mapping { munmap(mapping.base, mapping.bytes) }
        close(descriptor)
    }

    /// The offset of `bytes` not yet handed out (after every earlier reservation), for a file
    /// written by several workers as their parts are ready.
    func reserve(_ bytes: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let offset = reserved
        reserved += bytes
        return offset
    }

    func write(_ source: UnsafeRawPointer, bytes: Int, at offset: Int) throws {
        var done = 0
        while done < bytes {
            let n = pwrite(descriptor, source + done, bytes - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SpillError(directory: directory, message: "cannot write: \(Self.reason())") }
            done += n
        }
    }

    func read(into target: UnsafeMutableRawPointer, bytes: Int, at offset: Int) throws {
        var done = 0
        while done < bytes {
            let n = pread(descriptor, target + done, bytes - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw SpillError(directory: directory, message: n == 0 ? "cannot read: the file is shorter than written" : "cannot read: \(Self.reason())")
            }
            done += n
        }
    }

    /// The file's first `bytes`, mapped read-only (once; every later call returns the same
    /// address). Written parts must be complete first.
    func map(bytes: Int) throws -> UnsafeRawPointer {
        lock.lock()
        defer { lock.unlock() }
        if let mapping { return UnsafeRawPointer(mapping.base) }
        guard let base = mmap(nil, Swift.max(bytes, 1), PROT_READ, MAP_SHARED, descriptor, 0), base != MAP_FAILED else {
            throw SpillError(directory: directory, message: "cannot map \(bytes) bytes: \(Self.reason())")
        }
        mapping = (base, Swift.max(bytes, 1))
        return UnsafeRawPointer(base)
    }

    /// Hands back the mapped pages holding bytes `offset..<offset + bytes`, and those within
    /// `faultAround` on either side: they leave the process's resident memory and are read from
    /// the file again if touched.
    ///
    /// The margin is Linux's fault-around: a read that faults a page maps the page cache's pages
    /// around it too (64 KB, aligned), so reading the start of one run of rows maps the tail of
    /// the run before it again after that run was handed back. Handed back without the margin,
    /// those tails piled up: a third of the spilled codes stayed resident through the PCA passes.
    /// Pages in the margin that another worker still reads are simply read again.
    func release(offset: Int, bytes: Int) {
        guard let mapping, bytes > 0 else { return }
        let page = Self.pageSize
        let start = Swift.max(0, offset - Self.faultAround) / page * page
        let end = Swift.min(mapping.bytes, (offset + bytes + Self.faultAround + page - 1) / page * page)
        guard end > start else { return }
        _ = madvise(mapping.base + start, end - start, MADV_DONTNEED)
    }

    /// Linux's default `fault_around_bytes`.
    private static let faultAround = 64 * 1_024

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private static func reason() -> String { String(cString: strerror(errno)).lowercased() }
}
