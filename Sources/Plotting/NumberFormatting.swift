import Foundation

/// `x` with exactly `digits` decimals (deterministic, locale-free).
func formatFixed(_ x: Double, digits: Int) -> String {
    guard x.isFinite else { return "NaN" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    let whole = Int64(scaled / scale)
    var out = (x < 0 && scaled > 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let frac = Int64(scaled) - whole * Int64(scale)
        let fracText = String(frac)
        out += "." + String(repeating: "0", count: digits - fracText.count) + fracText
    }
    return out
}

/// A short label for a number: shortest round-trip form, without a trailing `.0`.
func compactNumber(_ x: Double) -> String {
    guard x.isFinite else { return "NaN" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

/// A tic label with an SI prefix and at most three significant digits: `997.9M` → `998M`,
/// `2214` → `2.21k`, `0.5` → `0.5`.
func siLabel(_ x: Double) -> String {
    guard x.isFinite, x != 0 else { return x.isFinite ? "0" : "NaN" }
    let prefixes: [Int: String] = [-12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T"]
    var exponent = Int(Foundation.floor(Foundation.log10(abs(x)) / 3)) * 3
    exponent = min(12, max(-12, exponent))
    var mantissa = x / Foundation.pow(10, Double(exponent))
    // Three significant digits: 1.23, 12.3, 123.
    let digits = abs(mantissa) >= 100 ? 0 : abs(mantissa) >= 10 ? 1 : 2
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    mantissa = (mantissa * scale).rounded() / scale
    var text = formatFixed(mantissa, digits: digits)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text + (prefixes[exponent] ?? "e\(exponent)")
}
