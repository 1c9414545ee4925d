import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis

/// Writes a `Matrix` as a NumPy `.npy` file (format 1.0, little-endian float64, C order) with a
/// names file beside it (one column name per line), so `numpy.load` and pandas users can read the
/// cleaned or projected data. Both files are written atomically.
public enum NPYWriter {
    /// The `.npy` header for a float64 C-order array of the given shape, padded so the data starts on
    /// a 64-byte boundary.
    static func header(rows: Int, columns: Int) -> [UInt8] {
        var dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        let preamble = 10 // magic (6) + version (2) + header length (2)
        let total = ((preamble + dict.utf8.count + 1 + 63) / 64) * 64
        dict += String(repeating: " ", count: total - preamble - dict.utf8.count - 1) + "\n"
        let len = UInt16(dict.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(len & 0xFF), UInt8(len >> 8)] + Array(dict.utf8)
    }

    /// Writes `matrix` to `path` and, when given, `names` to `namesPath`.
    public static func write(_ matrix: Matrix, to path: String, names: [String]? = nil, namesPath: String? = nil) throws {
        precondition(names == nil || names!.count == matrix.columns, "one name per column")
        let file = try AtomicFile(path: path)
        do {
            try file.write(header(rows: matrix.rows, columns: matrix.columns))
            // The storage is little-endian float64 on every platform this builds for; write it in
            // slices so no second copy of a large matrix is made.
            try matrix.withUnsafeBufferPointer { buf in
                let raw = UnsafeRawBufferPointer(buf)
                let step = 1 << 24
                var offset = 0
                while offset < raw.count {
                    let end = min(raw.count, offset + step)
                    try file.write(Data(raw[offset..<end]))
                    offset = end
                }
            }
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
        if let names, let namesPath {
            try AtomicFile.write(names.joined(separator: "\n") + "\n", to: namesPath)
        }
    }
}
