#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ideal code length of every symbol under the tables ``TANSCodec`` builds for a histogram:
/// `−log₂(f_s / 2^R)` for a symbol of the main table, plus the escape table's
/// `−log₂(f'_s / 2^R')` for a symbol the planner routes through the escape stream (the main
/// table then codes the escape symbol in its place). What a rate–distortion quantizer charges a
/// level (`RDOQ`), without encoding anything.
///
/// A symbol absent from the histogram has no table slot. If a quantizer wrote it, the next
/// table would give it at least one slot, so it is charged `absentBits` = the larger of `R`
/// (one slot of `2^R`, the dearest a main-table symbol can be) and the dearest present symbol
/// (an assumption: its true cost depends on the table that would result).
/// A histogram with one present symbol codes it in zero bits (``TANSCodec`` writes no table).
///
/// ```swift
/// let lengths = try TANSCodeLengths(histogram: [1, 6, 1], tableLog: 5)
/// lengths.bits       // [3, 0.415…, 3]: normalized counts [4, 24, 4] of 32
/// lengths.headerBits // the normalized counts' coded size
/// ```
/// - Complexity: one ``TANSPlanner`` plan (the same the encoder makes), O(alphabet · log) for
///   the normalization, independent of the symbol count.
public struct TANSCodeLengths: Sendable, Equatable {
    /// Code length in bits per symbol value (`histogram.count` entries).
    public let bits: [Double]
    /// Bits charged to a symbol absent from the histogram (see the type's documentation).
    public let absentBits: Double
    /// Bits of the table headers (normalized counts of the main and escape tables).
    public let headerBits: Double
    /// Symbols routed through the escape stream.
    public let escapedSymbols: Int

    /// The code lengths of `histogram` (entries ≥ 0, at least one positive, at most 256).
    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` for a table log outside
    ///   ``TANSCodec/tableLogs`` or a histogram ``TANSCodec`` cannot code.
    public init(histogram: [Int], tableLog: Int) throws {
        guard TANSCodec.tableLogs.contains(tableLog) else {
            throw EntropyCodingError.invalidParameter("table log \(tableLog) is outside \(TANSCodec.tableLogs)")
        }
        guard TANSCodec.alphabetSizes.contains(histogram.count), histogram.allSatisfy({ $0 >= 0 }) else {
            throw EntropyCodingError.invalidParameter("a histogram of 1…256 non-negative counts is needed")
        }
        let present = histogram.indices.filter { histogram[$0] > 0 }
        guard present.count >= 2 else {
            bits = histogram.map { $0 > 0 ? 0 : Double(tableLog) }
            absentBits = Double(tableLog)
            headerBits = 0
            escapedSymbols = 0
            return
        }
        let plan = try TANSPlanner.plan(histogram: histogram, tableLog: tableLog, policy: .automatic)
        let main = plan.counts
        var lengths = [Double](repeating: .nan, count: histogram.count)
        var header = Double(NormalizedCountsCoding.bitCount(main))
        var escaped = 0
        func length(_ count: Int, _ log: Int) -> Double { Double(log) - log2(Double(count)) }
        for s in present {
            if let rare = plan.rare, let escape = plan.escapeCounts, rare.isRare[s] {
                lengths[s] = length(main.counts[Int(rare.symbol)], main.tableLog) + length(escape.counts[s], escape.tableLog)
                escaped += 1
            } else {
                lengths[s] = length(main.counts[s], main.tableLog)
            }
        }
        if let escape = plan.escapeCounts { header += Double(NormalizedCountsCoding.bitCount(escape)) }
        let dearest = present.map { lengths[$0] }.max() ?? 0
        let absent = max(Double(tableLog), dearest)
        bits = lengths.map { $0.isNaN ? absent : $0 }
        absentBits = absent
        headerBits = header
        escapedSymbols = escaped
    }

    /// `Σ n_s · bits_s` for a histogram over the same alphabet: the ideal payload size.
    public func payloadBits(_ histogram: [Int]) -> Double {
        var total = 0.0
        for (s, n) in histogram.enumerated() where n > 0 { total += Double(n) * (s < bits.count ? bits[s] : absentBits) }
        return total
    }
}
