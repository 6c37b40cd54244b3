import Foundation

/// An explicit axis range for a plot, computed in Swift so gnuplot never has to autoscale:
/// autoscaling fails ("range is invalid") on empty or constant data, and an explicit range
/// also makes the picture independent of gnuplot's heuristics.
struct AxisRange: Sendable, Equatable {
    var lower: Double
    var upper: Double
    /// Logarithmic axis (`set logscale`); `lower` and `upper` are then positive.
    var isLog: Bool
    /// The one value the range was padded around, when the data had a single distinct value.
    var singleValue: Double? = nil

    /// A linear range covering the finite `values` and `include`, padded by `padding` of the
    /// span on each side. No data gives `fallback`; a single value gets a span around it.
    static func linear(_ values: [Double], include: [Double] = [], padding: Double = 0.05,
                       fallback: ClosedRange<Double> = 0...1) -> AxisRange {
        let finite = (values + include).filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else {
            return AxisRange(lower: fallback.lowerBound, upper: fallback.upperBound, isLog: false)
        }
        let span = hi - lo
        if span <= 1e-12 * max(1, abs(hi)) {
            let pad = max(abs(hi) * 0.05, 0.5)
            return AxisRange(lower: lo - pad, upper: hi + pad, isLog: false, singleValue: hi)
        }
        return AxisRange(lower: lo - span * padding, upper: hi + span * padding, isLog: false)
    }

    /// A log range over the positive finite `values` (and `include`), padded by a factor;
    /// no positive data gives `fallback`.
    static func log(_ values: [Double], include: [Double] = [], padding: Double = 0.06,
                    fallback: ClosedRange<Double> = 1...10) -> AxisRange {
        let positive = (values + include).filter { $0.isFinite && $0 > 0 }
        guard let lo = positive.min(), let hi = positive.max() else {
            return AxisRange(lower: fallback.lowerBound, upper: fallback.upperBound, isLog: true)
        }
        if hi / lo < 1.000_001 {
            return AxisRange(lower: lo / 2, upper: hi * 2, isLog: true, singleValue: hi)
        }
        let factor = Foundation.pow(hi / lo, padding)
        return AxisRange(lower: lo / factor, upper: hi * factor, isLog: true)
    }

    /// Log when every value is positive and they span more than `ratio`, else linear.
    static func auto(_ values: [Double], include: [Double] = [], ratio: Double = 10) -> AxisRange {
        let finite = (values + include).filter(\.isFinite)
        if let lo = finite.min(), let hi = finite.max(), lo > 0, hi / lo > ratio {
            return log(values, include: include)
        }
        return linear(values, include: include)
    }

    func contains(_ x: Double) -> Bool { x >= lower && x <= upper }

    /// `set <axis>range [lo:hi]` plus the matching `set logscale`/`unset logscale` line.
    func commands(axis: String, logBase: Int = 10) -> String {
        // Scale first: a range with negative ends on a still-logarithmic axis makes gnuplot warn.
        let scale = isLog ? "set logscale \(axis) \(logBase)\n" : "unset logscale \(axis)\n"
        return scale + "set \(axis)range [\(gnuplotNumber(lower)):\(gnuplotNumber(upper))]\n"
    }
}

extension AxisRange {
    /// For a log axis: tics at powers of two labelled `1/8`, `1/2`, `1`, `4`… (gnuplot's `%g`
    /// would print 0.00390625), at most about eight of them. Empty for a linear axis.
    func powerOfTwoTics(axis: String) -> String {
        guard isLog else { return "" }
        let first = Int(Foundation.ceil(Foundation.log2(lower) - 1e-9))
        let last = Int(Foundation.floor(Foundation.log2(upper) + 1e-9))
        guard first <= last else { return "" }
        let stride = max(1, (last - first + 8) / 8)
        // Keep 2^0 = 1 on the grid when it is in range: it is the 1-bit frontier.
        let anchor = first <= 0 && last >= 0 ? 0 : first
        var tics: [String] = []
        for k in first...last where (k - anchor) % stride == 0 {
            let label = k >= 0 ? String(1 << min(k, 62)) : "1/" + String(1 << min(-k, 62))
            tics.append("\"\(label)\" \(gnuplotNumber(Foundation.pow(2, Double(k))))")
        }
        return "set \(axis)tics (\(tics.joined(separator: ", ")))\nset m\(axis)tics default\n"
    }
}

extension AxisRange {
    /// Automatic tics (undoing an earlier panel's explicit ones) and `set format <axis>` with SI prefixes (`950M`, `1.2G`, `-600k`) and just enough
    /// decimals that neighbouring tics differ: a fixed `%.0s%c` prints `2k 2k 2k` on a narrow
    /// range, as a single configuration or a constant column gives.
    func siFormat(axis: String) -> String {
        if let single = singleValue {
            // One value (a single configuration): one tic, labelled in Swift, as any tic
            // format precise enough to tell the padded range's tics apart is unreadable.
            return "set \(axis)tics (\(gnuplotString(siLabel(single))) \(gnuplotNumber(single)))\nunset m\(axis)tics\n"
        }
        let decades = isLog && lower > 0 ? Foundation.log10(upper / lower) : 0
        if isLog && decades >= 1 {
            // gnuplot puts the major tics of a log axis spanning a decade on powers of ten.
            return "set \(axis)tics autofreq\nset format \(axis) \"%.0s%c\"\n"
        }
        let maxAbs = max(abs(lower), abs(upper))
        let span = upper - lower
        guard maxAbs > 0, span > 0 else { return "set \(axis)tics autofreq\nset format \(axis) \"%.0s%c\"\n" }
        let prefixExponent = 3 * Foundation.floor(Foundation.log10(maxAbs) / 3)
        let step = span / 6 / Foundation.pow(10, prefixExponent)
        let decimals = min(4, max(0, Int(Foundation.ceil(-Foundation.log10(step)))))
        return "set \(axis)tics autofreq\nset format \(axis) \"%.\(decimals)s%c\"\n"
    }
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
