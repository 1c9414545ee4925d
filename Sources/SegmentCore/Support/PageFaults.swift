#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Faulting in fresh memory ahead of writing it.
public enum PageFaults {
    /// Faults in the whole pages of `count` doubles at `start` in one call (MADV_POPULATE_WRITE,
    /// Linux 5.14+; elsewhere the call fails and the pages fault in as they are written). One call
    /// per block saves the exception entry and exit of each of its page faults: faulting in the
    /// 736 MB loaded matrix on two threads took 112-140 ms this way against 143-165 ms page by page
    /// (a C test on this machine). The contents are unchanged (fresh pages read as zero).
    ///
    /// The pages stay ordinary 4 KiB ones. Transparent huge pages (`MADV_HUGEPAGE`, as numpy uses)
    /// fault the same matrix in in 34-53 ms back to back, but on a VM with free page reporting
    /// (virtio-balloon, as on the development machines) freed 2 MiB blocks go back to the host
    /// within seconds, and after a 4 s pause the same call took 0.64-0.77 s: a one-off run would
    /// pay that.
    public static func populate(_ start: UnsafeMutablePointer<Double>, count: Int) {
        #if os(Linux)
        let page = 4096
        let lo = (UInt(bitPattern: start) + UInt(page - 1)) & ~UInt(page - 1)
        let hi = UInt(bitPattern: start + count) & ~UInt(page - 1)
        if hi > lo { _ = madvise(UnsafeMutableRawPointer(bitPattern: lo), Int(hi - lo), 23 /* MADV_POPULATE_WRITE */) }
        #endif
    }

    /// Allocates `rows` x `columns` doubles and faults them in, `rowsPerBlock` rows per call, the
    /// blocks dealt out in turn to `threads` workers; returns the seconds taken. The benchmark's
    /// floor for loading a file into a matrix of that size. The loader makes the same calls on its
    /// result, but gives each worker a contiguous share of the blocks; one call per share measured
    /// the same as one per block (240.8 against 240.7 ms, whole loads).
    @_spi(Benchmarks) public static func timeFreshMatrix(rows: Int, columns: Int, rowsPerBlock: Int, threads: Int) -> Double {
        // Dispatch's second worker thread can arrive tens of ms late to the first parallel loop of
        // a process (75 ms seen); the loader's first loop is its row scan, not the faulting, so
        // the floor is timed with the workers already up.
        Parallel.forEach(threads, workers: threads) { _ in usleep(2000) }
        let start = DispatchTime.now().uptimeNanoseconds
        var m = Matrix(uninitializedRows: rows, columns: columns)
        let blocks = (rows + rowsPerBlock - 1) / rowsPerBlock
        m.withUnsafeMutableBufferPointer { out in
            let base = UncheckedSendable(out.baseAddress!)
            Parallel.forEach(blocks, workers: threads) { b in
                let r0 = b * rowsPerBlock
                populate(base.value + r0 * columns, count: (min(rows, r0 + rowsPerBlock) - r0) * columns)
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        withExtendedLifetime(m) {}
        return seconds
    }
}

/// Giving freed memory back to the system.
public enum FreedMemory {
    /// Returns the heap's free pages to the system (glibc's `malloc_trim`; elsewhere nothing).
    ///
    /// The loader's compact table is made of many small parts (a column of a 16,384-row segment is
    /// 16 KB at a byte a cell), which the heap serves from its own pages. When they are joined into
    /// whole columns and freed, the pages stay with the process unless trimmed: at 20 M rows of the
    /// subset the run held 3.6 GB from the load to the end of the PCA passes, of which 1.8 GB were
    /// such free pages (see `CodeColumns.init(consuming:threads:)`).
    public static func trim() {
        #if canImport(Glibc)
        // (Looked up: Swift's Glibc module does not carry malloc.h.)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }
}
