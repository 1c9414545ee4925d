import Dispatch
import Foundation

/// A value handed across threads whose safety the caller guarantees (disjoint writes, or reads only).
@usableFromInline
package struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline package let value: T
    @inlinable package init(_ value: T) { self.value = value }
}

/// Runs `body(0..<iterations)` on up to that many threads and returns when all are done.
///
/// The one place the package starts threads of its own. Callers give each iteration a disjoint part
/// of the output, so no two iterations write the same memory.
@inlinable
func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    if iterations <= 1 {
        if iterations == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: iterations) { i in box.value(i) }
    }
}

/// Runs `body(i)` for every `i` in `0..<count` on up to `workers` threads, each worker taking the
/// next index not yet taken: for items of uneven cost, or a worker that starts late (Dispatch's
/// second thread reached the loader's first loop about 2 ms after the first, and every other
/// chunk of the row scan then waited for it).
func parallelForEach(_ count: Int, workers: Int, _ body: (Int) -> Void) {
    let n = min(workers, count)
    if n <= 1 {
        for i in 0..<count { body(i) }
        return
    }
    let next = NextIndex(count)
    parallelFor(n) { _ in
        while let i = next.take() { body(i) }
    }
}

/// Hands out `0..<count` in order, once each, to whichever thread asks.
private final class NextIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    init(_ count: Int) { self.count = count }
    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}
