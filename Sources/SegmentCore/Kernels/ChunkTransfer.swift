/// Compact chunks sent between processes. Under `mpirun`, each rank parses its own byte range of an
/// input file (`CSVLoader.group`) and the ranks then exchange the chunks they made, so that every
/// rank joins the same table from the same chunks in the same order.
///
/// The bytes: Int64s in little-endian order, the number of chunks, then for each chunk its index
/// (its place among the file's segments), its rows and its columns; then a byte per column (its
/// width); then each column's cells, as stored.
extension CodeColumns {
    /// `chunks` as bytes (none for no chunks).
    public static func pack(_ chunks: [(index: Int, chunk: Chunk)]) -> [UInt8] {
        guard !chunks.isEmpty else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(8 + chunks.reduce(0) { $0 + 24 + $1.chunk.storage.count + $1.chunk.byteCount })
        func put(_ v: Int) { withUnsafeBytes(of: Int64(v).littleEndian) { out.append(contentsOf: $0) } }
        put(chunks.count)
        for (index, chunk) in chunks {
            put(index)
            put(chunk.rows)
            put(chunk.storage.count)
            for column in chunk.storage { out.append(UInt8(Width.allCases.firstIndex(of: column.width)!)) }
            for column in chunk.storage { column.withCells { out.append(contentsOf: $0.bytes) } }
        }
        return out
    }

    /// The chunks in bytes `pack` made (by this build: the processes of one run are one binary).
    public static func unpack(_ bytes: [UInt8]) -> [(index: Int, chunk: Chunk)] {
        guard !bytes.isEmpty else { return [] }
        return bytes.withUnsafeBytes { raw in
            var at = 0
            func take() -> Int {
                let v = Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                at += 8
                return v
            }
            return (0..<take()).map { _ in
                let index = take(), rows = take(), p = take()
                precondition(at + p <= raw.count, "CodeColumns.unpack: cut short")
                let widths = (0..<p).map { Width.allCases[Int(raw[at + $0])] }
                at += p
                let storage = widths.map { width -> Column in
                    let bytes = rows * width.bytes
                    precondition(at + bytes <= raw.count, "CodeColumns.unpack: cut short")
                    defer { at += bytes }
                    return Column(copying: UnsafeRawBufferPointer(rebasing: raw[at..<(at + bytes)]), width: width)
                }
                return (index, Chunk(rows: rows, storage: storage))
            }
        }
    }
}

extension CodeColumns.Column {
    /// A column of `width`-wide cells copied from `bytes` (which need not be aligned).
    init(copying bytes: UnsafeRawBufferPointer, width: CodeColumns.Width) {
        func copy<T>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: bytes.count / MemoryLayout<T>.stride) { buffer, n in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                n = buffer.count
            }
        }
        switch width {
        case .int8: self = .int8(copy(Int8.self))
        case .int16: self = .int16(copy(Int16.self))
        case .int32: self = .int32(copy(Int32.self))
        case .double: self = .double(copy(Double.self))
        }
    }
}

extension CodeColumns.Chunk {
    init(rows: Int, storage: [CodeColumns.Column]) {
        self.rows = rows
        self.storage = storage
    }

    /// The bytes its cells take.
    public var byteCount: Int { storage.reduce(0) { $0 + rows * $1.width.bytes } }
}

extension CodeColumns.ChunkSpill {
    /// A chunk written here, read back with its remaps applied (to send it to another process).
    public func read(_ chunk: CodeColumns.SpilledChunk) throws -> CodeColumns.Chunk {
        let largest = chunk.widths.map(\.bytes).max() ?? 1
        let part = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, chunk.rows * largest), alignment: 8)
        defer { part.deallocate() }
        let storage = try chunk.widths.indices.map { c -> CodeColumns.Column in
            let from = chunk.widths[c], map = chunk.remaps[c]
            try files[chunk.file].read(into: part, bytes: chunk.rows * from.bytes, at: chunk.offsets[c])
            guard let map else {
                // Not remapped (most columns): the bytes read are the cells, copied whole.
                return CodeColumns.Column(copying: UnsafeRawBufferPointer(start: part, count: chunk.rows * from.bytes), width: from)
            }
            return .make(chunk.width(c), count: chunk.rows) { i in
                let v = CodeColumns.Cells.cell(part, from, i)
                return v.isNaN ? v : Double(map[Int(v)])
            }
        }
        return CodeColumns.Chunk(rows: chunk.rows, storage: storage)
    }
}
