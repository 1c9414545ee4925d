import Foundation

/// `v` with `digits` decimals for people to read (reports, profiles, messages); never "-0.00": a
/// value that rounds to zero prints as zero.
package func fmt(_ v: Double, _ digits: Int = 2) -> String {
    let s = String(format: "%.\(digits)f", v)
    return s.hasPrefix("-") && s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(s.dropFirst()) : s
}

/// Indices of `values` ordered by `key` descending, values whose keys agree to about nine significant
/// digits (relative to the largest |key|) counting as tied and kept in index order. Two backends
/// whose results differ in the last bits then rank alike: a plain sort let exact ties (e.g. the
/// loadings of a column and its complement, 0.525 and -0.525) fall either way.
public func rankDescending(_ values: [Double], by key: (Double) -> Double = { $0 }) -> [Int] {
    let keys = values.map(key)
    let scale = keys.map(abs).max() ?? 0
    guard scale > 0, scale.isFinite else { return Array(values.indices) }
    let quantised = keys.map { ($0 / scale * 1e9).rounded() }
    return values.indices.sorted { quantised[$0] != quantised[$1] ? quantised[$0] > quantised[$1] : $0 < $1 }
}
