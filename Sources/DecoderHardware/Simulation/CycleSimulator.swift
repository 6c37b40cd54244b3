import EntropyCoding
import Foundation

/// Outcome of simulating one layer.
public struct LayerSimulation: Sendable, Equatable {
    public var name: String
    /// Decoded symbols in tensor order (escapes resolved).
    public var symbols: [UInt16]
    /// Setup (the model's formula), and the measured decode, stall and word counts.
    public var cycles: LayerCycles
    /// Decode-phase cycles in which the port fetched nothing.
    var portIdleCycles: Int
}

/// A failure of the simulated hardware on a layer: the streams do not fit the decoder or are
/// inconsistent with their header.
public enum SimulationError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case laneMismatch(layer: String, layerLanes: Int, lanes: Int)
    case layoutMismatch(layer: String)
    case tableTooLarge(layer: String, tableLog: Int, hardwareTableLog: Int)
    case starved(layer: String, cycle: Int)
    case badState(layer: String, lane: Int)
    case leftoverBits(layer: String)
    case levelOutOfRange(layer: String, level: Int, bins: Int)
    case badFineBits(layer: String, fineBits: Int)

    public var description: String {
        switch self {
        case .laneMismatch(let layer, let ll, let lanes):
            return "layer '\(layer)' is coded for \(ll) lanes but the simulated decoder has \(lanes); re-encode it with \(lanes) lanes"
        case .layoutMismatch(let layer):
            return "layer '\(layer)' is stored in a different stream layout than the simulated decoder's; re-encode it with the decoder's layout"
        case .tableTooLarge(let layer, let r, let hr):
            return "layer '\(layer)' needs a table of 2^\(r) entries but the decoder holds 2^\(hr); re-encode with R ≤ \(hr)"
        case .starved(let layer, let cycle):
            return "layer '\(layer)': at decode cycle \(cycle) a lane needs bits its stream does not have (corrupt or truncated stream)"
        case .badState(let layer, let lane):
            return "layer '\(layer)', lane \(lane): an initial state lies outside the decode table (corrupt header)"
        case .leftoverBits(let layer):
            return "layer '\(layer)': a stream was not consumed exactly to its end (corrupt stream)"
        case .levelOutOfRange(let layer, let level, let bins):
            return "layer '\(layer)': a coarse symbol and its fine bits name level \(level), not below the layer's \(bins) bins (corrupt fine-bit stream)"
        case .badFineBits(let layer, let s):
            return "layer '\(layer)': \(s) fine bits per weight, outside 1…\(SplitLevels.maximumFineBits) (corrupt header)"
        }
    }
    public var errorDescription: String? { description }
}

/// Cycle-level simulator of the lane decoder: decodes real streams cycle by cycle with the
/// modelled buffers and port, bit-exactly, counting cycles and stalls.
///
/// ```swift
/// let sim = CycleSimulator(configuration: config)
/// let result = try sim.run(layer)   // result.symbols == the software decoder's symbols
/// ```
///
/// Streams: one per lane (split) or one shared (interleaved), plus the escape stream if the
/// layer has one, plus the fine-bit stream of split levels (``SimulatedFineStream``). Each has a
/// buffer (lane: B bits; interleaved shared buffer: P·B; escape: B; fine: 2·P·s + (λ + 1)·W,
/// ``DecoderConfiguration/fineBufferBits(fineBits:)``, the shared fine-bit extractor's).
/// Per decode-phase cycle:
/// 1. **Port arbitration** on the start-of-cycle fill levels: the escape stream if it has words
///    left and ≥ W free bits (its unit serves every lane, so it must not starve), else the fine
///    stream likewise (it too serves every lane, and every group needs its bits), else
///    round-robin from the main stream after the last one served, the first with words left and
///    ≥ W free bits.
/// 2. **Lockstep decode**: if every lane of the current group holds the nbBits its symbol needs
///    (interleaved: the shared buffer holds the group's total, consumed in lane order; a lane's
///    last symbol reads nothing), the escape FIFO holds as many values as the group emits
///    escape symbols, and the fine buffer holds the group's (lanes in the group)·s fine bits,
///    each lane outputs its symbol (or the next FIFO value) with its s fine bits (taken in lane,
///    that is symbol, order) and steps its state; otherwise the cycle is a stall. A constant
///    layer of split levels (one coarse symbol, no table) decodes a group per cycle the same way,
///    its lanes reading nothing.
/// 3. **Escape unit** (if any): when its P-deep FIFO has room and its buffer holds the bits, it
///    decodes one value into the FIFO.
/// 4. **Refill**: the word requested `memoryReadLatency` cycles earlier enters its buffer (usable
///    next cycle); a stream has room (step 1) when its fill plus its words in flight leave W free
///    bits. With the default latency of 1 (a synchronous SRAM) this is cycle-exact against the
///    generated RTL's decode phase (`subbit rtl --simulate`).
///
/// Setup cycles use the model's formula (``DecoderCostModel/setupCycles(layer:config:primed:)``),
/// with the primed words (one per non-empty stream; interleaved: min(P, words)) loaded before
/// cycle 0. Split levels come out as the container joins them (``SplitLevels/indices(coarse:)``),
/// and a level not below the quantizer's bins is refused. A buffer is represented by its fill
/// level: its content is by construction the stream's bits between the consumed and fetched
/// positions, and reads take them from there after checking they were fetched.
public struct CycleSimulator: Sendable {
    public var configuration: DecoderConfiguration

    public init(configuration: DecoderConfiguration) {
        self.configuration = configuration
    }

    /// Joins decoded coarse symbols with their fine bits as the container does
    /// (``SplitLevels/indices(coarse:)``), refusing a level not below the quantizer's bins.
    private static func join(_ coarse: [UInt16], fine: [UInt8], stream: SimulatedFineStream,
                             layer: String) throws -> [UInt16] {
        let narrow = coarse.map { UInt8(truncatingIfNeeded: $0) }
        let levels: SplitLevels
        do {
            levels = try SplitLevels(fineBits: stream.fineBits, values: fine)
        } catch {
            throw SimulationError.badFineBits(layer: layer, fineBits: stream.fineBits)
        }
        if let level = levels.firstIndexOutOfRange(coarse: narrow, bins: stream.bins) {
            throw SimulationError.levelOutOfRange(layer: layer, level: level, bins: stream.bins)
        }
        return levels.indices(coarse: narrow)
    }

    /// Simulates one layer; throws ``SimulationError`` on a layer this decoder cannot take or a
    /// stream inconsistent with its header.
    public func run(_ layer: SimulatedLayer) throws -> LayerSimulation {
        let config = configuration
        let p = config.lanes
        let n = layer.symbolCount
        if let fine = layer.fine, !(1...SplitLevels.maximumFineBits).contains(fine.fineBits) {
            throw SimulationError.badFineBits(layer: layer.name, fineBits: fine.fineBits)
        }
        // A constant layer of split levels still reads its fine stream: it decodes as an
        // interleaved layer of one table entry (its symbol, no bits) whose lanes read nothing,
        // a group per cycle (the model's loop of 1 for a layer without a table).
        if layer.table == nil, layer.fine != nil {
            var shared = config
            shared.layout = .interleaved
            shared.stateLoopCycles = 1
            var constant = layer
            constant.streams = [StreamExtent(startBit: 0, bitCount: 0)]
            constant.escape = nil
            let table = HardwareDecodeTable(tableLog: 0, symbol: [layer.constantSymbol], nbBits: [0], newStateBase: [0])
            return try Self.simulateLayer(constant, table: table, config: shared, modelConfig: config,
                                          profile: layer.profile)
        }
        // A constant layer has no table and no streams: any lane count decodes it.
        guard let table = layer.table else {
            let profile = layer.profile
            let cycles = LayerCycles(setup: DecoderCostModel.setupCycles(layer: profile, config: config, primed: 0),
                                     decode: (n + p - 1) / p, stalls: 0, words: 0, symbols: n)
            return LayerSimulation(name: layer.name, symbols: [UInt16](repeating: layer.constantSymbol, count: n),
                                   cycles: cycles, portIdleCycles: cycles.decode)
        }
        if layer.bypassBits > 0 {
            // The bypass reads its one stream as the interleaved layout does, a group per cycle.
            guard layer.lanes == p else {
                throw SimulationError.laneMismatch(layer: layer.name, layerLanes: layer.lanes, lanes: p)
            }
            var shared = config
            shared.layout = .interleaved
            shared.stateLoopCycles = 1
            return try Self.simulateLayer(layer, table: table, config: shared, modelConfig: config,
                                          profile: layer.profile)
        }
        guard layer.lanes == p else {
            throw SimulationError.laneMismatch(layer: layer.name, layerLanes: layer.lanes, lanes: p)
        }
        guard layer.layout == config.layout, layer.streams.count == (layer.layout == .split ? p : 1) else {
            throw SimulationError.layoutMismatch(layer: layer.name)
        }
        for log in [table.tableLog, layer.escape?.table.tableLog ?? 0] where log > config.tableLog {
            throw SimulationError.tableTooLarge(layer: layer.name, tableLog: log, hardwareTableLog: config.tableLog)
        }
        guard layer.initialStates.count == min(n, p),
              layer.initialStates.allSatisfy({ Int($0) < table.entries }) else {
            throw SimulationError.badState(layer: layer.name, lane: 0)
        }
        if let escape = layer.escape, Int(escape.initialState) >= escape.table.entries {
            throw SimulationError.badState(layer: layer.name, lane: p)
        }

        return try Self.simulateLayer(layer, table: table, config: config, modelConfig: config,
                                      profile: layer.profile)
    }

    /// Runs the cycle loop with `config` (the bypass and constant paths pass their shared,
    /// one-cycle-loop variant) and counts the cycles; setup is the model's formula for the
    /// layer's `profile` at `modelConfig`, the decoder's own configuration. The symbols of split
    /// levels are returned joined with their fine bits.
    private static func simulateLayer(_ layer: SimulatedLayer, table: HardwareDecodeTable, config: DecoderConfiguration,
                                      modelConfig: DecoderConfiguration, profile: LayerProfile) throws -> LayerSimulation {
        let p = config.lanes
        let n = layer.symbolCount
        var symbols = [UInt16](repeating: 0, count: n)
        var fineValues = [UInt8](repeating: 0, count: layer.fine == nil ? 0 : n)
        let run = try symbols.withUnsafeMutableBufferPointer { out in
            try fineValues.withUnsafeMutableBufferPointer { fineOut in
                try simulate(layer: layer, table: table, config: config, output: out, fineOutput: fineOut)
            }
        }
        let setup = DecoderCostModel.setupCycles(layer: profile, config: modelConfig, primed: run.primed)
        let groups = (n + p - 1) / p
        let decode = groups == 0 ? 0 : config.stateLoopCycles * (groups - 1) + 1
        let cycles = LayerCycles(setup: setup, decode: decode, stalls: run.stalls + run.loopWaits - (decode - groups),
                                 words: run.words, symbols: n)
        // Split levels come out joined, as the container joins them.
        let levels = try layer.fine.map { try join(symbols, fine: fineValues, stream: $0, layer: layer.name) } ?? symbols
        return LayerSimulation(name: layer.name, symbols: levels, cycles: cycles, portIdleCycles: run.idle)
    }

    /// Reads `count` (≤ 32) bits at absolute bit `position` of an MSB-first packed payload.
    @inline(__always)
    static func readBits(_ words: UnsafePointer<UInt64>, _ position: Int, _ count: Int) -> Int {
        if count == 0 { return 0 }
        let index = position &>> 6
        let offset = UInt64(position & 63)
        var window = words[index] &<< offset
        if offset != 0 { window |= words[index &+ 1] &>> (64 &- offset) }
        return Int(truncatingIfNeeded: window &>> UInt64(64 &- count))
    }

    // The per-stream registers, one slot per stream in each field.
    private struct Streams {
        var start: UnsafeMutablePointer<Int>
        var bits: UnsafeMutablePointer<Int>
        var consumed: UnsafeMutablePointer<Int>
        var fetched: UnsafeMutablePointer<Int>
        var wordsLeft: UnsafeMutablePointer<Int>
        var capacity: UnsafeMutablePointer<Int>
        /// Words requested and not yet in the buffer.
        var inflight: UnsafeMutablePointer<Int>
        let count: Int

        init(count: Int) {
            self.count = count
            start = .allocate(capacity: count)
            bits = .allocate(capacity: count)
            consumed = .allocate(capacity: count)
            fetched = .allocate(capacity: count)
            wordsLeft = .allocate(capacity: count)
            capacity = .allocate(capacity: count)
            inflight = .allocate(capacity: count)
            inflight.initialize(repeating: 0, count: count)
        }

        func deallocate() {
            for pointer in [start, bits, consumed, fetched, wordsLeft, capacity, inflight] { pointer.deallocate() }
        }

        @inline(__always) func available(_ s: Int) -> Int { fetched[s] &- consumed[s] }
    }

    private static func simulate(layer: SimulatedLayer, table: HardwareDecodeTable, config: DecoderConfiguration,
                                 output out: UnsafeMutableBufferPointer<UInt16>,
                                 fineOutput fineOut: UnsafeMutableBufferPointer<UInt8>) throws
        -> (stalls: Int, words: Int, primed: Int, idle: Int, loopWaits: Int) {
        let p = config.lanes
        let w = config.portBits
        let n = layer.symbolCount
        let split = config.layout == .split
        let mainStreams = split ? p : 1
        let escape = layer.escape
        let escapeIndex = mainStreams
        let fine = layer.fine
        let fineIndex = mainStreams + (escape == nil ? 0 : 1)
        let streamCount = fineIndex + (fine == nil ? 0 : 1)

        let streams = Streams(count: streamCount)
        defer { streams.deallocate() }
        var words = 0
        var primed = 0
        for s in 0..<streamCount {
            let extent = s == fineIndex && fine != nil ? fine!.stream
                : s == escapeIndex ? escape!.stream : layer.streams[s]
            streams.start[s] = extent.startBit
            streams.bits[s] = extent.bitCount
            streams.consumed[s] = 0
            let total = (extent.bitCount + w - 1) / w
            words += total
            let prime = s >= mainStreams || split ? min(1, total) : min(p, total)
            primed += prime
            streams.fetched[s] = min(prime * w, extent.bitCount)
            streams.wordsLeft[s] = total - prime
            streams.capacity[s] = s == fineIndex && fine != nil ? config.fineBufferBits(fineBits: fine!.fineBits)
                : s < mainStreams && !split ? p * config.laneBufferBits : config.laneBufferBits
        }

        // Lane states; a lane's last symbol is in the last group if it has one there.
        let state = UnsafeMutablePointer<Int>.allocate(capacity: p)
        defer { state.deallocate() }
        for j in 0..<p { state[j] = j < layer.initialStates.count ? Int(layer.initialStates[j]) : 0 }
        let groups = (n + p - 1) / p
        let activeInLast = n - (groups - 1) * p

        // Escape unit: state, remaining values, FIFO (ring of P).
        let fifo = UnsafeMutablePointer<UInt16>.allocate(capacity: p)
        defer { fifo.deallocate() }
        var fifoHead = 0
        var fifoCount = 0
        var escapeState = Int(escape?.initialState ?? 0)
        var escapeLeft = escape?.symbolCount ?? 0
        let escapeSymbol = Int(escape?.symbol ?? 0)
        let hasEscape = escape != nil

        // Words in flight: slot k of the ring arrives at the end of the cycle k cycles from now.
        let latency = config.memoryReadLatency
        let ring = latency + 1
        var inflight = [Int](repeating: -1, count: ring)
        var slot = 0
        var pending = 0

        var stalls = 0
        var idle = 0
        // The pipelined loop: cycles the lanes still wait for their previous step.
        let loopCycles = config.stateLoopCycles
        var loopBusy = 0
        var loopWaits = 0
        var group = 0
        var pointer = 0
        let emptyTable = HardwareDecodeTable(tableLog: 0, symbol: [0], nbBits: [0], newStateBase: [0])
        let escapeTable = escape?.table ?? emptyTable
        let escapePayload = escape?.payload ?? [0, 0]
        let hasFine = fine != nil
        let fineBits = fine?.fineBits ?? 0
        let finePayload = fine?.payload ?? [0, 0]

        try table.symbol.withUnsafeBufferPointer { tSym in
        try table.nbBits.withUnsafeBufferPointer { tBits in
        try table.newStateBase.withUnsafeBufferPointer { tBase in
        try escapeTable.symbol.withUnsafeBufferPointer { eSym in
        try escapeTable.nbBits.withUnsafeBufferPointer { eBits in
        try escapeTable.newStateBase.withUnsafeBufferPointer { eBase in
        try layer.payload.withUnsafeBufferPointer { mainWords in
        try escapePayload.withUnsafeBufferPointer { escapeWords in
        try finePayload.withUnsafeBufferPointer { fineWords in
            let payload = mainWords.baseAddress!
            let escapeBitsPointer = escapeWords.baseAddress!
            let fineBitsPointer = fineWords.baseAddress!
            while group < groups {
                // 1. Arbitration on start-of-cycle fill levels: the escape stream first (its unit
                //    serves every lane), then the fine stream (every group needs its bits), then
                //    round-robin over the main streams.
                //    A stream has room for a word when its fill plus the words in flight to it
                //    leave W free bits.
                var chosen = -1
                if hasEscape && streams.wordsLeft[escapeIndex] > 0
                    && streams.capacity[escapeIndex] &- streams.available(escapeIndex)
                        &- streams.inflight[escapeIndex] &* w >= w {
                    chosen = escapeIndex
                } else if hasFine && streams.wordsLeft[fineIndex] > 0
                    && streams.capacity[fineIndex] &- streams.available(fineIndex)
                        &- streams.inflight[fineIndex] &* w >= w {
                    chosen = fineIndex
                } else {
                    var candidate = pointer
                    for _ in 0..<mainStreams {
                        if streams.wordsLeft[candidate] > 0
                            && streams.capacity[candidate] &- streams.available(candidate)
                                &- streams.inflight[candidate] &* w >= w {
                            chosen = candidate
                            break
                        }
                        candidate = candidate &+ 1 == mainStreams ? 0 : candidate &+ 1
                    }
                }

                // 2. Lockstep decode of the group.
                let base = group &* p
                let lastGroup = group == groups &- 1
                let active = lastGroup ? activeInLast : p
                var ready = true
                var escapesNeeded = 0
                if split {
                    for j in 0..<active {
                        let x = state[j]
                        let isLast = lastGroup || (group == groups &- 2 && j >= activeInLast)
                        if !isLast && Int(tBits[x]) > streams.available(j) { ready = false; break }
                        if hasEscape && Int(tSym[x]) == escapeSymbol { escapesNeeded &+= 1 }
                    }
                } else {
                    var need = 0
                    for j in 0..<active {
                        let x = state[j]
                        let isLast = lastGroup || (group == groups &- 2 && j >= activeInLast)
                        if !isLast { need &+= Int(tBits[x]) }
                        if hasEscape && Int(tSym[x]) == escapeSymbol { escapesNeeded &+= 1 }
                    }
                    ready = need <= streams.available(0)
                }
                if ready && escapesNeeded > fifoCount { ready = false }
                if ready && hasFine && active &* fineBits > streams.available(fineIndex) { ready = false }
                let waiting = loopBusy > 0
                if waiting {
                    loopBusy &-= 1
                    loopWaits &+= 1
                } else if ready {
                    loopBusy = loopCycles &- 1
                    for j in 0..<active {
                        let x = state[j]
                        let symbol = Int(tSym[x])
                        if hasEscape && symbol == escapeSymbol {
                            out[base &+ j] = fifo[fifoHead]
                            fifoHead = fifoHead &+ 1 == p ? 0 : fifoHead &+ 1
                            fifoCount &-= 1
                        } else {
                            out[base &+ j] = UInt16(truncatingIfNeeded: symbol)
                        }
                        let isLast = lastGroup || (group == groups &- 2 && j >= activeInLast)
                        if !isLast {
                            let s = split ? j : 0
                            let nb = Int(tBits[x])
                            let value = readBits(payload, streams.start[s] &+ streams.consumed[s], nb)
                            streams.consumed[s] &+= nb
                            state[j] = Int(tBase[x]) &+ value
                        }
                    }
                    if hasFine {
                        // The group's fine bits, in symbol order.
                        for j in 0..<active {
                            let value = readBits(fineBitsPointer, streams.start[fineIndex] &+ streams.consumed[fineIndex],
                                                 fineBits)
                            streams.consumed[fineIndex] &+= fineBits
                            fineOut[base &+ j] = UInt8(truncatingIfNeeded: value)
                        }
                    }
                    group &+= 1
                } else {
                    stalls &+= 1
                }
                if waiting { ready = true }   // the loop's wait is progress, not starvation

                // 3. Escape unit: one value per cycle into the FIFO.
                var escapeProgress = false
                if escapeLeft > 0 && fifoCount < p {
                    let nb = escapeLeft == 1 ? 0 : Int(eBits[escapeState])
                    if nb <= streams.available(escapeIndex) {
                        var tail = fifoHead &+ fifoCount
                        if tail >= p { tail &-= p }
                        fifo[tail] = eSym[escapeState]
                        fifoCount &+= 1
                        if escapeLeft > 1 {
                            let value = readBits(escapeBitsPointer,
                                                 streams.start[escapeIndex] &+ streams.consumed[escapeIndex], nb)
                            streams.consumed[escapeIndex] &+= nb
                            escapeState = Int(eBase[escapeState]) &+ value
                        }
                        escapeLeft &-= 1
                        escapeProgress = true
                    }
                }

                // 4. Refill at the end of the cycle: the word requested `latency` cycles ago
                //    enters its buffer (with latency 0, the word requested now).
                if chosen >= 0 {
                    streams.wordsLeft[chosen] &-= 1
                    streams.inflight[chosen] &+= 1
                    inflight[(slot &+ latency) % ring] = chosen
                    if chosen < mainStreams { pointer = chosen &+ 1 == mainStreams ? 0 : chosen &+ 1 }
                } else {
                    idle &+= 1
                }
                let arriving = inflight[slot]
                if arriving >= 0 {
                    streams.fetched[arriving] = min(streams.fetched[arriving] &+ w, streams.bits[arriving])
                    streams.inflight[arriving] &-= 1
                    inflight[slot] = -1
                    pending &-= 1
                }
                if chosen >= 0 { pending &+= 1 }
                slot = slot &+ 1 == ring ? 0 : slot &+ 1
                if chosen < 0 && !ready && !escapeProgress && arriving < 0 && pending == 0 {
                    // Nothing can change any more: the streams are shorter than the symbols need.
                    throw SimulationError.starved(layer: layer.name, cycle: group &+ stalls)
                }
            }
        }}}}}}}}}
        for s in 0..<streamCount where streams.consumed[s] != streams.bits[s] {
            throw SimulationError.leftoverBits(layer: layer.name)
        }
        if escapeLeft != 0 || fifoCount != 0 { throw SimulationError.leftoverBits(layer: layer.name) }
        return (stalls, words, primed, idle, loopWaits)
    }
}
