import EntropyCoding
import Foundation

// The result types of ``DecoderCostModel``: cycles per layer, ASIC area and energy breakdowns, FPGA
// resources, and the whole cost of one configuration.

/// Cycle counts of one layer (or, summed, of a model).
public struct LayerCycles: Sendable, Equatable {
    /// Counts read, table built, states and step loaded, buffers primed.
    public var setup: Int
    /// ⌈n/P⌉: cycles with every lane decoding.
    public var decode: Int
    /// Decode-phase cycles in which some lane waited for bits.
    public var stalls: Int
    /// Port words the layer's streams occupy.
    public var words: Int
    /// Symbols decoded.
    public var symbols: Int
    /// Table-build cycles hidden behind the previous layer's decode phase by double-buffered
    /// tables (already removed from ``setup``); 0 otherwise.
    public var hiddenSetup: Int

    public static let zero = LayerCycles(setup: 0, decode: 0, stalls: 0, words: 0, symbols: 0)

    public init(setup: Int, decode: Int, stalls: Int, words: Int, symbols: Int, hiddenSetup: Int = 0) {
        self.setup = setup
        self.decode = decode
        self.stalls = stalls
        self.words = words
        self.symbols = symbols
        self.hiddenSetup = hiddenSetup
    }

    /// Cycles from the first decode to the last symbol: `decode + stalls`.
    @inlinable public var decodePhase: Int { decode + stalls }
    /// All cycles: `setup + decode + stalls`.
    @inlinable public var total: Int { setup + decode + stalls }

    @inlinable
    mutating func accumulate(_ other: LayerCycles) {
        setup += other.setup
        decode += other.decode
        stalls += other.stalls
        words += other.words
        symbols += other.symbols
        hiddenSetup += other.hiddenSetup
    }
}

/// Decoder area by block, µm² (ASIC).
public struct AreaBreakdown: Sendable, Equatable {
    /// L entries × (symbol + nbBits + R) bits, per lane (replicated) or once plus P read muxes (shared).
    var decodeTables: Double
    /// P × (R flip-flops + R-bit adder).
    var stateRegisters: Double
    /// Bit buffers, consume shifters, refill aligners, fill counters (and, interleaved, the
    /// per-lane extractors and prefix adders).
    var bitExtractors: Double
    /// P × (⌈log₂ N⌉×16 multiplier + 16-bit subtractor), plus the step registers.
    public var dequantizers: Double
    /// Table builder, address and group counters, port arbiter.
    public var control: Double

    public var total: Double { decodeTables + stateRegisters + bitExtractors + dequantizers + control }
}

/// Energy per decoded weight by block, pJ (ASIC).
public struct EnergyBreakdown: Sendable, Equatable {
    var decodeTables: Double
    var stateRegisters: Double
    var bitExtractors: Double
    public var dequantizers: Double
    public var control: Double
    /// Reading the coded streams (and headers) from weight memory, per weight.
    var weightMemoryPerWeight: Double
    /// What reading fixed-width weights would cost, per weight (the baseline).
    var fixedWidthMemoryPerWeight: Double
    /// The decode tables' SRAM leakage over the inference, per weight (in ``decoderPerWeight``).
    var tableLeakage: Double = 0
    /// The coded weight memory's leakage over the inference, per weight.
    var weightMemoryLeakagePerWeight: Double = 0
    /// The fixed-width baseline memory's leakage over the same time, per weight.
    var fixedWidthMemoryLeakagePerWeight: Double = 0

    /// The decoder's own energy per weight, its tables' leakage included (memory excluded).
    public var decoderPerWeight: Double {
        decodeTables + stateRegisters + bitExtractors + dequantizers + control + tableLeakage
    }
    /// Decoder plus weight-memory reads and leakage, per weight.
    var totalPerWeight: Double { decoderPerWeight + weightMemoryPerWeight + weightMemoryLeakagePerWeight }
    /// The baseline's: fixed-width reads and leakage, per weight.
    var fixedWidthTotalPerWeight: Double { fixedWidthMemoryPerWeight + fixedWidthMemoryLeakagePerWeight }
}

/// Decoder resources on an FPGA.
public struct FPGAResources: Sendable, Equatable {
    var luts = 0
    var flipFlops = 0
    var bram18 = 0
    var dsp = 0
    public init() {}
}

/// The analytic model's verdict on one configuration and model.
public struct DecoderCost: Sendable {
    public var configuration: DecoderConfiguration
    var technologyName: String
    public var layers: [LayerCycles]
    public var totals: LayerCycles
    public var symbols: Int
    /// Payload bits Σ b.
    public var codedBits: Int
    /// Weight-memory bits with headers and word padding.
    public var storedBits: Int
    /// The fixed-width baseline, Σ n·⌈log₂ N⌉.
    public var fixedWidthBits: Int
    public var area: AreaBreakdown?
    public var energy: EnergyBreakdown?
    public var resources: FPGAResources?
    var memoryAreaSavedUm2: Double?
    public var netAreaSavedUm2: Double?
    var memoryBram18Saved: Int?
    var netBram18Saved: Int?

    init(configuration: DecoderConfiguration, technologyName: String, layers: [LayerCycles],
         totals: LayerCycles, symbols: Int, codedBits: Int, storedBits: Int, fixedWidthBits: Int) {
        self.configuration = configuration
        self.technologyName = technologyName
        self.layers = layers
        self.totals = totals
        self.symbols = symbols
        self.codedBits = codedBits
        self.storedBits = storedBits
        self.fixedWidthBits = fixedWidthBits
    }

    public var totalCycles: Int { totals.total }
    /// Weight memory saved against fixed-width storage, bits (negative if coding costs more).
    var memorySavedBits: Int { fixedWidthBits - storedBits }
    /// Decoded weights per second over the whole model, table loads included.
    public var throughputWeightsPerSecond: Double {
        totalCycles == 0 ? 0 : Double(symbols) / Double(totalCycles) * configuration.clockHz
    }
    /// Decoded weights per cycle in the decode phases (table loads excluded).
    var decodeRateWeightsPerCycle: Double {
        totals.decodePhase == 0 ? 0 : Double(symbols) / Double(totals.decodePhase)
    }

    /// Whether the decoder keeps up with a compute array taking `consumerWeightsPerCycle` weights
    /// per cycle: over the model, its decode phases take no longer than the array's
    /// Σ ⌈n_l / C⌉ cycles (table loads are counted separately, as added latency).
    public func keepsUp(consumerWeightsPerCycle c: Int) -> Bool {
        precondition(c > 0, "a compute array consumes at least one weight per cycle")
        return totals.decodePhase <= layers.reduce(0) { $0 + ($1.symbols + c - 1) / c }
    }

    /// Cycles the decoder adds to one inference feeding an array that takes C weights per cycle:
    /// `Σ_l setup_l + max(0, decodePhase_l − ⌈n_l/C⌉)` (decoding streams into the array, so only
    /// the table load and any shortfall of the decode rate are added).
    func addedLatencyCycles(consumerWeightsPerCycle c: Int) -> Int {
        precondition(c > 0, "a compute array consumes at least one weight per cycle")
        return layers.reduce(0) { $0 + $1.setup + max(0, $1.decodePhase - ($1.symbols + c - 1) / c) }
    }

    /// ``addedLatencyCycles(consumerWeightsPerCycle:)`` in seconds.
    func addedLatencySeconds(consumerWeightsPerCycle c: Int) -> Double {
        Double(addedLatencyCycles(consumerWeightsPerCycle: c)) / configuration.clockHz
    }
}
