import EntropyCoding
import Foundation
import StrictYAML
import Yams

/// Process constants of an ASIC node: what a bit of SRAM, a flip-flop, a gate and a small
/// multiplier cost in area and energy. Every value comes from a technology file whose comments
/// cite the source (`Experiments/tech/asic-*.yaml`).
public struct ASICTechnology: Sendable, Equatable {
    /// 6T SRAM bitcell area, µm².
    public var sramBitAreaUm2: Double
    /// Fraction of an SRAM macro's area that is bitcells (periphery is the rest), in (0, 1]:
    /// the weight memory's macros.
    public var sramArrayEfficiency: Double
    /// The same fraction for the small decode-table macros (a few Kbit, where the periphery
    /// weighs more); nil: ``sramArrayEfficiency``.
    public var sramTableArrayEfficiency: Double? = nil
    /// Read energy per bit of an SRAM of `sramReferenceBytes`, pJ.
    public var sramReadEnergyPJPerBit: Double
    /// Size at which `sramReadEnergyPJPerBit` holds, bytes.
    public var sramReferenceBytes: Double
    /// Read energy grows as (size / reference)^exponent above the reference size (bitline and
    /// wordline length).
    public var sramEnergySizeExponent: Double
    /// The exponent below the reference size, where a macro's fixed periphery (clocking, decoder,
    /// sense amplifiers, I/O) dominates and energy per read falls slowly with size; nil: the same
    /// exponent as above (an extrapolation). The shipped files take it from a compiled macro family.
    public var sramSmallEnergySizeExponent: Double? = nil
    /// Static (leakage) power of a stored SRAM bit, periphery share included, pW per bit: the
    /// decode tables and the weight memory leak for as long as an inference runs.
    public var sramLeakagePWPerBit: Double = 0
    /// NAND2 area: one gate equivalent (GE), µm².
    var nand2AreaUm2: Double
    /// Energy of one GE switching once, pJ.
    var gateEnergyPJ: Double
    /// D flip-flop area, µm².
    var flipFlopAreaUm2: Double
    /// Energy per flip-flop per clock, pJ.
    var flipFlopEnergyPJ: Double
    /// A 2:1 multiplexer in GE.
    var mux2GateEquivalents: Double
    /// A full adder in GE.
    var fullAdderGateEquivalents: Double
    /// An 8×8-bit integer multiplier's area, µm².
    var multiplier8x8AreaUm2: Double
    /// An 8×8-bit integer multiplier's energy per operation, pJ.
    var multiplier8x8EnergyPJ: Double
    /// Per-block factors on the model's logic area, fitted to synthesis (``LogicCalibration``).
    public var calibration: LogicCalibration = .identity

    /// Read energy per bit of an SRAM holding `bytes`:
    /// `E(S) = E_ref · (S / S_ref)^α` for S ≥ S_ref — Horowitz's 8 KB → 32 KB → 1 MB points grow
    /// as √size — and `E_ref · (S / S_ref)^β` below it, β = ``sramSmallEnergySizeExponent`` (the
    /// GF180 64 × 8 … 512 × 8 macros: β ≈ 0.1, the periphery's fixed energy dominates). Sizes below
    /// one 64-bit word are clamped to a word: a macro never gets cheaper than that.
    ///
    /// ```swift
    /// asic.sramReadEnergyPerBit(bytes: 2560)   // a 1024 × 20-bit table: E_ref · (2560/8192)^β
    /// ```
    @inlinable
    public func sramReadEnergyPerBit(bytes: Double) -> Double {
        let ratio = max(bytes, 8) / sramReferenceBytes
        let exponent = ratio < 1 ? (sramSmallEnergySizeExponent ?? sramEnergySizeExponent) : sramEnergySizeExponent
        return sramReadEnergyPJPerBit * pow(ratio, exponent)
    }

    /// Leakage energy of `bits` of SRAM held for `seconds`, pJ: `bits · P_leak · t`
    /// (``sramLeakagePWPerBit`` pW × s = pJ).
    @inlinable
    public func sramLeakageEnergy(bits: Double, seconds: Double) -> Double {
        bits * sramLeakagePWPerBit * seconds
    }

    /// Area of an SRAM macro holding `bits`, µm²: bitcells divided by the array efficiency
    /// (the weight memory's).
    @inlinable
    public func sramArea(bits: Double) -> Double {
        bits * sramBitAreaUm2 / sramArrayEfficiency
    }

    /// Area of a decode-table SRAM macro holding `bits`, µm²: bitcells divided by the small
    /// macros' array efficiency ``sramTableArrayEfficiency``.
    @inlinable
    public func sramTableArea(bits: Double) -> Double {
        bits * sramBitAreaUm2 / (sramTableArrayEfficiency ?? sramArrayEfficiency)
    }
}

/// Factors on the analytic model's logic area per block, fitted to logic synthesis of the
/// generated RTL (`Scripts/synth-decoder.sh`: synthesized GE / modelled GE per block, median over
/// the synthesized configurations). A technology file gives them as optional `calibration_*`
/// fields citing the run; absent, a factor is 1 (the uncalibrated structural model).
///
/// ```swift
/// var asic = tech.asic!; asic.calibration.tableBuilder   // e.g. 3.2
/// ```
public struct LogicCalibration: Sendable, Equatable {
    var stateRegisters: Double
    var bitExtractors: Double
    public var dequantizers: Double
    var tableBuilder: Double
    /// Address counters, group counter, arbiter and escape FIFO.
    public var control: Double
    /// The flip-flop table and read multiplexers of a shared table.
    var sharedTables: Double

    public static let identity = LogicCalibration(stateRegisters: 1, bitExtractors: 1, dequantizers: 1,
                                                  tableBuilder: 1, control: 1, sharedTables: 1)

    public init(stateRegisters: Double, bitExtractors: Double, dequantizers: Double, tableBuilder: Double,
                control: Double, sharedTables: Double) {
        self.stateRegisters = stateRegisters
        self.bitExtractors = bitExtractors
        self.dequantizers = dequantizers
        self.tableBuilder = tableBuilder
        self.control = control
        self.sharedTables = sharedTables
    }
}

/// Resources of an FPGA fabric (AMD/Xilinx 7-series style): LUT6s, flip-flops, 18 Kb block RAMs
/// with two ports, DSP multipliers. Area is counted in resources, not µm².
public struct FPGATechnology: Sendable, Equatable {
    var lutsPerSlice: Int
    var flipFlopsPerSlice: Int
    /// Multiplexer inputs one LUT absorbs (a LUT6 is a 4:1 mux).
    var muxInputsPerLUT: Int
    /// Bits in one RAMB18 block.
    var bram18Bits: Int
    /// Independent read ports of one RAMB18 (true dual port: 2).
    var bram18Ports: Int
    /// Widest data port in true dual-port mode (1K × 18: 18).
    var bram18MaxPortWidth: Int
    /// Multiplier operand widths of one DSP slice.
    var dspMultiplierABits: Int
    var dspMultiplierBBits: Int

    /// RAMB18 blocks for one table copy of `entries` × `width` bits, choosing the best true
    /// dual-port aspect ratio (16K×1, 8K×2, 4K×4, 2K×9, 1K×18): `min over (d, w) of ⌈entries/d⌉·⌈width/w⌉`.
    func bram18Blocks(entries: Int, width: Int) -> Int {
        guard entries > 0, width > 0 else { return 0 }
        var best = Int.max
        for portWidth in [1, 2, 4, 9, 18, 36] where portWidth <= bram18MaxPortWidth {
            // Parity bits are only addressable in the ×9 / ×18 / ×36 ratios.
            let usableBits = portWidth % 9 == 0 ? bram18Bits : bram18Bits / 9 * 8
            let depth = usableBits / portWidth
            let blocks = ((entries + depth - 1) / depth) * ((width + portWidth - 1) / portWidth)
            best = min(best, blocks)
        }
        return best
    }
}

/// A technology file: an ASIC node or an FPGA fabric, with its default design clock.
///
/// ```swift
/// let tech = try Technology.load(contentsOf: URL(fileURLWithPath: "Experiments/tech/asic-22nm.yaml"))
/// print(tech.name, tech.clockHz)
/// ```
public struct Technology: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case asic(ASICTechnology)
        case fpga(FPGATechnology)
    }

    public var name: String
    /// Default design clock, Hz (a run may override it).
    public var clockHz: Double
    public var kind: Kind

    public init(name: String, clockHz: Double, kind: Kind) {
        self.name = name
        self.clockHz = clockHz
        self.kind = kind
    }

    /// An example technology file, named by errors as the place to start.
    static let example = "Experiments/tech/asic-45nm.yaml"

    /// Loads and validates a technology file.
    public static func load(contentsOf url: URL) throws -> Technology {
        try parse(yaml: try YAMLDocument.readText(url, shown: url.path, example: example), file: url.path)
    }

    /// Parses a technology file's text. `file` names it in error messages (``SpecError``s, as
    /// for experiment specs: file, line, column, field, fix).
    ///
    /// Validation is strict: every field of the kind must be present, be a finite number ≥ 0
    /// (> 0 where a zero would divide or make no physical sense), and no unknown field may
    /// appear — a typo must not silently fall back to a default.
    public static func parse(yaml text: String, file: String) throws -> Technology {
        let map = try YAMLMapping(try YAMLDocument.compose(yaml: text, file: file, example: example), path: "", file: file)
        var reader = TechnologyFields(map: map)
        let kindName = try reader.string("kind", in: ["asic", "fpga"])
        let name = try reader.string("name")
        let clockMHz = try reader.number("clock_mhz", positive: true)
        let kind: Kind
        switch kindName {
        case "asic":
            kind = .asic(ASICTechnology(
                sramBitAreaUm2: try reader.number("sram_bit_area_um2", positive: true),
                sramArrayEfficiency: try reader.number("sram_array_efficiency", positive: true, atMost: 1),
                sramTableArrayEfficiency: try reader.number("sram_table_array_efficiency", positive: true, atMost: 1),
                sramReadEnergyPJPerBit: try reader.number("sram_read_energy_pj_per_bit", positive: true),
                sramReferenceBytes: try reader.number("sram_reference_bytes", positive: true),
                sramEnergySizeExponent: try reader.number("sram_energy_size_exponent", positive: false, atMost: 2),
                sramSmallEnergySizeExponent: try reader.number("sram_small_energy_size_exponent", positive: false, atMost: 2),
                sramLeakagePWPerBit: try reader.number("sram_leakage_pw_per_bit", positive: false),
                nand2AreaUm2: try reader.number("nand2_area_um2", positive: true),
                gateEnergyPJ: try reader.number("gate_energy_pj", positive: true),
                flipFlopAreaUm2: try reader.number("flip_flop_area_um2", positive: true),
                flipFlopEnergyPJ: try reader.number("flip_flop_energy_pj", positive: true),
                mux2GateEquivalents: try reader.number("mux2_gate_equivalents", positive: true),
                fullAdderGateEquivalents: try reader.number("full_adder_gate_equivalents", positive: true),
                multiplier8x8AreaUm2: try reader.number("multiplier_8x8_area_um2", positive: true),
                multiplier8x8EnergyPJ: try reader.number("multiplier_8x8_energy_pj", positive: true),
                calibration: LogicCalibration(
                    stateRegisters: try reader.optionalNumber("calibration_state_registers") ?? 1,
                    bitExtractors: try reader.optionalNumber("calibration_bit_extractors") ?? 1,
                    dequantizers: try reader.optionalNumber("calibration_dequantizers") ?? 1,
                    tableBuilder: try reader.optionalNumber("calibration_table_builder") ?? 1,
                    control: try reader.optionalNumber("calibration_control") ?? 1,
                    sharedTables: try reader.optionalNumber("calibration_shared_tables") ?? 1)))
        case "fpga":
            kind = .fpga(FPGATechnology(
                lutsPerSlice: try reader.integer("luts_per_slice"),
                flipFlopsPerSlice: try reader.integer("flip_flops_per_slice"),
                muxInputsPerLUT: try reader.integer("mux_inputs_per_lut", atLeast: 2),
                bram18Bits: try reader.integer("bram18_bits"),
                bram18Ports: try reader.integer("bram18_ports"),
                bram18MaxPortWidth: try reader.integer("bram18_max_port_width"),
                dspMultiplierABits: try reader.integer("dsp_multiplier_a_bits"),
                dspMultiplierBBits: try reader.integer("dsp_multiplier_b_bits")))
        default:
            preconditionFailure("kind was read from its two choices")
        }
        try map.allowOnly(reader.read)
        return Technology(name: name, clockHz: clockMHz * 1e6, kind: kind)
    }
}

/// Reads a technology file's fields through its ``YAMLMapping``, with the physical checks a
/// constant needs (finite, ≥ 0, > 0 where zero makes no sense, an upper bound for fractions), and
/// remembers which fields were read so that any other (typically misspelt) field is refused.
private struct TechnologyFields {
    let map: YAMLMapping
    /// The fields read so far: the known fields of this file's kind.
    private(set) var read: [String] = []

    init(map: YAMLMapping) { self.map = map }

    mutating func string(_ field: String, in choices: [String]? = nil) throws -> String {
        read.append(field)
        guard map.node(field) != nil else { throw missing(field) }
        return try map.string(field, in: choices)
    }

    /// A missing field is placed at `kind:`, the declaration that requires it.
    private func missing(_ field: String) -> SpecError {
        var error = map.missing(field, hint: "<value>")
        if let mark = map.entries.first(where: { $0.key == "kind" })?.keyMark { (error.line, error.column) = (mark.line, mark.column) }
        let required = map.node("kind")?.string.map { " (`kind: \($0)` needs it)" } ?? ""
        error.message = "required key is missing\(required). Fix: add `\(field): <value>` with a comment citing its source."
        return error
    }

    /// The value of `field` as YAML reads a `T` (`4`, `0.5`, `1e-3`, `.nan`), or nil if it is not one.
    private mutating func value<T: ScalarConstructible>(_ field: String, as: T.Type) throws -> (Node, T?) {
        read.append(field)
        guard let node = map.node(field) else { throw missing(field) }
        return (node, node.scalar.flatMap { $0.style == .plain ? T.construct(from: $0) : nil })
    }

    mutating func number(_ field: String, positive: Bool, atMost limit: Double? = nil) throws -> Double {
        let (node, parsed) = try value(field, as: Double.self)
        guard let number = parsed else {
            throw map.error(field, node, "\(YAMLMapping.kind(of: node)) is not a number. Fix: write a plain number, e.g. `\(field): 0.5`.")
        }
        guard number.isFinite else { throw map.error(field, node, "the value is not finite. Fix: write a finite number.") }
        if number < 0 {
            throw map.error(field, node, "\(number) is negative. Fix: areas, energies, sizes and clocks are ≥ 0; correct the sign.")
        }
        if positive && number == 0 {
            throw map.error(field, node, "the value is zero. Fix: give the published, strictly positive value.")
        }
        if let limit, number > limit {
            throw map.error(field, node, "\(number) is above \(limit). Fix: give a value in (0, \(limit)].")
        }
        return number
    }

    /// An optional strictly positive number (nil when the field is absent or `null`).
    mutating func optionalNumber(_ field: String) throws -> Double? {
        guard let node = map.node(field), node.null == nil else {
            read.append(field)
            return nil
        }
        return try number(field, positive: true)
    }

    mutating func integer(_ field: String, atLeast minimum: Int = 1) throws -> Int {
        let (node, parsed) = try value(field, as: Int.self)
        guard let int = parsed else {
            throw map.error(field, node, "\(YAMLMapping.kind(of: node)) is not a whole number. Fix: write one, e.g. `\(field): 4`.")
        }
        if int < 0 { throw map.error(field, node, "\(int) is negative. Fix: resource counts are ≥ \(minimum).") }
        guard int >= minimum else { throw map.error(field, node, "\(int) is below \(minimum). Fix: resource counts are ≥ \(minimum).") }
        return int
    }
}
