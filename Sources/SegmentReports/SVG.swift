import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis

/// Escapes text for XML/HTML.
func xml(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}

/// A small SVG builder for the report's charts: well-formed XML, no scripts, no external resources.
struct SVG {
    let width: Double, height: Double
    var body: [String] = []

    init(width: Double, height: Double) { self.width = width; self.height = height }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, title: String? = nil) {
        let t = title.map { "<title>\(xml($0))</title>" } ?? ""
        body.append("<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(max(0, w)))\" height=\"\(fmt(max(0, h)))\" fill=\"\(fill)\">\(t)</rect>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#333", width: Double = 1, dash: Bool = false) {
        body.append("<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(fmt(width))\"\(dash ? " stroke-dasharray=\"4 3\"" : "")/>")
    }

    mutating func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", size: Double = 11, rotate: Double? = nil, weight: String = "normal", fill: String = "#222") {
        let r = rotate.map { " transform=\"rotate(\(fmt($0)) \(fmt(x)) \(fmt(y)))\"" } ?? ""
        body.append("<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(fmt(size, 0))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(r)>\(xml(s))</text>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2) {
        let p = points.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(fmt(width))\"/>")
    }

    mutating func circle(_ x: Double, _ y: Double, _ r: Double, fill: String, title: String? = nil) {
        let t = title.map { "<title>\(xml($0))</title>" } ?? ""
        body.append("<circle cx=\"\(fmt(x))\" cy=\"\(fmt(y))\" r=\"\(fmt(r))\" fill=\"\(fill)\">\(t)</circle>")
    }

    var rendered: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width, 0))\" height=\"\(fmt(height, 0))\" viewBox=\"0 0 \(fmt(width, 0)) \(fmt(height, 0))\" role=\"img\" font-family=\"Helvetica, Arial, sans-serif\">"
            + body.joined() + "</svg>"
    }
}

/// Axis helpers: "nice" tick values for a range.
func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
    guard hi > lo, hi.isFinite, lo.isFinite else { return [lo] }
    let raw = (hi - lo) / Double(count)
    let mag = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
    var t = ceil(lo / step) * step
    var out: [Double] = []
    while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
    return out
}

/// A diverging colour for a standardized difference (blue below, red above the population).
func divergingColor(_ z: Double) -> String {
    let t = max(-1, min(1, z / 1.5))
    if t >= 0 {
        let c = Int(255 - 180 * t)
        return String(format: "#ff%02x%02x", c, c)
    }
    let c = Int(255 + 180 * t)
    return String(format: "#%02x%02xff", c, c)
}
