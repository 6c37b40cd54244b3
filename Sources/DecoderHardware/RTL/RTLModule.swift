import EntropyCoding

/// A block of the generated decoder that synthesis costs on its own, named like the model's
/// ``AreaBreakdown`` fields it lines up with.
public enum RTLBlock: String, Sendable, CaseIterable, Codable {
    /// ``AreaBreakdown/stateRegisters``.
    case stateUpdate = "state_update"
    /// ``AreaBreakdown/bitExtractors``.
    case bitExtractor = "bit_extractor"
    /// Part of ``AreaBreakdown/control`` (port arbiter and stream address counters).
    case portArbiter = "port_arbiter"
    /// ``AreaBreakdown/dequantizers``.
    case dequantizer
    /// Part of ``AreaBreakdown/control`` (table builder).
    case tableBuilder = "table_builder"
    /// The shared escape unit (the model spreads it over state, extractor and control).
    case escapeUnit = "escape_unit"
    /// Part of ``AreaBreakdown/control`` (phases, group counter, readiness, header registers).
    case control
    /// Per-channel steps (generator, lane channel tracking, step selection; only in a decoder
    /// built for them): the model's per-channel share without its step memory.
    case channelSteps = "channel_steps"
}

/// One Verilog-2005 module of the generated decoder: its name, the block it belongs to (nil for
/// the table memory and the top level, which synthesis does not cost as logic blocks), and its
/// source text.
///
/// ```swift
/// for module in RTLModule.all { print(module.name) }
/// ```
/// - Complexity: O(1); the sources are constants.
struct RTLModule: Sendable {
    let name: String
    let block: RTLBlock?
    let source: String

    /// Every module, leaves first.
    static let all: [RTLModule] = [
        .tableMemory, .stateUpdate, .bitExtractor, .interleavedExtractor, .portArbiter, .dequantizer,
        .tableBuilder, .escapeUnit, .control, .top,
    ]
}
