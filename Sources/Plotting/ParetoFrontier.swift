/// The non-dominated points of an accuracy-against-bits cloud: maximize accuracy, minimize bits.
///
/// A point is on the frontier when no other point has at most its bits and strictly more
/// accuracy, or strictly fewer bits and at least its accuracy. Points with a NaN or infinite
/// coordinate are ignored. Of exact duplicates the first is kept. Runs in O(n log n).
///
/// ```swift
/// let bits = [2.0, 1.0, 0.5, 1.5]
/// let acc  = [90.0, 89.0, 80.0, 88.0]
/// ParetoFrontier.indices(bits: bits, accuracy: acc)   // [2, 1, 0]  (0.5, 1.0, 2.0 bits)
/// ```
public enum ParetoFrontier {
    /// Indices of the frontier points, sorted by increasing bits (so also increasing accuracy).
    public static func indices(bits: [Double], accuracy: [Double]) -> [Int] {
        precondition(bits.count == accuracy.count, "bits and accuracy must pair up")
        let candidates = bits.indices.filter { bits[$0].isFinite && accuracy[$0].isFinite }
        // Fewest bits first; among equal bits the most accurate first, then input order.
        let order = candidates.sorted { a, b in
            if bits[a] != bits[b] { return bits[a] < bits[b] }
            if accuracy[a] != accuracy[b] { return accuracy[a] > accuracy[b] }
            return a < b
        }
        var frontier: [Int] = []
        var best = -Double.infinity
        for i in order where accuracy[i] > best {
            frontier.append(i)
            best = accuracy[i]
        }
        return frontier
    }
}
