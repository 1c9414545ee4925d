import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An output folder replaced as a whole. Every file is written into a staging folder beside the
/// target (`.NAME.staging-PID`); `commit` then exchanges the two folders in one step with Linux's
/// `renameat2(RENAME_EXCHANGE)`, so a reader sees the whole old report or the whole new one, never a
/// mix, whatever moment a signal or SIGKILL arrives. The old folder (now at the staging path) is
/// then removed. Regular files in the old folder that the tool did not write are kept (hard-linked
/// into the new one before the exchange).
///
/// Why an exchange of folders rather than a `current` symlink: readers and scripts open
/// `out/summary.json` directly, and a symlinked folder changes what `out` is; the exchange keeps
/// `out` a plain folder. Where `renameat2` is not available (an old kernel or a file system without
/// it) the fallback is two renames, with a moment in which the folder is absent — still never mixed.
public final class StagedFolder {
    public let target: String
    public let staging: String
    private var done = false

    /// Creates the staging folder beside `target`, after removing any a killed run left there.
    public init(target: String) throws {
        self.target = target
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDir), !isDir.boolValue {
            throw OutputError(file: target, message: "the output path exists and is not a folder")
        }
        Self.removeLeftovers(of: target)
        let url = URL(fileURLWithPath: target)
        staging = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).staging-\(getpid())").path
        try? FileManager.default.removeItem(atPath: staging)
        let path = staging
        guard TemporaryFiles.create(path, {
            (try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)) != nil
        }) else {
            throw OutputError(file: target, message: "cannot create a folder beside it to write the report in")
        }
    }

    /// The staging path of an output file.
    public func path(_ name: String) -> String { (staging as NSString).appendingPathComponent(name) }

    /// Makes the staged folder the target in one step. `ours`: the names the tool writes; other
    /// regular files of the old folder are kept. Runs inside `CommitSection`, so an interrupt
    /// handler that takes the same section waits for it.
    public func commit(ours: Set<String>) throws {
        guard !done else { return }
        try CommitSection.run {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: target, isDirectory: &isDir)
            if exists {
                guard isDir.boolValue else { throw OutputError(file: target, message: "the output path exists and is not a folder") }
                for name in (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? [] where !ours.contains(name) {
                    let old = (target as NSString).appendingPathComponent(name)
                    if FileManager.default.fileExists(atPath: path(name)) { continue }
                    if link(old, path(name)) != 0 {
                        throw OutputError(file: old, message: "segment replaces its output folder as a whole and cannot carry this over (\(String(cString: strerror(errno)))); move it out of the folder")
                    }
                }
                guard Self.exchange(staging, target) else {
                    // No renameat2: two renames; the folder is briefly absent, never mixed.
                    let aside = staging + ".old"
                    guard rename(target, aside) == 0 else {
                        throw OutputError(file: target, message: "cannot replace the folder: \(String(cString: strerror(errno)))")
                    }
                    guard rename(staging, target) == 0 else {
                        let reason = String(cString: strerror(errno))
                        _ = rename(aside, target)
                        throw OutputError(file: target, message: "cannot replace the folder: \(reason)")
                    }
                    try? FileManager.default.removeItem(atPath: aside)
                    return
                }
            } else if rename(staging, target) != 0 {
                throw OutputError(file: target, message: "cannot create the folder: \(String(cString: strerror(errno)))")
            }
            CommitSection.committed = true
        }
        done = true
        // The old report, now at the staging path.
        try? FileManager.default.removeItem(atPath: staging)
        TemporaryFiles.unregister(staging)
    }

    /// Replaces `target` as a whole with what `body` writes into a staging folder: committed when
    /// `body` returns (`ours`: the names the tool writes, or nil for everything it wrote), abandoned
    /// when anything throws, the error naming the target's files rather than the staged ones.
    public static func replace<T>(_ target: String, ours: Set<String>? = nil, _ body: (StagedFolder) throws -> T) throws -> T {
        let folder = try StagedFolder(target: target)
        do {
            let result = try body(folder)
            try folder.commit(ours: try ours ?? Set(FileManager.default.contentsOfDirectory(atPath: folder.staging)))
            return result
        } catch {
            folder.abandon()
            throw folder.translate(error)
        }
    }

    /// `error` with a staged file's path told as the file it stands for (`out/summary.json`, not
    /// `.out.staging-123/summary.json`): what the user asked for is what they can act on.
    public func translate(_ error: any Error) -> any Error {
        guard var e = error as? OutputError, e.file.hasPrefix(staging) else { return error }
        e.file = target + e.file.dropFirst(staging.count)
        return e
    }

    /// Removes the staging folder; the target is untouched.
    public func abandon() {
        guard !done else { return }
        done = true
        try? FileManager.default.removeItem(atPath: staging)
        TemporaryFiles.unregister(staging)
    }

    deinit { abandon() }

    /// Staging folders beside `target` whose process is gone (a SIGKILLed run).
    public static func removeLeftovers(of target: String) {
        let url = URL(fileURLWithPath: target)
        let parent = url.deletingLastPathComponent().path
        let prefix = ".\(url.lastPathComponent).staging-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let pidText = String(rest.prefix { $0.isNumber })
            guard let pid = Int32(pidText), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: (parent as NSString).appendingPathComponent(name))
        }
    }

    /// `renameat2(a, b, RENAME_EXCHANGE)`, looked up in the C library at run time (Swift's Glibc
    /// module does not declare it: it is behind `_GNU_SOURCE`). False where it is not available.
    static func exchange(_ a: String, _ b: String) -> Bool {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
    }
}

/// The moment a report becomes visible. The executable's interrupt handler takes the same lock, so
/// it never exits half-way through a commit; `committed` tells it whether the new report is in.
public enum CommitSection {
    private static let lock = NSLock()
    public nonisolated(unsafe) static var committed = false

    public static func run<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
