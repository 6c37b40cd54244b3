import Foundation

/// The escape FIFO as a Markov chain: how often the lanes wait for escape values.
///
/// The shared escape unit decodes one value per cycle into a FIFO of `depth` entries; a group of
/// P lanes needs k values, k ~ Binomial(P, q) with q = E/n the layer's escape rate (escapes taken as
/// independent). The chain's state is (FIFO fill f at the start of the cycle, the waiting group's
/// k): if k ≤ f the group decodes (f ← f − k) and a new k is drawn, else the cycle stalls with the
/// same k; then the unit adds a value if the FIFO has room. The stationary distribution π gives
/// the expected stalls per decoded group, π(k > f) / π(k ≤ f).
///
/// ```swift
/// let stalls = EscapeQueue.stallsPerGroup(lanes: 2, escapeProbability: 0.4, depth: 2)
/// ```
public enum EscapeQueue {
    /// Expected stall cycles per decoded group (0 without escapes).
    static func stallsPerGroup(lanes p: Int, escapeProbability q: Double, depth: Int) -> Double {
        guard q > 0, p > 0, depth > 0 else { return 0 }
        let f = depth
        // Binomial pmf, truncated where the tail is negligible.
        var pmf = [Double](repeating: 0, count: p + 1)
        if q >= 1 {
            pmf[p] = 1
        } else {
            var logTerm = Double(p) * log1p(-q)
            for k in 0...p {
                pmf[k] = exp(logTerm)
                if k < p { logTerm += log(Double(p - k) / Double(k + 1)) + log(q) - log1p(-q) }
            }
        }
        var kMax = p
        var tail = 0.0
        while kMax > 0 && tail + pmf[kMax] < 1e-13 {
            tail += pmf[kMax]
            kMax -= 1
        }
        let width = kMax + 1
        let states = (f + 1) * width
        var pi = [Double](repeating: 0, count: states)
        for k in 0...kMax { pi[f * width + k] = pmf[k] }
        var next = [Double](repeating: 0, count: states)
        for _ in 0..<20_000 {
            for i in 0..<states { next[i] = 0 }
            for fill in 0...f {
                for k in 0...kMax {
                    let mass = pi[fill * width + k]
                    if mass == 0 { continue }
                    if k <= fill {
                        let after = min(fill - k + 1, f)
                        let row = after * width
                        for k2 in 0...kMax { next[row + k2] += mass * pmf[k2] }
                    } else {
                        next[min(fill + 1, f) * width + k] += mass
                    }
                }
            }
            var change = 0.0
            var total = 0.0
            for i in 0..<states { total += next[i] }
            for i in 0..<states {
                // Lazy step (½ stay, ½ move): same stationary distribution, and it converges
                // even when the chain is periodic (e.g. every group needs exactly P escapes).
                let value = 0.5 * (pi[i] + next[i] / total)
                change += abs(value - pi[i])
                pi[i] = value
            }
            if change < 1e-12 { break }
        }
        var stall = 0.0
        for fill in 0...f {
            for k in 0...kMax where k > fill { stall += pi[fill * width + k] }
        }
        return stall >= 1 ? .infinity : stall / (1 - stall)
    }
}
