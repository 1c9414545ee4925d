import SegmentCore
import SegmentData
import SegmentModels

/// The population's low-missing rows under `mpirun` when each rank keeps only the rows it parsed
/// (`CSVLoader.keepsOwnRows`): its own low-missing rows, plus the few rows of other ranks its row-
/// block passes fill. The passes' Gram runs and projected blocks are cut in the low-missing rows'
/// positions (`RowBlockPasses.Layout`), which do not end where a rank's byte range of the file
/// does; and every rank's statistics are shifted by the first row. So once the recipe is fitted
/// (and with it which rows are low-missing), each rank sends the others the rows of its own they
/// fill, as compact codes, and each keeps what it was sent beside its own rows.
struct SpreadRows: CleanedRowSource {
    /// Every rank's low-missing rows.
    let rowCount: Int
    var featureCount: Int { own.featureCount }
    /// This rank's own rows (positions `ownStart ..< ownStart + own.rowCount`).
    let own: PreparedTable
    let ownStart: Int
    /// What this rank holds, own rows and received ones: each part's first position and its rows,
    /// in position order, none overlapping.
    let parts: [(start: Int, rows: PreparedTable)]

    /// Shares out the rows: `table` is this rank's part of the population file and `prepared` its
    /// rows with the recipe compiled against it; `filled(rank, rows)` the rows rank `rank`'s passes
    /// fill when there are `rows` in all; `pieceRows`: the most rows one rank sends another in one
    /// gather (65,536 rows, about 6 MB of codes). Every rank of `group` calls this at once.
    init(table: RawTable, prepared: PreparedTable, recipe: CleaningRecipe, group: any ProcessGroup, threads: Int,
         pieceRows: Int = 65_536, filled: (Int, Int) -> Range<Int>) throws {
        let counts = try group.allGather([prepared.lowRows.count], for: .inputRows).map { $0[0] }
        let starts = counts.indices.map { counts[..<$0].reduce(0, +) }
        let n = counts.reduce(0, +)
        let owned = counts.indices.map { starts[$0]..<(starts[$0] + counts[$0]) }
        rowCount = n
        own = prepared
        ownStart = starts[group.rank]
        // What each rank needs from the others: the first row and the rows its passes fill, less its own.
        let needs = owned.indices.map { r in
            Self.merged([n > 0 ? 0..<1 : 0..<0, filled(r, n)]).flatMap { Self.subtracting(owned[r], from: $0) }
        }
        // Each rank sends each other rank the rows it needs of its own, `pieceRows` at a time: in a
        // round, every rank gathers its own from every other (`MPI_Gatherv` to it alone). Every
        // rank knows every need and every range, so they agree on the rounds.
        let p = table.schema.count, mine = owned[group.rank]
        func rows(of ranges: [Range<Int>], from s: Int) -> [Range<Int>] {
            ranges.map { $0.clamped(to: owned[s]) }.filter { !$0.isEmpty }
        }
        let rounds = owned.indices.flatMap { s in owned.indices.filter { $0 != s }.map { r in
            (rows(of: needs[r], from: s).reduce(0) { $0 + $1.count } + pieceRows - 1) / pieceRows
        } }.max() ?? 0
        var kept: [(index: Int, chunk: CodeColumns.Chunk)] = []
        for round in 0..<rounds {
            for r in owned.indices {
                // Round `round`'s rows for rank `r`: the slice of them all from `round * pieceRows`.
                var batch: [(index: Int, chunk: CodeColumns.Chunk)] = []
                if r != group.rank {
                    var skip = round * pieceRows, left = pieceRows
                    for range in rows(of: needs[r], from: group.rank) where left > 0 {
                        if skip >= range.count { skip -= range.count; continue }
                        let positions = (range.lowerBound + skip)..<min(range.upperBound, range.lowerBound + skip + left)
                        skip = 0
                        left -= positions.count
                        // A chunk of codes per 16,384 rows: each is widened to doubles on the way.
                        for start in stride(from: positions.lowerBound, to: positions.upperBound, by: DistanceStep.chunkRows) {
                            let piece = start..<min(positions.upperBound, start + DistanceStep.chunkRows)
                            batch.append((start, Self.codes(of: piece.map { prepared.lowRows[$0 - mine.lowerBound] },
                                                            in: table, columns: p)))
                        }
                    }
                }
                let parts = try group.gather(CodeColumns.pack(batch), to: r, for: .inputRows)
                for part in parts { kept += CodeColumns.unpack(part) }
            }
        }
        // The pieces received, joined into runs of consecutive positions, each prepared as the own rows are.
        kept.sort { $0.index < $1.index }
        var parts: [(start: Int, rows: PreparedTable)] = [(ownStart, prepared)]
        var run: [(index: Int, chunk: CodeColumns.Chunk)] = []
        func close() throws {
            guard let first = run.first else { return }
            let rows = run.reduce(0) { $0 + $1.chunk.rows }
            var part = table
            part.codes = CodeColumns(chunks: run.map(\.chunk), threads: threads)
            part.firstRow = 0
            part.fileRowCount = rows
            let ready = try recipe.prepare(part, threads: threads)
            precondition(ready.lowRows.count == rows, "SpreadRows: rows sent as low-missing are not all low-missing here")
            parts.append((first.index, ready))
            run = []
        }
        for piece in kept {
            if let last = run.last, last.index + last.chunk.rows != piece.index { try close() }
            run.append(piece)
        }
        try close()
        self.parts = parts.sorted { $0.start < $1.start }
        for (a, b) in zip(self.parts, self.parts.dropFirst()) {
            precondition(a.start + a.rows.rowCount <= b.start, "SpreadRows: parts overlap")
        }
    }

    func fill(_ rows: Range<Int>, into matrix: inout Matrix, threads: Int) -> [Int] {
        // Within one part (every block but those across a part's edge): filled in place.
        for part in parts where part.start <= rows.lowerBound && rows.upperBound <= part.start + part.rows.rowCount {
            return part.rows.fill((rows.lowerBound - part.start)..<(rows.upperBound - part.start), into: &matrix, threads: threads)
        }
        // Across parts: each part's rows filled apart and copied into place.
        if matrix.rows != rows.count || matrix.columns != featureCount {
            matrix = Matrix(rows: rows.count, columns: featureCount)
        }
        var unknown = [Int](repeating: 0, count: featureCount)
        var covered = 0
        for part in parts {
            let here = rows.clamped(to: part.start..<(part.start + part.rows.rowCount))
            guard !here.isEmpty else { continue }
            let (values, unknownHere) = part.rows.fill((here.lowerBound - part.start)..<(here.upperBound - part.start),
                                                       threads: threads)
            matrix.setRows(here.lowerBound - rows.lowerBound, from: values)
            for j in unknown.indices { unknown[j] += unknownHere[j] }
            covered += here.count
        }
        precondition(covered == rows.count, "SpreadRows: rows \(rows) are not all held by this rank")
        return unknown
    }

    func unseenCodes(_ unknownCounts: [Int]) -> [String: Int] { own.unseenCodes(unknownCounts) }

    /// The codes of the table's rows `rows` (ascending), as one chunk.
    static func codes(of rows: [Int], in table: RawTable, columns p: Int) -> CodeColumns.Chunk {
        guard let first = rows.first, let last = rows.last else { return CodeColumns.Chunk(rowMajor: [], rows: 0, columns: p) }
        var span = [Double](repeating: 0, count: (last - first + 1) * p)
        table.codes.decode(rows: first..<(last + 1), into: &span)
        var values: [Double] = []
        values.reserveCapacity(rows.count * p)
        for r in rows { values += span[((r - first) * p)..<((r - first + 1) * p)] }
        return CodeColumns.Chunk(rowMajor: values, rows: rows.count, columns: p)
    }

    /// The ranges' union, as ascending ranges none of which overlap or touch.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// `range` less `hole`: none, one or two ranges.
    static func subtracting(_ hole: Range<Int>, from range: Range<Int>) -> [Range<Int>] {
        [range.lowerBound..<min(range.upperBound, max(range.lowerBound, hole.lowerBound)),
         max(range.lowerBound, min(range.upperBound, hole.upperBound))..<range.upperBound].filter { !$0.isEmpty }
    }
}
