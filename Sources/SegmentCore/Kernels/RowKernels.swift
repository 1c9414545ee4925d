/// Small kernels over one row of a row-major matrix, shared by the k-means steps.
///
/// Written with explicit SIMD vectors: Swift does not reassociate floating-point sums, so a plain
/// `for t in 0..<d { s += … }` is one dependent chain of d additions (about 4 cycles each), which
/// made the exact-distance checks of the Hamerly iterations the slowest part of a k sweep. Eight
/// (and then four) independent lanes cut that chain; the order of the additions is fixed, so the
/// results do not depend on anything but the inputs.
@usableFromInline
package enum RowKernels {
    /// ‖a − b‖² over `d` elements.
    @inline(__always) @usableFromInline
    package static func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc8 = SIMD8<Double>()
        var t = 0
        while t + 8 <= d {
            let diff = ra.loadUnaligned(fromByteOffset: t * 8, as: SIMD8<Double>.self)
                - rb.loadUnaligned(fromByteOffset: t * 8, as: SIMD8<Double>.self)
            acc8 = acc8.addingProduct(diff, diff)
            t += 8
        }
        var acc4 = acc8.lowHalf + acc8.highHalf
        while t + 4 <= d {
            let diff = ra.loadUnaligned(fromByteOffset: t * 8, as: SIMD4<Double>.self)
                - rb.loadUnaligned(fromByteOffset: t * 8, as: SIMD4<Double>.self)
            acc4 = acc4.addingProduct(diff, diff)
            t += 4
        }
        var s = acc4.sum()
        while t < d { let diff = a[t] - b[t]; s += diff * diff; t += 1 }
        return s
    }

    /// ‖a‖² over `d` elements.
    @inline(__always) @usableFromInline
    package static func squaredNorm(_ a: UnsafePointer<Double>, _ d: Int) -> Double {
        let ra = UnsafeRawPointer(a)
        var acc8 = SIMD8<Double>()
        var t = 0
        while t + 8 <= d {
            let v = ra.loadUnaligned(fromByteOffset: t * 8, as: SIMD8<Double>.self)
            acc8 = acc8.addingProduct(v, v)
            t += 8
        }
        var acc4 = acc8.lowHalf + acc8.highHalf
        while t + 4 <= d {
            let v = ra.loadUnaligned(fromByteOffset: t * 8, as: SIMD4<Double>.self)
            acc4 = acc4.addingProduct(v, v)
            t += 4
        }
        var s = acc4.sum()
        while t < d { s += a[t] * a[t]; t += 1 }
        return s
    }

    /// Copies row `a` to `destination` and returns ‖a − b‖² (one read of `a`).
    @inline(__always) @usableFromInline
    package static func copyAndSquaredDistance(_ a: UnsafePointer<Double>, to destination: UnsafeMutablePointer<Double>,
                                       _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b), rd = UnsafeMutableRawPointer(destination)
        var acc8 = SIMD8<Double>()
        var t = 0
        while t + 8 <= d {
            let v = ra.loadUnaligned(fromByteOffset: t * 8, as: SIMD8<Double>.self)
            rd.storeBytes(of: v, toByteOffset: t * 8, as: SIMD8<Double>.self)
            let diff = v - rb.loadUnaligned(fromByteOffset: t * 8, as: SIMD8<Double>.self)
            acc8 = acc8.addingProduct(diff, diff)
            t += 8
        }
        var acc4 = acc8.lowHalf + acc8.highHalf
        while t + 4 <= d {
            let v = ra.loadUnaligned(fromByteOffset: t * 8, as: SIMD4<Double>.self)
            rd.storeBytes(of: v, toByteOffset: t * 8, as: SIMD4<Double>.self)
            let diff = v - rb.loadUnaligned(fromByteOffset: t * 8, as: SIMD4<Double>.self)
            acc4 = acc4.addingProduct(diff, diff)
            t += 4
        }
        var s = acc4.sum()
        while t < d { destination[t] = a[t]; let diff = a[t] - b[t]; s += diff * diff; t += 1 }
        return s
    }
}
