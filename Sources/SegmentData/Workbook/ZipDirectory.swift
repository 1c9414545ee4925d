import CompressNIO
import NIOCore

/// The parts of a zip archive (an .xlsx file), read from its central directory with every offset and
/// size checked against the file, and inflated by zlib (through CompressNIO) into a buffer no larger
/// than the part's declared size.
///
/// Hand-written rather than ZIPFoundation's reader: fuzzing (`make fuzz`) found that ZIPFoundation
/// 0.9.20 traps on some corrupt central directories (a range check in its in-memory archive) and
/// inflates forever when an entry's deflate stream does not end before the file does (it reads empty
/// chunks until the stream ends). Here a part is the exact bytes the directory names, so inflating
/// always ends. Only the fixed-size records of the format are read (APPNOTE 4.3.7, 4.3.12, 4.3.16).
struct ZipDirectory {
    struct Entry {
        var path: String
        var method: Int
        var compressedSize: Int
        var uncompressedSize: Int
        var dataStart: Int
    }

    enum Failure: Error { case corrupt(String), tooLarge(String, Int), unsupported(String) }

    let bytes: [UInt8]
    let entries: [String: Entry]

    init(_ b: [UInt8]) throws {
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        let n = b.count
        guard n >= 22 else { throw Failure.corrupt("too short for a zip") }
        // The end-of-central-directory record: the last 22 bytes, or earlier by its comment.
        var eocd = -1
        var i = n - 22
        while i >= max(0, n - 22 - 65_535) {
            if b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x05, b[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw Failure.corrupt("no end of central directory record") }
        let count = u16(eocd + 10), size = u32(eocd + 12), offset = u32(eocd + 16)
        // ZIP64 archives mark these fields 0xFFFF/0xFFFFFFFF; a spreadsheet of this size never is one.
        guard count != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else { throw Failure.unsupported("a ZIP64 archive") }
        guard offset + size <= eocd else { throw Failure.corrupt("the central directory runs past its end record") }
        var entries: [String: Entry] = [:]
        var p = offset
        for _ in 0..<count {
            guard p + 46 <= eocd, u32(p) == 0x0201_4B50 else { throw Failure.corrupt("a damaged central directory entry at byte \(p)") }
            let method = u16(p + 10), compressed = u32(p + 20), uncompressed = u32(p + 24)
            let nameLength = u16(p + 28), extra = u16(p + 30), comment = u16(p + 32), local = u32(p + 42)
            guard p + 46 + nameLength <= eocd else { throw Failure.corrupt("an entry name runs past the directory") }
            let path = String(decoding: b[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            guard local + 30 <= n, u32(local) == 0x0403_4B50 else {
                throw Failure.corrupt("the local header of \(path) lies outside the file or is damaged (byte \(local))")
            }
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            guard compressed != 0xFFFF_FFFF, uncompressed != 0xFFFF_FFFF, dataStart + compressed <= n else {
                throw Failure.corrupt("the data of \(path) runs past the end of the file")
            }
            entries[path] = Entry(path: path, method: method, compressedSize: compressed, uncompressedSize: uncompressed,
                                  dataStart: dataStart)
            p += 46 + nameLength + extra + comment
        }
        self.bytes = b
        self.entries = entries
    }

    /// A part's bytes: stored as is, or inflated; larger than `limit` is refused.
    func read(_ path: String, limit: Int) throws -> [UInt8]? {
        guard let e = entries[path] else { return nil }
        guard e.uncompressedSize <= limit else { throw Failure.tooLarge(path, e.uncompressedSize) }
        let data = bytes[e.dataStart..<(e.dataStart + e.compressedSize)]
        switch e.method {
        case 0:
            guard e.compressedSize == e.uncompressedSize else { throw Failure.corrupt("\(path): a stored entry's sizes differ") }
            return Array(data)
        case 8:
            var input = ByteBuffer(bytes: data)
            var output = ByteBufferAllocator().buffer(capacity: max(e.uncompressedSize, 1))
            do {
                try input.decompress(to: &output, with: .deflate())
            } catch {
                throw Failure.corrupt("\(path) cannot be inflated (\(error))")
            }
            guard output.readableBytes == e.uncompressedSize else {
                throw Failure.corrupt("\(path) inflates to \(output.readableBytes) bytes, its directory says \(e.uncompressedSize)")
            }
            return output.readBytes(length: output.readableBytes)
        default:
            throw Failure.unsupported("\(path) is compressed with method \(e.method) (only stored and deflate are read)")
        }
    }
}
