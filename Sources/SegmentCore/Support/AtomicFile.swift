import Foundation

/// A file the tool could not write, and why: `out/summary.json: cannot rename into place: ...`.
public struct OutputError: RemediableError, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var remedy: Remedy?

    public init(file: String, message: String, remedy: Remedy? = nil) {
        self.file = file
        self.message = message
        self.remedy = remedy
    }

    public var description: String { "\(file): \(message)" }

    /// The plain reason inside a Foundation error: the POSIX error under it (`no space left on
    /// device`), or its localized description, never the `NSError` dump.
    public static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))).lowercased() }
        if let under = ns.userInfo[NSUnderlyingErrorKey] as? NSError, under.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(under.code))).lowercased()
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case CocoaError.fileWriteOutOfSpace.rawValue: return "no space left on device"
            case CocoaError.fileWriteNoPermission.rawValue, CocoaError.fileReadNoPermission.rawValue: return "permission denied"
            case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: return "no such file or directory"
            case CocoaError.fileWriteVolumeReadOnly.rawValue: return "read-only file system"
            default: break
            }
        }
        return ns.localizedDescription
    }
}

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in the
/// same folder (`.name.tmp-PID-N`), which is renamed over the target only when complete. A failure
/// removes the temporary file and leaves any previous version of the target untouched.
public final class AtomicFile {
    public let path: String
    public let temporaryPath: String
    private let handle: FileHandle
    private var finished = false

    private nonisolated(unsafe) static var counter = 0
    private static let lock = NSLock()

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        Self.lock.lock()
        Self.counter += 1
        let n = Self.counter
        Self.lock.unlock()
        temporaryPath = (dir as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(n)")
        // Created and registered in one step, so an interrupt at any moment finds it.
        let temporary = temporaryPath
        guard TemporaryFiles.create(temporary, { FileManager.default.createFile(atPath: temporary, contents: nil) }) else {
            throw OutputError(file: path, message: "cannot open the file: cannot create a file in \(dir)")
        }
        do {
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporaryPath))
        } catch {
            throw OutputError(file: path, message: "cannot open the file: \(OutputError.reason(error))")
        }
    }

    public func write(_ bytes: [UInt8]) throws { try writing { try handle.write(contentsOf: bytes) } }
    public func write(_ data: Data) throws { try writing { try handle.write(contentsOf: data) } }
    public func write(_ text: String) throws { try writing { try handle.write(contentsOf: Data(text.utf8)) } }

    /// Foundation's errors (an `NSCocoaErrorDomain` dump for a full disk) become the file and the
    /// system's reason: `out/model.json: cannot write: no space left on device`.
    private func writing(_ body: () throws -> Void) throws {
        do { try body() } catch { throw OutputError(file: path, message: "cannot write: \(OutputError.reason(error))") }
    }

    /// Flushes and renames into place.
    public func commit() throws {
        guard !finished else { return }
        finished = true
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
            throw OutputError(file: path, message: "cannot write: \(OutputError.reason(error))")
        }
        if rename(temporaryPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
            throw OutputError(file: path, message: "cannot rename into place: \(reason)")
        }
        TemporaryFiles.unregister(temporaryPath)
    }

    /// Removes the temporary file; the target is untouched.
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? handle.close()
        unlink(temporaryPath)
        TemporaryFiles.unregister(temporaryPath)
    }

    deinit { abandon() }

    /// Writes a whole file atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { try $0.write(bytes) }
    }

    /// The file at `path`, written by `body` (in as many pieces as it likes) and put in place when
    /// it returns; abandoned, leaving any old file as it was, when it throws.
    public static func write(to path: String, _ body: (AtomicFile) throws -> Void) throws {
        let f = try AtomicFile(path: path)
        do { try body(f); try f.commit() } catch { f.abandon(); throw error }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}

/// The temporary files in flight, so an interrupted run can remove them (see the signal handler
/// the executable installs).
public enum TemporaryFiles {
    private nonisolated(unsafe) static var paths = Set<String>()
    private nonisolated(unsafe) static var closed = false
    private static let lock = NSLock()

    /// Creates a temporary file or folder with `make` and registers it, both under the lock that
    /// `removeAll` takes: no temporary can appear between the clean-up's look and the process's
    /// exit. False, with nothing created, once `removeAll` has run (or when `make` fails).
    package static func create(_ p: String, _ make: () -> Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !closed, make() else { return false }
        paths.insert(p)
        return true
    }

    package static func unregister(_ p: String) { lock.lock(); paths.remove(p); lock.unlock() }

    /// Removes every registered temporary file and folder; after it, none can be created (the
    /// process is about to exit).
    public static func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        closed = true
        // Files, and the staging folders of `StagedFolder`. A folder is first renamed away, so a
        // thread still renaming a finished file into it cannot, then removed.
        for p in paths where unlink(p) != 0 {
            let trash = p + ".removing"
            let gone = rename(p, trash) == 0 ? trash : p
            for _ in 0..<5 where FileManager.default.fileExists(atPath: gone) {
                try? FileManager.default.removeItem(atPath: gone)
            }
        }
        paths.removeAll()
    }

    public static var current: [String] { lock.lock(); defer { lock.unlock() }; return Array(paths) }
}
