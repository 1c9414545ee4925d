import Foundation

/// Facts about the running process and machine.
public enum ProcessInfoCompat {
    /// Active processors (cores available to this process).
    public static var activeProcessorCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Peak resident set size of this process in bytes (`VmHWM` of /proc/self/status), if known.
    public static var peakResidentBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }
}
