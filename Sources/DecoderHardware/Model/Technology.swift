import EntropyCoding
import Foundation
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

    /// Loads and validates a technology file.
    public static func load(contentsOf url: URL) throws -> Technology {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw TechnologyError(file: url.path, field: nil,
                                  problem: "cannot be read (\(error.localizedDescription))",
                                  fix: "pass an existing file, e.g. Experiments/tech/asic-22nm.yaml")
        }
        return try parse(yaml: text, file: url.path)
    }

    /// Parses a technology file's text. `file` names it in error messages.
    ///
    /// Validation is strict: every field of the kind must be present, be a finite number ≥ 0
    /// (> 0 where a zero would divide or make no physical sense), and no unknown field may
    /// appear — a typo must not silently fall back to a default.
    public static func parse(yaml text: String, file: String) throws -> Technology {
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw TechnologyError(file: file, field: nil, problem: "is not valid YAML (\(error))",
                                  fix: "fix the syntax; see Experiments/tech/asic-45nm.yaml")
        }
        guard let map = root as? [String: Any] else {
            throw TechnologyError(file: file, field: nil, problem: "is not a YAML mapping of fields",
                                  fix: "write `field: value` lines; see Experiments/tech/asic-45nm.yaml")
        }
        var reader = FieldReader(map: map, file: file, lines: FieldReader.keyLines(text))
        let kindName = try reader.string("kind")
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
            throw TechnologyError(file: file, field: "kind", problem: "is '\(kindName)'",
                                  fix: "use `kind: asic` or `kind: fpga`", line: reader.lines["kind"])
        }
        try reader.rejectUnknownFields()
        return Technology(name: name, clockHz: clockMHz * 1e6, kind: kind)
    }
}

/// A technology file that cannot be used, naming the file, the line, the field and the fix:
/// `technology file t.yaml:12: field 'sram_leakage_pw_per_bit' is negative (-3.0); …`. A missing
/// field names the line of `kind:`, the declaration that requires it.
public struct TechnologyError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public var file: String
    public var field: String?
    public var problem: String
    public var fix: String
    /// 1-based line of the field (of `kind:` for a missing field), when known.
    public var line: Int? = nil

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        if let field { return "technology file \(place): field '\(field)' \(problem); \(fix)" }
        return "technology file \(place) \(problem); \(fix)"
    }
    public var errorDescription: String? { description }
}

/// Reads typed fields out of a YAML mapping, remembering which were consumed so that unknown
/// (typically misspelt) fields can be rejected.
private struct FieldReader {
    let map: [String: Any]
    let file: String
    /// 1-based line of each top-level key.
    let lines: [String: Int]
    var consumed: Set<String> = []

    init(map: [String: Any], file: String, lines: [String: Int]) {
        self.map = map
        self.file = file
        self.lines = lines
    }

    /// The 1-based line of every top-level `key:` of a YAML mapping's text (first occurrence).
    static func keyLines(_ text: String) -> [String: Int] {
        var lines: [String: Int] = [:]
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let first = line.first, first.isLetter || first == "_",
                  let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if lines[key] == nil { lines[key] = i + 1 }
        }
        return lines
    }

    /// An error about `field`, placed at its line (a missing field: at `kind:`).
    func error(_ field: String, _ problem: String, fix: String) -> TechnologyError {
        TechnologyError(file: file, field: field, problem: problem, fix: fix, line: lines[field] ?? lines["kind"])
    }

    private mutating func value(_ field: String) throws -> Any {
        consumed.insert(field)
        guard let value = map[field], !(value is NSNull) else {
            let kind = (map["kind"] as? String).map { " (required for `kind: \($0)`)" } ?? ""
            throw error(field, "is missing\(kind)", fix: "add `\(field): <value>` with a comment citing its source")
        }
        return value
    }

    mutating func string(_ field: String) throws -> String {
        let raw = try value(field)
        guard let text = raw as? String, !text.isEmpty else {
            throw error(field, "is not a non-empty string",
                        fix: "write `\(field): some-name`")
        }
        return text
    }

    mutating func number(_ field: String, positive: Bool, atMost limit: Double? = nil) throws -> Double {
        let raw = try value(field)
        let number: Double
        switch raw {
        case let int as Int: number = Double(int)
        case let double as Double: number = double
        default:
            throw error(field, "is '\(raw)', not a number",
                        fix: "write a plain number, e.g. `\(field): 0.5`")
        }
        guard number.isFinite else {
            throw error(field, "is not finite",
                        fix: "write a finite number")
        }
        if number < 0 {
            throw error(field, "is negative (\(number))",
                        fix: "areas, energies, sizes and clocks are ≥ 0; correct the sign")
        }
        if positive && number == 0 {
            throw error(field, "is zero",
                        fix: "give the published, strictly positive value")
        }
        if let limit, number > limit {
            throw error(field, "is \(number), above \(limit)",
                        fix: "give a value in (0, \(limit)]")
        }
        return number
    }

    /// An optional strictly positive number (nil when the field is absent).
    mutating func optionalNumber(_ field: String, atMost limit: Double? = nil) throws -> Double? {
        guard map[field] != nil, !(map[field] is NSNull) else {
            consumed.insert(field)
            return nil
        }
        return try number(field, positive: true, atMost: limit)
    }

    mutating func integer(_ field: String, atLeast minimum: Int = 1) throws -> Int {
        let raw = try value(field)
        guard let int = raw as? Int else {
            throw error(field, "is '\(raw)', not an integer",
                        fix: "write a whole number, e.g. `\(field): 4`")
        }
        if int < 0 {
            throw error(field, "is negative (\(int))",
                        fix: "resource counts are ≥ \(minimum)")
        }
        guard int >= minimum else {
            throw error(field, "is \(int), below \(minimum)",
                        fix: "resource counts are ≥ \(minimum)")
        }
        return int
    }

    func rejectUnknownFields() throws {
        let unknown = map.keys.filter { !consumed.contains($0) }.sorted()
        if let first = unknown.first {
            throw error(first, "is not a known field",
                        fix: "remove it or fix its spelling (known: \(consumed.sorted().joined(separator: ", ")))")
        }
    }
}
