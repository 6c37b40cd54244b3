/// How each quantized tensor's stored form is chosen.
///
/// A small layer pays for its table description and lane states as much as for its weights:
/// LeNet-5's conv1 (150 weights, 19 bins) spends 198 of its 748 tANS bits on the header at
/// R = 10. ``smallest`` lets each tensor pick, by exact size, among tANS at every table log from
/// the configured one down to the fewest that holds its symbols (a smaller table has smaller
/// normalized counts — a shorter description — and shorter states), and fixed-width storage
/// (no table at all). The decoder holds a table of the configured size, so a smaller per-layer
/// table log fits it; a fixed-width layer takes the decoder's bypass path
/// (`DecoderHardware.LayerProfile.bypassBits`).
///
/// ```swift
/// let choice = try StoredFormChoice(symbols, alphabetSize: 19, tableLog: 10, lanes: 1, layout: .split)
/// choice.chosen.label        // "tANS R=6"
/// choice.candidates          // every form tried, with its exact bits
/// ```
public enum LayerForm: String, Sendable, CaseIterable, Hashable {
    /// Every tensor with the configured codec and table log.
    case configured
    /// Per tensor, the smallest of tANS at table logs 5…R and fixed-width (``StoredFormChoice``).
    case smallest
}

/// One stored form a tensor could take, with its exact coded size.
public struct StoredFormCandidate: Sendable, Equatable {
    /// The codec and parameters of the form.
    public var configuration: CodecConfiguration
    /// Exact bits of the coded stream: table description, lane states and payload.
    public var bits: Int

    /// `tANS R=7`, `fixed 5 b/w`.
    public var label: String {
        switch configuration {
        case .tans(let tableLog, _, _, _): return "tANS R=\(tableLog)"
        case .fixedWidth: return "fixed"
        case .huffman: return "Huffman"
        case .rans: return "rANS"
        }
    }
}

/// The smallest stored form of one tensor's symbols (``LayerForm/smallest``), and every form
/// tried.
///
/// Candidates, in order: tANS at the configured table log R, then at R − 1, … down to the
/// smallest table log that holds the used symbols (at least 5), then fixed-width. The first
/// candidate of the fewest bits wins, so the configured form is kept unless another is strictly
/// smaller. A constant tensor codes the same at every table log and keeps R.
///
/// - Complexity: O(n · (R − 4)) for n symbols: one tANS encoding per table log, one fixed-width
///   packing.
public struct StoredFormChoice: Sendable {
    /// Every form tried, in the order above.
    public let candidates: [StoredFormCandidate]
    /// The chosen encoding.
    public let coded: CodedSymbols
    /// Index of the chosen form in ``candidates``.
    public let chosenIndex: Int

    public var chosen: StoredFormCandidate { candidates[chosenIndex] }

    public init(_ symbols: [UInt8], alphabetSize: Int, tableLog: Int, lanes: Int, layout: TANSLayout,
                escape: TANSEscapePolicy = .automatic) throws {
        var candidates: [StoredFormCandidate] = []
        var best: CodedSymbols?
        var bestIndex = 0
        func consider(_ configuration: CodecConfiguration, _ coded: CodedSymbols) {
            candidates.append(StoredFormCandidate(configuration: configuration, bits: coded.totalBits))
            if best == nil || coded.totalBits < best!.totalBits {
                best = coded
                bestIndex = candidates.count - 1
            }
        }
        let configured = CodecConfiguration.tans(tableLog: tableLog, lanes: lanes, layout: layout, escape: escape)
        let first = try configured.encode(symbols, alphabetSize: alphabetSize)
        consider(configured, first)
        if case .tans(let t) = first, t.counts != nil {
            // The fewest table slots that hold every used symbol.
            let used = t.counts!.presentSymbolCount
            let fewest = max(TANSCodec.tableLogs.lowerBound, Int.bitWidth - (max(used, 2) - 1).leadingZeroBitCount)
            var r = tableLog - 1
            while r >= fewest {
                let smaller = CodecConfiguration.tans(tableLog: r, lanes: lanes, layout: layout, escape: escape)
                if let coded = try? smaller.encode(symbols, alphabetSize: alphabetSize) { consider(smaller, coded) }
                r -= 1
            }
            consider(.fixedWidth, try CodecConfiguration.fixedWidth.encode(symbols, alphabetSize: alphabetSize))
        }
        self.candidates = candidates
        self.coded = best!
        self.chosenIndex = bestIndex
    }

    /// Why the chosen form won, for `subbit inspect`: `tANS R=6 680 b < tANS R=10 748 b, fixed 772 b`
    /// (the configured form, then the runner-up if it is another one).
    public var reason: String {
        if candidates.count == 1 { return "\(chosen.label): the only form (constant tensor)" }
        var others = [candidates[0]]
        if chosenIndex == 0 { others = [] }
        if let runnerUp = candidates.indices.filter({ $0 != chosenIndex && $0 != 0 })
            .min(by: { candidates[$0].bits < candidates[$1].bits }) {
            others.append(candidates[runnerUp])
        }
        if chosenIndex == 0, let fixed = candidates.last, !others.contains(fixed) { others.append(fixed) }
        let rest = others.map { "\($0.label) \($0.bits) b" }.joined(separator: ", ")
        return "\(chosen.label) \(chosen.bits) b " + (chosenIndex == 0 ? "≤ " : "< ") + rest
    }
}
