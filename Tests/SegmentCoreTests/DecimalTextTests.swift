import Foundation
import Testing
@testable import SegmentCore

@Suite("Numbers as printf writes them")
struct DecimalTextTests {
    func g(_ x: Double, _ p: Int) -> String {
        var out: [UInt8] = []
        DecimalText.appendG(x, significant: p, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("%g agrees with String(format:) byte for byte: random magnitudes, exact ties, powers of ten, edges")
    func agreesWithPrintf() {
        var rng = SplitMix64(seed: 7)
        var values: [Double] = [0, -0.0, 1, 10, 100, 0.1, 0.0001, 0.00001, 9.5, 0.5, 1.5, 2.5, 99999.95, 999999.5, 123456789,
                                1e15, 1e16, 1e17, 4.5e15, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                Double.ulpOfOne, 1 - Double.ulpOfOne / 2]
        for _ in 0..<60_000 {
            let u = Double(rng.next() >> 11) / Double(1 << 53)
            let magnitude = pow(10, Double(Int(rng.next() % 24)) - 8)
            values.append((rng.next() & 1 == 0 ? 1 : -1) * u * magnitude)
        }
        // Exact ties at a digit: k + 0.5 at scales of 2^-n, where rounding half-to-even decides.
        for k in 0..<2_000 { for n in 0..<6 { values.append((Double(k) + 0.5) / Double(1 << n)) } }
        // Numbers just beside the powers of ten, where the exponent changes while rounding.
        for e in -6...15 {
            let t = pow(10.0, Double(e))
            values += [t, t.nextUp, t.nextDown, t * (1 - 5e-10), t * (1 + 5e-10), t * 0.9999995, t * 0.99999995]
        }
        var mismatches: [String] = []
        for x in values {
            for p in [1, 2, 3, 6, 9, 12, 15, 17] {
                let want = String(format: "%.\(p)g", x)
                let got = g(x, p)
                if got != want && mismatches.count < 10 { mismatches.append("\(x) %.\(p)g: \(got) != \(want)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("integers in decimal, the extremes included")
    func integers() {
        for v in [0, 7, -7, 10, 99, 100, 1_082_872, -1_000_000, Int.max, Int.min] {
            var out: [UInt8] = []
            DecimalText.appendInt(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
    }
}
