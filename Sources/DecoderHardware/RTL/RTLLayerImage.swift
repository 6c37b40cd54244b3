import EntropyCoding
import Foundation

/// One coded layer as the generated decoder's testbench loads it: the weight-memory image
/// (header regions, then the streams, each padded to whole W-bit words), the layer descriptor
/// (the host-written registers) and the expected symbols and dequantized weights.
///
/// Weight memory, word addresses from 0:
/// - counts: ⌈N_l(R+1)/W⌉ words holding Σ_s f_s·2^{s(R+1)} (symbol 0 in the least significant
///   field), most significant word first; the escape table's counts follow the same way;
/// - initial states and step: ⌈(min(n,P)·R + 16)/W⌉ words holding Δ + Σ_j x_j·2^{16+jR};
///   with an escape path, ⌈(R+8)/W⌉ words holding the escape symbol + x_e·2^8;
/// - the streams (split: one per lane; interleaved: one), then the escape stream, each read most
///   significant bit first from its first coded bit and padded with zeros to whole words.
/// A constant layer (one symbol: no table, no streams; table log 0 in the descriptor) holds only
/// ⌈24/W⌉ words: Δ + symbol·2^16.
/// Δ is the step as an unsigned Q0.16 code; the dequantized weight is (s − K)·Δ, K = ⌊N_l/2⌋, or
/// with dependent quantization m·Δ, m the multiple ``DQStateMachine`` reconstructs level s − K as
/// (the descriptor's DQ field names the machine: 0 none, 1 four-state, 2 eight-state).
///
/// With per-channel steps (``ChannelSteps``, on a decoder built for them) the state region's
/// step field is 0 and a step region follows the escape state: ⌈(32 + 8C)/W⌉ words holding the
/// float32 base (its bit pattern) and then channel c's code byte at bit 32 + 8c, *least*
/// significant word first (the generator reads it as a byte stream). Channel c (dimension 0:
/// symbols c·w ..< (c+1)·w) dequantizes with the Q0.16 code of ``ChannelSteps/step(channel:)``.
/// A decoder with per-channel steps has seven more descriptor fields after the DQ field:
/// per-channel flag, w, P div w, P mod w, C, the step region's first word and its word count
/// (a layer with one step: 0, 1, P, 0, 0, 0, 0).
///
/// ```swift
/// let image = try RTLLayerImage(name: "conv1", encoded: coded, step: 0.01, design: design)
/// try image.write(to: folder)   // descriptor.hex, memory.hex, symbols.hex, weights.hex
/// ```
/// - Complexity: O(n + payload bits).
public struct RTLLayerImage: Sendable {
    public var name: String
    public var symbolCount: Int
    public var memory: [UInt64]
    public var descriptor: [UInt32]
    var expectedSymbols: [UInt8]
    var expectedWeights: [Int64]
    /// The simulator's and model's view of the same coded layer.
    public var simulated: SimulatedLayer
    public var profile: LayerProfile
    let symbolBits: Int
    /// Whether the decoder was built with dependent quantization (one more weight bit).
    let dependentQuantization: Bool

    /// Descriptor fields before the stream bases and word counts.
    static let fixedDescriptorFields = 12

    public init(name: String, encoded: TANSEncoded, step: Float, usedSymbols: Int, design: RTLDesign,
                dependentQuantization machine: DQStateMachine? = nil, channelSteps: ChannelSteps? = nil) throws {
        let counts = encoded.counts
        // A layer without a table must be constant with at least one symbol.
        guard counts != nil || (encoded.constantSymbol != nil && encoded.symbolCount > 0) else {
            throw RTLError.noTableLayers(name)
        }
        let config = design.configuration
        let r = config.tableLog, w = config.portBits, p = config.lanes
        guard counts == nil || (encoded.lanes == p && encoded.layout == config.layout) else {
            throw RTLError.unsupported("layer '\(name)' coded for \(encoded.lanes) lanes, \(encoded.layout) layout, on \(config.label)")
        }
        guard encoded.tableLog <= r, (encoded.escape?.counts.tableLog ?? 0) <= r else {
            throw RTLError.unsupported("layer '\(name)' with table log \(encoded.tableLog) on a 2^\(r)-entry table")
        }
        guard encoded.alphabetSize <= design.alphabetSize, encoded.escape == nil || design.escapeUnit else {
            throw RTLError.unsupported("layer '\(name)' (alphabet \(encoded.alphabetSize), escape \(encoded.escape != nil)) on a decoder for alphabet \(design.alphabetSize), escape unit \(design.escapeUnit)")
        }
        guard machine == nil || design.dependentQuantization else {
            throw RTLError.unsupported("layer '\(name)' with dependent quantization on a decoder built without it (DQ = 0)")
        }
        let symbols = try encoded.decode()
        let n = symbols.count
        if let channelSteps {
            let c = channelSteps.channelCount
            guard let geometry = design.channelSteps else {
                throw RTLError.unsupported("layer '\(name)' with per-channel steps on a decoder built without them")
            }
            guard n % c == 0, c <= geometry.maxChannels, n / c <= geometry.maxWeightsPerChannel else {
                throw RTLError.unsupported("layer '\(name)': \(n) weights in \(c) channels on a decoder for \(geometry.maxChannels) channels of at most \(geometry.maxWeightsPerChannel) weights")
            }
        }
        self.name = name
        symbolCount = n
        simulated = SimulatedLayer(name: name, encoded: encoded, usedSymbols: usedSymbols)
        profile = LayerProfile(name: name, encoded: encoded, usedSymbols: usedSymbols)
        profile.channels = channelSteps?.channelCount ?? 0
        symbolBits = design.symbolBits
        dependentQuantization = design.dependentQuantization

        var words: [UInt64] = []
        func region(_ fields: [(value: Int, bits: Int)]) {
            var value = BigBits()
            var shift = 0
            for field in fields {
                value.set(field.value, at: shift, width: field.bits)
                shift += field.bits
            }
            words += value.words(count: (shift + w - 1) / w, width: w)
        }
        let fieldBits = r + 1
        if let counts { region(counts.counts.map { ($0, fieldBits) }) }
        if let escape = encoded.escape { region(escape.counts.counts.map { ($0, fieldBits) }) }
        let stepCode = channelSteps == nil ? Self.stepCode(step) : 0
        let countWords = counts == nil ? 0 : (encoded.alphabetSize * fieldBits + w - 1) / w
        let headerBefore = words.count
        if counts == nil, let symbol = encoded.constantSymbol {
            region([(stepCode, 16), (Int(symbol), 8)])
        } else {
            region([(stepCode, 16)] + encoded.initialStates.map { ($0, r) })
        }
        let stateWords = words.count - headerBefore
        if let escape = encoded.escape {
            let start = words.count
            region([(Int(escape.symbol), 8), (escape.initialState, r)])
            precondition(words.count - start == design.escapeStateWords)
        }
        // The step region: base and code bytes as one bit string, least significant word first.
        let stepBase = words.count
        if let channelSteps {
            var region = BigBits()
            region.set(Int(channelSteps.base.bitPattern), at: 0, width: 32)
            for (c, code) in channelSteps.codes.enumerated() { region.set(Int(code), at: 32 + 8 * c, width: 8) }
            let count = DecoderCostModel.stepRegionWords(channels: channelSteps.channelCount, portBits: w)
            words += (0..<count).map { region.bits(at: $0 * w, width: w) }
        }
        let stepWords = words.count - stepBase
        // Streams.
        var bases: [Int] = []
        var counts2: [Int] = []
        func stream(_ packed: [UInt64], _ extent: StreamExtent) {
            bases.append(words.count)
            let count = (extent.bitCount + w - 1) / w
            counts2.append(count)
            packed.withUnsafeBufferPointer { buffer in
                for k in 0..<count {
                    let start = extent.startBit + k * w
                    let take = min(w, extent.bitCount - k * w)
                    var word: UInt64 = 0
                    var done = 0
                    while done < take {
                        let chunk = min(32, take - done)
                        word = (word << UInt64(chunk)) | UInt64(CycleSimulator.readBits(buffer.baseAddress!, start + done, chunk))
                        done += chunk
                    }
                    words.append(word << UInt64(w - take))
                }
            }
        }
        for extent in simulated.streams { stream(simulated.payload, extent) }
        if let escape = simulated.escape { stream(escape.payload, escape.stream) }
        memory = words.isEmpty ? [0] : words

        let groups = (n + p - 1) / p
        let lastActive = n - (groups - 1) * p
        let setupBound = DecoderCostModel.setupCycles(layer: profile, config: config, primed: p + 1)
        let bound = 4 * (setupBound + groups + words.count) + 1000
        descriptor = [UInt32(groups), UInt32(lastActive), UInt32(counts == nil ? 0 : encoded.tableLog),
                      UInt32(encoded.escape?.counts.tableLog ?? 0), encoded.escape == nil ? 0 : 1,
                      UInt32(encoded.escape?.symbolCount ?? 0), UInt32(encoded.alphabetSize / 2), 0,
                      UInt32(countWords), UInt32(stateWords), UInt32(n), UInt32(min(bound, Int(UInt32.max)))]
        // One base and word count per hardware stream: an escape slot stays empty (0 words) for
        // a layer without escapes on a decoder with the escape unit.
        while bases.count < design.streams {
            bases.append(words.count)
            counts2.append(0)
        }
        descriptor += bases.map { UInt32($0) } + counts2.map { UInt32($0) }
        descriptor.append(machine.map { $0 == .fourState ? 1 : 2 } ?? 0)
        if design.channelSteps != nil {
            if let channelSteps {
                let perChannel = n / channelSteps.channelCount
                descriptor += [1, UInt32(perChannel), UInt32(p / perChannel), UInt32(p % perChannel),
                               UInt32(channelSteps.channelCount), UInt32(stepBase), UInt32(stepWords)]
            } else {
                descriptor += [0, 1, UInt32(p), 0, 0, 0, 0]
            }
        }
        expectedSymbols = symbols
        let half = encoded.alphabetSize / 2
        // The software decoder's reconstruction at Δ = 1: the multiples m (|m| ≤ 2K, exact in Float).
        let multiples = machine.map { $0.dequantize(symbols, maxLevel: half, step: 1).map { Int64($0) } }
            ?? symbols.map { Int64(Int($0) - half) }
        if let channelSteps {
            // Each channel's step, as the software decoder computes it, as a Q0.16 code.
            let codes = channelSteps.steps.map { Int64(Self.stepCode($0)) }
            let perChannel = n / channelSteps.channelCount
            expectedWeights = multiples.enumerated().map { $0.element * codes[$0.offset / perChannel] }
        } else {
            expectedWeights = multiples.map { $0 * Int64(stepCode) }
        }
    }

    /// A step as the decoder's unsigned Q0.16 code: `round(Δ · 65536)`, clamped to 0…65535.
    static func stepCode(_ step: Float) -> Int {
        Int(min(65535, max(0, (Double(step) * 65536).rounded())))
    }

    /// Words of weight memory the layer occupies.
    var memoryWords: Int { memory.count }

    /// Writes `descriptor.hex`, `memory.hex`, `symbols.hex` and `weights.hex` (for `$readmemh`).
    public func write(to folder: URL, portBits w: Int) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func hex(_ value: UInt64, digits: Int) -> String {
            let s = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - s.count)) + s
        }
        let weightBits = symbolBits + 17 + (dependentQuantization ? 1 : 0)
        let mask: UInt64 = (1 << UInt64(weightBits)) - 1
        let files: [(String, [String])] = [
            ("descriptor.hex", descriptor.map { hex(UInt64($0), digits: 8) }),
            ("memory.hex", memory.map { hex($0, digits: (w + 3) / 4) }),
            ("symbols.hex", expectedSymbols.map { hex(UInt64($0), digits: 2) }),
            ("weights.hex", expectedWeights.map { hex(UInt64(bitPattern: $0) & mask, digits: (weightBits + 3) / 4) }),
        ]
        for (file, lines) in files {
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(file), atomically: false, encoding: .utf8)
        }
    }
}

/// An arbitrary-width unsigned integer as 64-bit limbs, least significant first: the header
/// regions are built field by field and cut into port words.
struct BigBits {
    var limbs: [UInt64] = []

    mutating func set(_ value: Int, at position: Int, width: Int) {
        guard width > 0 else { return }
        let v = UInt64(value) & (width >= 64 ? ~0 : (1 << UInt64(width)) - 1)
        let needed = (position + width + 63) / 64
        if limbs.count < needed { limbs += [UInt64](repeating: 0, count: needed - limbs.count) }
        let index = position / 64, offset = position % 64
        limbs[index] |= v << UInt64(offset)
        if offset + width > 64 { limbs[index + 1] |= v >> UInt64(64 - offset) }
    }

    func bits(at position: Int, width: Int) -> UInt64 {
        var result: UInt64 = 0
        for k in 0..<width {
            let bit = position + k
            let limb = bit / 64 < limbs.count ? limbs[bit / 64] : 0
            result |= ((limb >> UInt64(bit % 64)) & 1) << UInt64(k)
        }
        return result
    }

    /// `count` words of `width` bits, most significant word first.
    func words(count: Int, width: Int) -> [UInt64] {
        (0..<count).map { bits(at: (count - 1 - $0) * width, width: width) }
    }
}
