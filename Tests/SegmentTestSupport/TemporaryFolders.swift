import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A folder under the temporary directory for this test process (`name-pid`), removed when the
/// process exits. The shared fixtures write their generated files there once per process; before
/// this, every test run left its folders behind (23 GB of them had piled up on a development
/// machine).
public func processTemporaryFolder(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())").path
    TemporaryFolders.register(path)
    return path
}

private enum TemporaryFolders {
    static let lock = NSLock()
    nonisolated(unsafe) static var paths: [String] = []
    nonisolated(unsafe) static var installed = false

    static func register(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        if !paths.contains(path) { paths.append(path) }
        if !installed {
            installed = true
            atexit {
                for path in TemporaryFolders.paths { try? FileManager.default.removeItem(atPath: path) }
            }
        }
    }
}
