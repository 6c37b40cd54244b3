/// Reusable memory for ``TANSCodec/encode(_:alphabetSize:tableLog:lanes:layout:escape:into:workspace:)``:
/// the backward writers' scratch, the quad kernels' code blocks, the gathered escapes and the
/// escape lane's result. A caller encoding many streams keeps one workspace (and one result),
/// so no stream-sized memory is allocated — and no fresh pages faulted in — once they have
/// grown to the largest stream. (The tables, O(2^R + alphabet), are still built per call.)
///
/// ```swift
/// var workspace = TANSEncodeWorkspace()
/// var coded = TANSEncoded.empty
/// try TANSCodec.encode(symbols, alphabetSize: 15, tableLog: 11, lanes: 16, layout: .split,
///                      into: &coded, workspace: &workspace)
/// ```
public struct TANSEncodeWorkspace: Sendable {
    /// Backward-writer scratch (grown on demand).
    var scratch: [UInt8] = []
    /// Code blocks of the quad encoder (``TANSCodec/encodeSplitQuads``).
    var codes: [UInt32] = []
    /// The state table as 32-bit entries (gathered by the AVX2 encoder).
    var stateTable32: [UInt32] = []
    /// Gathered escape symbols, after one slot of slack (plus ``EscapeGathering/slack`` for the
    /// quad encoder).
    var escaped: [UInt8] = []
    /// The escape lane's encoding.
    var escapeLane = TANSEncoded.empty

    public init() {}

    /// Grows `buffer` to at least `count` elements (contents unspecified: written before read).
    static func reserve<T: FixedWidthInteger>(_ buffer: inout [T], _ count: Int) {
        if buffer.count < count { buffer = [T](repeating: 0, count: max(count, buffer.count + buffer.count / 2)) }
    }
}

extension TANSEncoded {
    /// An empty sequence (no symbols), a starting value for results that encoding overwrites.
    public static var empty: TANSEncoded {
        TANSEncoded(symbolCount: 0, alphabetSize: 1, tableLog: TANSCodec.tableLogs.lowerBound, lanes: 1, layout: .split,
                    constantSymbol: 0, counts: nil, initialStates: [], laneStreams: [], payload: [], escape: nil)
    }

    /// Resets every field for a new encoding, keeping the arrays' capacity.
    mutating func reset(symbolCount: Int, alphabetSize: Int, tableLog: Int, lanes: Int, layout: TANSLayout) {
        self.symbolCount = symbolCount
        self.alphabetSize = alphabetSize
        self.tableLog = tableLog
        self.lanes = lanes
        self.layout = layout
        constantSymbol = nil
        counts = nil
        initialStates.removeAll(keepingCapacity: true)
        laneStreams.removeAll(keepingCapacity: true)
        payload.removeAll(keepingCapacity: true)
        escape = nil
    }
}
