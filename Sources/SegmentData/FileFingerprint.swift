import Foundation

/// What identifies an input file in the outputs: its size and a 64-bit FNV-1a hash of its first and
/// last MiB and 16 evenly spaced 64 KiB blocks (`"235213904 bytes, fnv1a64 sampled 9f0c…"`).
/// Sampled rather than whole so that it costs milliseconds on a gigabyte file; an edit that changes
/// the size or touches a sampled block changes it, which is what telling two data drops apart needs
/// (it is not a cryptographic digest).
public enum FileFingerprint {
    /// `nil` for anything but a regular file (a pipe was read once already, and would block).
    public static func of(path: String) -> String? {
        guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType,
              type == .typeRegular, let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ data: Data) { for b in data { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01b3 } }
        func read(_ offset: UInt64, _ count: Int) {
            guard offset < size, (try? handle.seek(toOffset: offset)) != nil,
                  let data = try? handle.read(upToCount: min(count, Int(size - offset))) else { return }
            mix(data)
        }
        let mib = 1 << 20, block = 1 << 16
        read(0, mib)
        for i in 1...16 { read(size * UInt64(i) / 17, block) }
        read(size > UInt64(mib) ? size - UInt64(mib) : 0, mib)
        return "\(size) bytes, fnv1a64 sampled " + String(hash, radix: 16)
    }
}
