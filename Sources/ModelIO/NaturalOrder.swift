/// "Natural" string order: runs of ASCII digits compare by numeric value, so layer names
/// sort the way the layers appear in the model (`features.2` < `features.10`).
///
/// ```swift
/// ["b.10", "b.2", "a"].sorted(by: NaturalOrder.less)   // ["a", "b.2", "b.10"]
/// ```
public enum NaturalOrder {
    public static func less(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while i < x.count && j < y.count {
            if isDigit(x[i]) && isDigit(y[j]) {
                // Compare digit runs by value: skip leading zeros, then length, then digits.
                var si = i, sj = j
                while si < x.count && x[si] == 0x30 { si += 1 }
                while sj < y.count && y[sj] == 0x30 { sj += 1 }
                var ei = si, ej = sj
                while ei < x.count && isDigit(x[ei]) { ei += 1 }
                while ej < y.count && isDigit(y[ej]) { ej += 1 }
                if ei - si != ej - sj { return ei - si < ej - sj }
                for k in 0..<(ei - si) where x[si + k] != y[sj + k] { return x[si + k] < y[sj + k] }
                // Equal values: fewer leading zeros first, so the order stays total.
                if ei - i != ej - j { return ei - i < ej - j }
                i = ei
                j = ej
            } else {
                if x[i] != y[j] { return x[i] < y[j] }
                i += 1
                j += 1
            }
        }
        return x.count - i < y.count - j
    }
}
