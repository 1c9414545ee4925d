/// A bounds check of a zip's directory before ZIPFoundation reads it: every entry the central
/// directory lists must have its local header and its compressed data inside the file.
///
/// Hand-written on purpose: ZIPFoundation 0.9.x inflates an entry by reading chunks until the
/// deflate stream ends, and a corrupt archive whose entry runs past the end of the file makes it
/// read empty chunks forever (found by `make fuzz`); its in-memory archive also traps on some
/// corrupt offsets. This check turns both into an error naming the entry. It only reads the
/// fixed-size records of the zip format (APPNOTE 4.3.12, 4.3.7, 4.3.16); it inflates nothing.
enum ZipBounds {
    /// The first problem found, or nil when every entry lies inside the file.
    static func problem(_ b: [UInt8]) -> String? {
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        let n = b.count
        guard n >= 22 else { return "too short for a zip" }
        // The end-of-central-directory record: the last 22 bytes, or earlier by its comment.
        var eocd = -1
        var i = n - 22
        while i >= max(0, n - 22 - 65_535) {
            if b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x05, b[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { return "no end of central directory record" }
        let entries = u16(eocd + 10), size = u32(eocd + 12), offset = u32(eocd + 16)
        // ZIP64 archives mark these fields 0xFFFF/0xFFFFFFFF; a spreadsheet of this size never is one.
        guard entries != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else { return "a ZIP64 archive, not expected for a spreadsheet" }
        guard offset + size <= eocd else { return "the central directory runs past its end record" }
        var p = offset
        for _ in 0..<entries {
            guard p + 46 <= eocd, u32(p) == 0x0201_4B50 else { return "a damaged central directory entry at byte \(p)" }
            let compressed = u32(p + 20), nameLength = u16(p + 28), extra = u16(p + 30), comment = u16(p + 32)
            let local = u32(p + 42)
            guard local + 30 <= n, u32(local) == 0x0403_4B50 else { return "an entry's local header lies outside the file or is damaged (byte \(local))" }
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            guard compressed != 0xFFFF_FFFF, dataStart + compressed <= n else {
                return "an entry's data runs past the end of the file (\(compressed) bytes from byte \(dataStart) of \(n))"
            }
            p += 46 + nameLength + extra + comment
        }
        return nil
    }
}
