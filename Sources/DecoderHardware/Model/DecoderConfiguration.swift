import Foundation
import EntropyCoding

/// How the P lanes reach the decode table.
public enum TableSharing: String, Sendable, CaseIterable, Codable {
    /// One single-ported SRAM (ASIC) or block-RAM port (FPGA) per lane: area grows with P, reads
    /// are cheap and conflict-free.
    case replicated
    /// One copy of the table in flip-flops with a private read multiplexer per lane: the storage
    /// is paid once, the read ports (L:1 multiplexers) are paid P times. Conflict-free, so the
    /// cycle count equals the replicated one; area and energy differ.
    case shared
}

/// Where the lanes' bits sit in weight memory: the codec's layout, since the decoder reads what
/// the file holds. `split`: one stream per lane at its own offset, the port serving one lane per
/// cycle (round-robin); `interleaved`: one stream read front to back, a shared buffer handing
/// each lane its bits in lane order.
public typealias StreamLayout = TANSLayout

/// A decoder configuration: the DSE axes of DESIGN.md's hardware model.
///
/// ```swift
/// let config = try DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 500e6)
/// ```
public struct DecoderConfiguration: Sendable, Equatable, Hashable {
    /// Parallel lanes P: symbol i is decoded by lane i mod P.
    public var lanes: Int
    /// Table log R: the hardware table has L = 2^R entries.
    public var tableLog: Int
    public var sharing: TableSharing
    /// Weight-memory port width W, bits per cycle.
    public var portBits: Int
    /// Bit buffer per lane, bits (interleaved: the shared buffer holds `lanes · laneBufferBits`).
    public var laneBufferBits: Int
    /// Clock, Hz.
    public var clockHz: Double
    public var layout: StreamLayout
    /// Cycles between a weight-memory read request and its data: the word requested in cycle t
    /// is in its buffer from cycle t + 1 + latency. 1 is a synchronous SRAM (address registered at
    /// the clock edge, data in the next cycle), what the generated RTL (`subbit rtl`) models;
    /// 0 is the idealised zero-latency port.
    public var memoryReadLatency: Int
    /// Cycles of a lane's state loop (table read → bit extraction → next-state add). 1: the
    /// loop closes in one cycle, as in the generated RTL (the next state addresses the
    /// synchronous table). 2: the pipelined variant for clocks the one-cycle loop cannot reach
    /// (the table output registered): a lane decodes a symbol every second cycle.
    public var stateLoopCycles: Int
    /// Double-buffered decode tables: two banks per table, the table builder fills layer l + 1's
    /// bank while the lanes decode layer l from the other, so every layer's table build but the
    /// first is hidden behind the previous layer's decode phase (``DecoderCostModel``), at twice
    /// the table storage.
    public var doubleBufferTables: Bool
    /// The dependent-quantization state machine of the dequantizers, or nil for plain
    /// zero-point dequantization (`ŵ = (s − K)·Δ`). Set from the model (an `.sbw` whose tensors
    /// use it, ``QuantizedLayerSymbols/dependentQuantization``); not part of the label unless set.
    public var dependentQuantization: DQStateMachine? = nil

    /// Bits of the shared fine-bit buffer of split levels at `fineBits` s per weight:
    /// `2·P·s + (λ + 1)·W`. The buffer asks for a word when its fill plus its words in flight
    /// leave W bits free (the rule of every stream, ``CycleSimulator``), judged before the
    /// cycle's group takes its P·s bits; this size keeps the next group's P·s bits in the buffer
    /// through the λ-cycle read of a word, so the extractor never waits while the port has a
    /// free cycle. (With P·s + W bits it would wait up to a round trip per word: 5–60 % more
    /// decode cycles at λ = 0…3.)
    @inlinable
    public func fineBufferBits(fineBits s: Int) -> Int {
        2 * lanes * s + (memoryReadLatency + 1) * portBits
    }

    /// Largest memory read latency the model accepts, cycles.
    public static let maximumMemoryReadLatency = 8

    /// Largest table log the hardware model accepts (DESIGN.md: R ∈ 5…15).
    public static let maximumTableLog = 15

    /// The smallest useful lane buffer: a lane that still needs up to R bits must have room for
    /// a whole W-bit word, so B ≥ W + R; the default doubles the port width when that is larger.
    static func defaultLaneBufferBits(portBits: Int, tableLog: Int) -> Int {
        max(2 * portBits, portBits + tableLog)
    }

    /// Creates and validates a configuration; impossible ones throw ``DecoderConfigurationError``.
    public init(lanes: Int, tableLog: Int, sharing: TableSharing = .replicated, portBits: Int,
                laneBufferBits: Int? = nil, clockHz: Double, layout: StreamLayout = .split,
                memoryReadLatency: Int = 1, stateLoopCycles: Int = 1, doubleBufferTables: Bool = false) throws {
        self.lanes = lanes
        self.tableLog = tableLog
        self.sharing = sharing
        self.portBits = portBits
        self.laneBufferBits = laneBufferBits
            ?? Self.defaultLaneBufferBits(portBits: max(portBits, 0), tableLog: max(tableLog, 0))
        self.clockHz = clockHz
        self.layout = layout
        self.memoryReadLatency = memoryReadLatency
        self.stateLoopCycles = stateLoopCycles
        self.doubleBufferTables = doubleBufferTables
        try validate()
    }

    /// Table entries L = 2^R.
    @inlinable public var tableEntries: Int { 1 << tableLog }

    /// Bits of the nbBits field: it holds 0…R, so ⌈log₂(R+1)⌉.
    @inlinable public var nbBitsFieldBits: Int { bitsToRepresent(tableLog) }

    /// Checks the configuration on its own (the per-model check is ``validate(for:)``).
    public func validate() throws {
        if lanes < 1 {
            throw DecoderConfigurationError.noLanes(lanes)
        }
        if tableLog < 1 || tableLog > Self.maximumTableLog {
            throw DecoderConfigurationError.tableLogOutOfRange(tableLog)
        }
        if portBits < 1 {
            throw DecoderConfigurationError.noPortWidth(portBits)
        }
        if !(clockHz > 0) || !clockHz.isFinite {
            throw DecoderConfigurationError.noClock(clockHz)
        }
        if memoryReadLatency < 0 || memoryReadLatency > Self.maximumMemoryReadLatency {
            throw DecoderConfigurationError.memoryLatencyOutOfRange(memoryReadLatency)
        }
        if stateLoopCycles < 1 || stateLoopCycles > 2 {
            throw DecoderConfigurationError.stateLoopOutOfRange(stateLoopCycles)
        }
        if laneBufferBits < portBits + tableLog {
            throw DecoderConfigurationError.bufferTooSmall(laneBufferBits, minimum: portBits + tableLog)
        }
    }

    /// Checks that every layer fits this hardware: a tANS table of L entries holds at most L
    /// distinct symbols (each present symbol needs a normalized count f_s ≥ 1 and Σ f_s = L), and a
    /// layer coded with a larger table than the hardware holds cannot be decoded by it.
    public func validate(for layers: [LayerProfile]) throws {
        for layer in layers {
            if layer.usedSymbols > tableEntries {
                throw DecoderConfigurationError.tableTooSmall(
                    layer: layer.name, tableLog: tableLog, usedSymbols: layer.usedSymbols)
            }
            if layer.tableLog > tableLog {
                throw DecoderConfigurationError.layerNeedsLargerTable(
                    layer: layer.name, layerTableLog: layer.tableLog, tableLog: tableLog)
            }
            if layer.escapeTableLog > tableLog {
                throw DecoderConfigurationError.layerNeedsLargerTable(
                    layer: layer.name + " (escape table)", layerTableLog: layer.escapeTableLog, tableLog: tableLog)
            }
            if layer.tableLog > 0 && layer.laneBits.count != lanes {
                throw DecoderConfigurationError.laneMismatch(
                    layer: layer.name, layerLanes: layer.laneBits.count, lanes: lanes)
            }
        }
    }
}

extension DecoderConfiguration {
    /// A short human label, e.g. `P=8 R=10 W=64 replicated split` (`… double-buffered`).
    public var label: String {
        "P=\(lanes) R=\(tableLog) W=\(portBits) \(sharing.rawValue) \(layout.rawValue)"
            + (stateLoopCycles == 1 ? "" : " \(stateLoopCycles)-cycle loop")
            + (doubleBufferTables ? " double-buffered" : "")
            + (dependentQuantization.map { " dq \($0)" } ?? "")
    }
}

/// Bits needed to write the integers 0…value: ⌈log₂(value+1)⌉ (0 for value 0).
@inlinable
public func bitsToRepresent(_ value: Int) -> Int {
    value <= 0 ? 0 : (Int.bitWidth - value.leadingZeroBitCount)
}

/// ⌈log₂ value⌉ for value ≥ 1 (0 for value ≤ 1): address bits of `value` entries.
@inlinable
public func ceilLog2(_ value: Int) -> Int {
    value <= 1 ? 0 : bitsToRepresent(value - 1)
}

/// A configuration the hardware cannot realise, with the reason and the fix.
public enum DecoderConfigurationError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case noLanes(Int)
    case tableLogOutOfRange(Int)
    case noPortWidth(Int)
    case noClock(Double)
    case bufferTooSmall(Int, minimum: Int)
    case tableTooSmall(layer: String, tableLog: Int, usedSymbols: Int)
    case layerNeedsLargerTable(layer: String, layerTableLog: Int, tableLog: Int)
    case laneMismatch(layer: String, layerLanes: Int, lanes: Int)
    case memoryLatencyOutOfRange(Int)
    case stateLoopOutOfRange(Int)

    public var description: String {
        switch self {
        case .noLanes(let lanes):
            return "lanes = \(lanes) is impossible: a decoder needs at least one lane; use --lanes 1 or more"
        case .tableLogOutOfRange(let r):
            return "table log R = \(r) is out of range: tables of 2^1…2^\(DecoderConfiguration.maximumTableLog) entries are modelled; pick R in 1…\(DecoderConfiguration.maximumTableLog)"
        case .noPortWidth(let w):
            return "port width W = \(w) bits is impossible: lanes are fed by the weight-memory port, which must deliver at least 1 bit per cycle; use --port-bits 8 or more"
        case .noClock(let f):
            return "clock = \(f) Hz is impossible: throughput and latency need a positive clock; give --clock-mhz > 0 or fix clock_mhz in the technology file"
        case .bufferTooSmall(let b, let minimum):
            return "lane buffer of \(b) bits is too small: a lane still needing up to R bits must accept a whole port word, so it needs ≥ W + R = \(minimum) bits; raise --buffer-bits"
        case .tableTooSmall(let layer, let r, let used):
            return "table log R = \(r) is too small for layer '\(layer)': it uses \(used) distinct symbols but a tANS table of 2^\(r) = \(1 << r) entries holds at most \(1 << r) (every present symbol needs a count ≥ 1); use R ≥ \(ceilLog2(used))"
        case .layerNeedsLargerTable(let layer, let lr, let r):
            return "layer '\(layer)' was coded with table log \(lr) but the hardware table holds 2^\(r) entries; re-encode it with R ≤ \(r) or use R ≥ \(lr)"
        case .laneMismatch(let layer, let ll, let lanes):
            return "layer '\(layer)' was coded for \(ll) lanes but the decoder has \(lanes); re-encode the layer with \(lanes) lanes"
        case .stateLoopOutOfRange(let cycles):
            return "a state loop of \(cycles) cycles is not modelled: give 1 (table read, extract and add in one cycle) or 2 (the pipelined variant)"
        case .memoryLatencyOutOfRange(let latency):
            return "memory read latency \(latency) is out of range: give 0 (ideal port) … \(DecoderConfiguration.maximumMemoryReadLatency) cycles (1: synchronous SRAM)"
        }
    }
    public var errorDescription: String? { description }
}
