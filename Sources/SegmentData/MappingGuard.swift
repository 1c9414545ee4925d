#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Keeps a mapped input that another program truncates from killing the process.
///
/// Reading a page of a mapped file past its new end raises SIGBUS. While a file is registered here,
/// a SIGBUS handler looks the faulting address up among the registered mappings; if it belongs to
/// one, the rest of that mapping is replaced by zero pages (an anonymous `MAP_FIXED` mapping), the
/// mapping is marked damaged, and the read carries on over zeros. The loader then asks
/// `InputFile.checkUnchanged`, which reports "the file changed while it was read" whatever the
/// parse made of the zeros. A SIGBUS anywhere else gets the action that was installed before
/// (the crash handler's, or the default).
///
/// Chosen over `pread` into private buffers, which survives truncation without a handler but costs
/// a second copy of every byte (about 10% of the load and the file's size again in memory).
enum MappingGuard {
    static let capacity = 32
    /// Per slot: start address, end address, damaged flag (0/1). Written under `lock`, read by the
    /// handler; a slot with start 0 is free. Allocated before the handler is installed.
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UInt> = {
        let p = UnsafeMutablePointer<UInt>.allocate(capacity: 3 * capacity)
        p.initialize(repeating: 0, count: 3 * capacity)
        return p
    }()
    nonisolated(unsafe) static var previous = sigaction()
    nonisolated(unsafe) static var installed = false
    static let lock = NSLock()

    /// Registers `[start, start + size)`; returns its slot, or nil when every slot is taken (the
    /// file is then read unguarded, as before).
    static func register(_ start: UnsafeMutableRawPointer, size: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        _ = slots
        if !installed {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { sig, info, context in
                MappingGuard.handle(sig, info, context)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_SIGINFO
            sigaction(SIGBUS, &action, &previous)
            installed = true
        }
        for i in 0..<capacity where slots[3 * i] == 0 {
            slots[3 * i + 1] = UInt(bitPattern: start) + UInt(size)
            slots[3 * i + 2] = 0
            slots[3 * i] = UInt(bitPattern: start)
            return i
        }
        return nil
    }

    static func isDamaged(_ slot: Int) -> Bool { slots[3 * slot + 2] != 0 }

    static func unregister(_ slot: Int) {
        lock.lock(); defer { lock.unlock() }
        slots[3 * slot] = 0
        slots[3 * slot + 1] = 0
        slots[3 * slot + 2] = 0
    }

    /// Async-signal-safe: reads the slots, calls `mmap`, writes one flag.
    private static func handle(_ sig: Int32, _ info: UnsafeMutablePointer<siginfo_t>?,
                               _ context: UnsafeMutableRawPointer?) {
        if let info {
            let address = UInt(bitPattern: info.pointee._sifields._sigfault.si_addr)
            let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
            for i in 0..<capacity {
                let start = slots[3 * i], end = slots[3 * i + 1]
                guard start != 0, address >= start, address < end else { continue }
                let page = address & ~(pageSize - 1)
                let replaced = mmap(UnsafeMutableRawPointer(bitPattern: page), Int(end - page), PROT_READ,
                                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                if replaced != MAP_FAILED {
                    slots[3 * i + 2] = 1
                    return  // the faulting read runs again, over zeros
                }
            }
        }
        // Not ours: the action from before, which runs when the read faults again.
        sigaction(SIGBUS, &previous, nil)
    }
}
