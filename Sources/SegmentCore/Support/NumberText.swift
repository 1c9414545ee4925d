import Foundation

/// `v` with `digits` decimals for people to read (reports, profiles, messages); never "-0.00": a
/// value that rounds to zero prints as zero.
package func fmt(_ v: Double, _ digits: Int = 2) -> String {
    let s = String(format: "%.\(digits)f", v)
    return s.hasPrefix("-") && s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(s.dropFirst()) : s
}
