/// The processes one run is spread over (Open MPI's ranks, through `SegmentMPI`), as the kernels
/// see them: who this process is, how many there are, and two collectives: `allGather`, and
/// `gather` to one rank.
///
/// A kernel that splits its work over a group gives each rank a contiguous share of fixed blocks
/// (`share(of:)`), computes the partial results of its own blocks exactly as a single process
/// would compute them, and gathers every rank's partials; every rank then combines all of them in
/// block order. The blocks do not depend on the number of processes, so neither do the results:
/// they are the same bits as a single process's.
///
/// Every rank must make the same calls in the same order (collectives match by order); a rank
/// that fails ends the whole group (`SegmentMPI` aborts it) rather than leaving the others
/// waiting.
public protocol ProcessGroup: Sendable {
    /// This process's rank, 0..<size.
    var rank: Int { get }
    var size: Int { get }
    /// Every rank's bytes, in rank order, on every rank.
    func allGather(_ bytes: [UInt8]) throws -> [[UInt8]]
    /// As `allGather(_:)`, saying what the gather is for, so that a group that counts its
    /// traffic can tell the costs apart.
    func allGather(_ bytes: [UInt8], for purpose: GatherPurpose) throws -> [[UInt8]]
    /// Every rank's bytes, in rank order, on rank `root` only (the others get none): what only one
    /// rank needs, sent to it alone.
    func gather(_ bytes: [UInt8], to root: Int, for purpose: GatherPurpose) throws -> [[UInt8]]
}

/// What a gather is for (run_info.json's `communication` is counted per purpose).
public enum GatherPurpose: String, Sendable, CaseIterable, Codable {
    /// One k-means step's chunk sums, counts and moved rows (one gather per step).
    case kmeansStep = "k-means steps"
    /// The k-means++ seeding's steps: the running total of the squared distances passed from rank
    /// to rank, the candidates drawn, and their potentials' per-chunk sums.
    case seeding = "k-means seeding"
    /// The labels, distances and per-chunk inertia at the end of a k-means fit (and the rows'
    /// distances when a cluster is left empty).
    case fitResults = "fit results"
    /// The projected population's rows: the k sweep's sample of them, which each rank gives the
    /// rows it holds of (every rank holds only its own).
    case projectedRows = "projected rows"
    /// The customer-likeness model: its Newton steps' per-block gradient and Hessian parts, the
    /// population's sample its cross-validation folds, and every row's decision, to rank 0.
    case likeness = "customer likeness"
    /// An input file's rows, which each rank parses a byte range of: the row counts, the first
    /// error, the text codes' dictionaries, and the compact codes themselves (`CSVLoader.group`):
    /// the customers' to every rank; of the population, only the rows a rank's passes reach
    /// beyond its own, and every row's id and missing count to rank 0.
    case inputRows = "input rows"
    /// The cleaning's counts (each rank's over its own rows, added) and the row-block passes'
    /// partials: the column statistics and the Gram matrix's parts.
    case statistics = "statistics and Gram"
    /// The report's map of the population: its quantiles found by counting, and its cells' counts.
    case map = "map"
    /// Anything else: the ranks' settings and input fingerprints, once per run.
    case setup
}

extension ProcessGroup {
    /// Every rank's integer counts, added element by element (the same on every rank).
    public func summed(_ counts: [Int], for purpose: GatherPurpose = .statistics) throws -> [Int] {
        try allGather(counts, for: purpose).reduce(into: [Int](repeating: 0, count: counts.count)) { sum, part in
            precondition(part.count == counts.count, "summed: \(part.count) counts, not \(counts.count)")
            for i in sum.indices { sum[i] += part[i] }
        }
    }

    public func allGather(_ bytes: [UInt8], for purpose: GatherPurpose) throws -> [[UInt8]] { try allGather(bytes) }

    /// `gather` as an `allGather` whose parts only `root` keeps (a group with no gather of its own).
    public func gather(_ bytes: [UInt8], to root: Int, for purpose: GatherPurpose) throws -> [[UInt8]] {
        let all = try allGather(bytes, for: purpose)
        return rank == root ? all : []
    }

    /// The contiguous part of `0..<count` that this rank owns (rank order, sizes differing by at
    /// most one).
    public func share(of count: Int) -> Range<Int> { Self.share(of: count, rank: rank, size: size) }

    public static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        (count * rank / size)..<(count * (rank + 1) / size)
    }

    /// Fills `values`, of which rank r owns the elements `parts[r]` (this rank's own are already
    /// there), with every other rank's own, in gathers of at most `pieceBytes` from each rank: no
    /// more than that times the rank count is in transit at once. (One gather of a 17.9 M-row
    /// array of distances held its bytes four times over, about 0.4 GB, beside the array.)
    public func allGather<T: BitwiseCopyable>(into values: UnsafeMutableBufferPointer<T>, parts: [Range<Int>],
                                              for purpose: GatherPurpose, pieceBytes: Int = 8 << 20) throws {
        try gatherPieces(parts, to: nil, for: purpose, per: pieceBytes / MemoryLayout<T>.stride,
                         send: { Array(values[$0]) }, receive: { Self.place($1, $2, from: $0, into: values) })
    }

    /// As `allGather(into:parts:for:pieceBytes:)`, on `root` only (its own part already there). On
    /// the other ranks `values` is their own part alone (`parts[rank].count` elements), which they
    /// send.
    public func gather<T: BitwiseCopyable>(into values: UnsafeMutableBufferPointer<T>, parts: [Range<Int>], to root: Int,
                                           for purpose: GatherPurpose, pieceBytes: Int = 8 << 20) throws {
        let base = rank == root ? 0 : parts[rank].lowerBound
        try gatherPieces(parts, to: root, for: purpose, per: pieceBytes / MemoryLayout<T>.stride,
                         send: { Array(values[($0.lowerBound - base)..<($0.upperBound - base)]) },
                         receive: { Self.place($1, $2, from: $0, into: values) })
    }

    /// Rank `rank`'s values for the elements `range`, into `values`.
    private static func place<T>(_ range: Range<Int>, _ part: [T], from rank: Int, into values: UnsafeMutableBufferPointer<T>) {
        precondition(part.count == range.count, "gather(into:): rank \(rank) sent \(part.count) of \(range.count) values")
        _ = UnsafeMutableBufferPointer(rebasing: values[range]).initialize(from: part)
    }

    /// Every rank's part (rank r's is the items `parts[r]`) to every rank (`root` nil) or to `root`,
    /// at most `per` items from each rank at a time: `send(range)` gives this rank's values for its
    /// items `range`, and a rank that receives is handed each other rank's with `receive(rank,
    /// range, values)`. Nothing is sent by a root to itself.
    public func gatherPieces<T: BitwiseCopyable>(_ parts: [Range<Int>], to root: Int?, for purpose: GatherPurpose, per: Int,
                                                 send: (Range<Int>) throws -> [T],
                                                 receive: (Int, Range<Int>, [T]) throws -> Void) throws {
        precondition(parts.count == size, "gatherPieces: \(parts.count) parts for \(size) ranks")
        let per = Swift.max(1, per)
        func piece(_ part: Range<Int>, _ offset: Int) -> Range<Int> {
            let lo = Swift.min(part.upperBound, part.lowerBound + offset)
            return lo..<Swift.min(part.upperBound, lo + per)
        }
        let longest = parts.map(\.count).max() ?? 0
        for offset in Swift.stride(from: 0, to: Swift.max(1, longest), by: per) {
            let mine = piece(parts[rank], offset)
            let values = root == rank || mine.isEmpty ? [] : try send(mine)
            let all = try root.map { try gather(values, to: $0, for: purpose) } ?? allGather(values, for: purpose)
            guard root == nil || root == rank else { continue }
            for r in 0..<size where r != rank {
                let theirs = piece(parts[r], offset)
                guard !theirs.isEmpty else { continue }
                try receive(r, theirs, all[r])
            }
        }
    }

    /// `allGather` of plain values (numbers), in rank order.
    public func allGather<T: BitwiseCopyable>(_ values: [T], for purpose: GatherPurpose = .setup) throws -> [[T]] {
        try allGather(values.withUnsafeBytes { Array($0) }, for: purpose).map(Self.values)
    }

    /// `gather` of plain values (numbers), in rank order, on `root` only.
    public func gather<T: BitwiseCopyable>(_ values: [T], to root: Int, for purpose: GatherPurpose) throws -> [[T]] {
        try gather(values.withUnsafeBytes { Array($0) }, to: root, for: purpose).map(Self.values)
    }

    private static func values<T: BitwiseCopyable>(_ part: [UInt8]) -> [T] {
        let count = part.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buffer, n in
            part.withUnsafeBytes { raw in
                _ = raw.copyBytes(to: UnsafeMutableRawBufferPointer(buffer))
            }
            n = count
        }
    }
}
