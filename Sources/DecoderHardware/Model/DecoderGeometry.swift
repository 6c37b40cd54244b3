import EntropyCoding
import Foundation

// Geometry: the datapath sizes (entries, entry bits, symbol bits, buffers) that area, energy and
// FPGA resources are computed from, derived once per configuration.
extension DecoderCostModel {
    /// Sizes of the datapath, derived once per configuration.
    @usableFromInline
    struct Geometry {
        var lanes: Int
        var tableLog: Int
        var entries: Int
        var entryBits: Int
        var symbolBits: Int
        var maxBins: Int
        var bufferBits: Int
        var portBits: Int
        /// Weight-memory read latency λ, cycles (sizes the fine-bit buffer).
        var memoryReadLatency: Int
        var sharing: TableSharing
        var layout: StreamLayout
        /// One shared escape decode unit (table, state, bit buffer, P-entry output FIFO),
        /// present when some layer of the model uses the escape path.
        var escapeUnit: Bool
        /// A bypass select per lane (state or table symbol), present when some layer of the
        /// model is stored fixed-width (``LayerProfile/bypassBits``).
        var bypass = false
        /// The most fine bits per symbol of a layer of split levels (``LayerProfile/fineBits``;
        /// 0: none): sizes the shared fine-bit extractor and widens the level operand.
        var fineBits = 0
        /// Two banks per table (``DecoderConfiguration/doubleBufferTables``).
        var doubleBuffer: Bool
        /// States of the dependent-quantization machine per lane (0: plain dequantization).
        var dqStates: Int

        /// State flip-flops per lane: log₂ of the state count.
        var dqStateBits: Int { ceilLog2(dqStates) }
        /// Width of the multiplier's level operand: one more bit for the reconstruction multiple
        /// `2k − q·sgn k` with dependent quantization.
        var levelBits: Int { symbolBits + fineBits + (dqStates > 0 ? 1 : 0) }

        /// The shared fine-bit extractor of split levels: a buffer of 2·P·s + (λ + 1)·W bits
        /// (``DecoderConfiguration/fineBufferBits(fineBits:)``, the size that keeps it fed
        /// through a λ-cycle read) that shifts out P·s bits per group (one position: a group
        /// always takes P·s) and aligns a W-bit word at any fill level, with its fill counter;
        /// all zero without split levels.
        var fineExtractor: (buffer: Int, alignMuxes: Int, counterBits: Int) {
            guard fineBits > 0 else { return (0, 0, 0) }
            let b = 2 * lanes * fineBits + (memoryReadLatency + 1) * portBits
            return (b, b * ceilLog2(b), bitsToRepresent(b))
        }

        init(config: DecoderConfiguration, maxBins: Int, escapeUnit: Bool) {
            doubleBuffer = config.doubleBufferTables
            lanes = config.lanes
            tableLog = config.tableLog
            entries = config.tableEntries
            symbolBits = max(1, ceilLog2(maxBins))
            entryBits = symbolBits + config.nbBitsFieldBits + config.tableLog
            self.maxBins = maxBins
            bufferBits = config.laneBufferBits
            portBits = config.portBits
            memoryReadLatency = config.memoryReadLatency
            sharing = config.sharing
            layout = config.layout
            self.escapeUnit = escapeUnit
            dqStates = config.dependentQuantization?.stateCount ?? 0
        }

        /// Consume-shifter and refill-aligner sizes in 2:1 multiplexers, and the flip-flops of
        /// the bit buffers, for the whole decoder.
        ///
        /// Split: per lane, a B-bit buffer that shifts out 0…R consumed bits (B·⌈log₂(R+1)⌉ muxes)
        /// and an aligner placing a W-bit word at any fill level (B·⌈log₂ B⌉ muxes).
        /// Interleaved: one P·B-bit buffer shifting out 0…P·R bits, an aligner over P·B bits, and
        /// per lane j an extractor taking R bits at offset Σ_{i<j} nbBits_i from a window of
        /// (j+1)·R bits ((j+1)·R·⌈log₂(j·R+1)⌉ muxes) plus a prefix adder.
        var extractor: (buffer: Int, consumeMuxes: Int, alignMuxes: Int, extractMuxes: Int,
                        prefixAdderBits: Int, counterBits: Int) {
            switch layout {
            case .split:
                let b = bufferBits
                return (lanes * b, lanes * b * ceilLog2(tableLog + 1), lanes * b * ceilLog2(b), 0, 0,
                        lanes * bitsToRepresent(b))
            case .interleaved:
                let b = lanes * bufferBits
                var extract = 0
                for j in 0..<lanes { extract += (j + 1) * tableLog * ceilLog2(j * tableLog + 1) }
                let prefixBits = bitsToRepresent(lanes * tableLog)
                return (b, b * ceilLog2(lanes * tableLog + 1), b * ceilLog2(b), extract,
                        lanes * prefixBits, bitsToRepresent(b))
            }
        }

        /// SRAM (replicated) or flip-flop (shared) bits holding decode tables: P·L·e or L·e, the
        /// escape unit's L·e, times two banks when double-buffered.
        var tableStorageBits: Double {
            let table = Double(entries * entryBits)
            let copies = Double(sharing == .replicated ? lanes : 1) + (escapeUnit ? 1 : 0)
            return copies * table * (doubleBuffer ? 2 : 1)
        }

        /// Stream address counters: one per lane (split) or one (interleaved).
        var addressCounters: Int { layout == .split ? lanes : 1 }

        /// Round-robin arbiter over the lanes, GE: a masked priority encoder, ≈ 4·P·⌈log₂ P⌉.
        var arbiterGE: Double {
            layout == .split && lanes > 1 ? 4.0 * Double(lanes * ceilLog2(lanes)) : 0
        }
    }
}
