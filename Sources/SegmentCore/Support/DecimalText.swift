import Foundation

/// Numbers as the bytes C's printf writes for them, appended to a byte buffer, for files with a
/// million lines (the assignment CSVs): `String(format:)` costs ~1 µs a number through Foundation,
/// which made writing the assignments ~2.4 s of CPU, a fifth of a run. Written by hand because
/// neither the standard library nor the packages here format a Double to a fixed precision; the
/// `%g` output is exact (glibc's: the binary value rounded half-to-even at the last digit), checked
/// against `String(format:)` on millions of values by the tests, and anything outside the common
/// range (exponent style, subnormals, NaN, values of 10^19 or more) goes to `String(format:)` itself.
public enum DecimalText {
    /// `v` in decimal.
    public static func appendInt(_ v: Int, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        appendDigits(UInt64(v.magnitude), to: &out)
    }

    /// The digits from the last, each a division by the constant 10 (a multiply and a shift),
    /// into a buffer on the stack, then appended at once. (From the first digit down, each digit
    /// took two divisions by a variable power of ten: the CSV writer spent most of its time there.)
    static func appendDigits(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var m = v, start = 20
            repeat {
                start -= 1
                buffer[start] = UInt8(truncatingIfNeeded: m % 10) &+ 48
                m /= 10
            } while m > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<20]))
        }
    }

    /// `String(format: "%.<significant>g", x)`, for 1 <= significant <= 17.
    public static func appendG(_ x: Double, significant p: Int, to out: inout [UInt8]) {
        guard let (digits, exponent) = roundedDigits(x, significant: p), exponent >= -4, exponent < p else {
            out.append(contentsOf: Array(String(format: "%.\(p)g", x).utf8))
            return
        }
        if x < 0 { out.append(UInt8(ascii: "-")) }
        // Fixed style with p - 1 - exponent decimals, trailing zeros (and a bare point) dropped.
        var decimals = p - 1 - exponent
        let unit = pow10(decimals)
        var fraction = digits % unit
        appendDigits(digits / unit, to: &out)
        while decimals > 0 && fraction % 10 == 0 { fraction /= 10; decimals -= 1 }
        guard decimals > 0 else { return }
        out.append(UInt8(ascii: "."))
        var width = 1, bound: UInt64 = 10
        while bound <= fraction { width += 1; bound &*= 10 }
        for _ in width..<max(width, decimals) { out.append(48) }
        appendDigits(fraction, to: &out)
    }

    /// |x| rounded half-to-even to `p` significant digits: (the digits as an integer of exactly
    /// p digits, the decimal exponent of the first). Nil where the exact arithmetic here does not
    /// reach (zero, subnormals, NaN, infinities, |x| >= 2^52, or more than 19 decimals needed).
    static func roundedDigits(_ x: Double, significant p: Int) -> (UInt64, Int)? {
        guard x.isNormal, (1...17).contains(p) else { return nil }
        let bits = x.bitPattern
        let biased = Int((bits >> 52) & 0x7FF)
        let mantissa = UInt128((bits & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000)
        let shift = 1075 - biased                          // |x| = mantissa / 2^shift
        guard shift >= 1 else { return nil }
        let low = pow10(p - 1), high = pow10(p)
        var exponent = Int(log10(abs(x)).rounded(.down))
        for _ in 0..<3 {
            let scale = p - 1 - exponent                   // N = |x| * 10^scale should have p digits
            guard scale >= 0, scale <= 19, shift < 128 else { return nil }
            let numerator = mantissa * UInt128(pow10(scale))
            var q = numerator >> shift
            if q < UInt128(low) { exponent -= 1; continue }
            if q >= UInt128(high) { exponent += 1; continue }
            let rest = numerator & ((UInt128(1) << shift) - 1), half = UInt128(1) << (shift - 1)
            if rest > half || (rest == half && q & 1 == 1) { q += 1 }
            if q == UInt128(high) { return (low, exponent + 1) }
            return (UInt64(q), exponent)
        }
        return nil
    }

    static func pow10(_ n: Int) -> UInt64 {
        var r: UInt64 = 1
        for _ in 0..<n { r &*= 10 }
        return r
    }
}
