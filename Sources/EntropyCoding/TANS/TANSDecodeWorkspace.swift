/// Reusable memory for ``TANSCodec/decode(_:into:workspace:)``: the packed decode tables and
/// the payloads copied next to the 8 zero bytes the kernels' 8-byte loads need. A caller
/// decoding many streams (a benchmark, a model loader) keeps one workspace, so a decode call
/// allocates nothing once the workspace has grown to the largest stream.
///
/// ```swift
/// var workspace = TANSDecodeWorkspace()
/// var out = [UInt8](repeating: 0, count: coded.symbolCount)
/// try out.withUnsafeMutableBufferPointer { try TANSCodec.decode(coded, into: $0, workspace: &workspace) }
/// ```
public struct TANSDecodeWorkspace: Sendable {
    /// Packed entries of the main table (see ``TANSDecodeTable``), grown to the largest table.
    var entries: [UInt32] = []
    /// Packed entries of the escape table.
    var escapeEntries: [UInt32] = []
    /// The spread of the table being built.
    var spread: [UInt8] = []
    /// Per symbol value, the smallest state of the main table holding it: where every lane
    /// must end (see ``TANSDecoderKernels/checkFinalState(_:lane:entries:firstStates:)``).
    var firstStates: [UInt16] = []
    /// The same for the escape table.
    var escapeFirstStates: [UInt16] = []
    /// Main payload + 8 zero bytes (grown on demand).
    var stream: [UInt8] = []
    /// Escape payload + 8 zero bytes (grown on demand).
    var escapeStream: [UInt8] = []
    /// The decoded escape lane, with slack after it (see ``TANSCodec/decodeEscapeValues``).
    var escapeValues: [UInt8] = []

    public init() {}

    /// Builds the packed entries of `counts` in `table` and each symbol's smallest state in
    /// `firstStates` (256 entries), `spread` as scratch (each grown if smaller than the table;
    /// `table` keeps one entry more, zero or an earlier table's).
    static func build(_ counts: NormalizedCounts, into table: inout [UInt32], firstStates: inout [UInt16],
                      spread: inout [UInt8]) {
        let size = counts.tableSize
        // One entry more than the table: the AVX2 decoder gathers 8 bytes per state.
        if table.count < size + 1 { table = [UInt32](repeating: 0, count: size + 1) }
        if spread.count < size { spread = [UInt8](repeating: 0, count: size) }
        if firstStates.count < 256 { firstStates = [UInt16](repeating: 0, count: 256) }
        table.withUnsafeMutableBufferPointer { entries in
            spread.withUnsafeMutableBufferPointer { spread in
                TANSDecodeTable.pack(counts, into: entries.baseAddress!, spread: spread.baseAddress!)
                firstStates.withUnsafeMutableBufferPointer { first in
                    // Downwards, so each symbol keeps its smallest state (absent symbols keep an
                    // earlier table's value: no lane can end in a state of a symbol not in the table).
                    for u in stride(from: size - 1, through: 0, by: -1) {
                        first[Int(spread[u])] = UInt16(truncatingIfNeeded: u)
                    }
                }
            }
        }
    }

    /// Copies `payload` into `buffer` followed by 8 zero bytes, growing `buffer` if needed, and
    /// returns the padded length.
    static func pad(_ payload: [UInt8], into buffer: inout [UInt8]) -> Int {
        let length = payload.count + 8
        if buffer.count < length { buffer = [UInt8](repeating: 0, count: max(length, buffer.count * 2)) }
        buffer.withUnsafeMutableBufferPointer { b in
            payload.withUnsafeBufferPointer { p in
                if let source = p.baseAddress { b.baseAddress!.update(from: source, count: p.count) }
            }
            (b.baseAddress! + payload.count).update(repeating: 0, count: 8)
        }
        return length
    }
}

extension TANSDecodeTable {
    /// Writes the packed entries of `counts` (the ``packed`` layout) to `entries` without
    /// allocating, using `spread` (`≥ 2^R` bytes) as scratch. Same entries as
    /// ``init(counts:)``.
    /// - Complexity: O(2^R + alphabet size).
    static func pack(_ counts: NormalizedCounts, into entries: UnsafeMutablePointer<UInt32>,
                     spread: UnsafeMutablePointer<UInt8>) {
        let size = counts.tableSize
        let mask = size - 1
        let step = TANSSpread.step(tableSize: size)
        counts.counts.withUnsafeBufferPointer { f in
            var position = 0
            for symbol in 0..<f.count where f[symbol] > 0 {
                for _ in 0..<f[symbol] {
                    spread[position] = UInt8(truncatingIfNeeded: symbol)
                    position = (position &+ step) & mask
                }
            }
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { next in
                for s in 0..<f.count { next[s] = f[s] }
                for u in 0..<size {
                    let s = Int(spread[u])
                    let state = next[s]
                    next[s] = state &+ 1
                    let nb = counts.tableLog &- (Int.bitWidth &- 1 &- state.leadingZeroBitCount)
                    let base = (state &<< nb) &- size
                    entries[u] = UInt32(truncatingIfNeeded: 63 &- nb) | UInt32(truncatingIfNeeded: s) &<< 8
                        | UInt32(truncatingIfNeeded: base) &<< 16
                }
            }
        }
    }
}
