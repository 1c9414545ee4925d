import Dispatch

/// A value handed across threads whose safety the caller guarantees (disjoint writes, or reads only).
@usableFromInline
struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @inlinable init(_ value: T) { self.value = value }
}

/// Runs `body(0..<iterations)` on up to that many threads and returns when all are done.
///
/// The one place the package starts threads of its own. Callers give each iteration a disjoint part
/// of the output, so no two iterations write the same memory.
@inlinable
public func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    if iterations <= 1 {
        if iterations == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: iterations) { i in box.value(i) }
    }
}
