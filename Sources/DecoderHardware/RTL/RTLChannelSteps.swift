import EntropyCoding

/// What a decoder with per-output-channel steps (`.sbw` record kind 5, ``ChannelSteps``) is sized
/// for: the most channels of any per-channel layer (the step memory's depth) and the most weights
/// per channel (the lanes' remainder counters).
///
/// ```swift
/// let geometry = RTLChannelStepGeometry(maxChannels: 576, maxWeightsPerChannel: 160)
/// ```
public struct RTLChannelStepGeometry: Sendable, Equatable {
    public var maxChannels: Int
    public var maxWeightsPerChannel: Int

    public init(maxChannels: Int, maxWeightsPerChannel: Int) {
        self.maxChannels = max(1, maxChannels)
        self.maxWeightsPerChannel = max(1, maxWeightsPerChannel)
    }
}

extension RTLModule {
    /// Per-channel steps (`sb_channel_steps`), built only into a decoder some of whose layers have
    /// them (``RTLDesign/channelSteps``); the model's
    /// ``DecoderCostModel/perChannelStepCost(_:maxChannels:maxWeightsPerChannel:weights:channels:)``.
    ///
    /// - **Generator** (setup): reads the layer's step region — the float32 base step, then one
    ///   log-step code byte per channel — from the weight memory through the idle port, a byte per
    ///   cycle, and turns each code into the channel's Q0.16 step exactly as the software decoder
    ///   rounds it: `base · 2^(k/32)` is one IEEE float multiplication (24 × 24-bit significands,
    ///   round to nearest even, with a 32-entry ROM of the fractions' significands),
    ///   `2^(code >> 5)` an exponent add, and the Q0.16 code `round(Δ · 65536)` a rounding right
    ///   shift saturated at 65535. Channel c's step goes to bank `c mod P` at `⌊c/P⌋` (two
    ///   counters, no divider). It runs while the decode table is built (or, for a constant layer,
    ///   in a phase of its own): `C + 8` cycles with the one-cycle memory.
    /// - **Step memory**: P banks of ⌈C/P⌉ 16-bit steps (synchronous SRAMs with a read enable,
    ///   ``stepMemory``, instantiated in the top level like the decode tables; a bank is read
    ///   when its row changes, i.e. once per channel). A group's P symbols lie in at
    ///   most P consecutive channels, one per bank, so one read per bank serves every lane for any
    ///   number of weights per channel w ≥ 1: bank b reads `A + (b < B)`, where the group's first
    ///   channel is `A·P + B`.
    /// - **Lanes**: each lane keeps its channel's bank `c_i mod P` and its position `r_i` in the
    ///   channel; per group it advances by `q = P div w` channels and one more when
    ///   `r_i + (P mod w)` reaches w (q and P mod w are layer registers the host writes: no
    ///   divider), and selects its step from the banks (a P:1 multiplexer). The next group's
    ///   bank addresses are computed from the registers' next values, as the next state addresses
    ///   the decode table, so the one-cycle read latency costs no cycle.
    ///
    /// A layer without per-channel steps (`per_channel = 0`) passes its one step through.
    ///
    /// ```swift
    /// RTLModule.channelSteps.name   // "sb_channel_steps"
    /// ```
    static let channelSteps = RTLModule(name: "sb_channel_steps", block: .channelSteps, source: """
        // Per-output-channel steps: the setup generator (float32 base × 2^(code/32) → Q0.16, bit-exact
        // with the software decoder), the P banks' write and read addresses, and per lane the channel
        // tracking (bank index and position in the channel) and the step selection.
        module sb_channel_steps #(parameter P = 1, parameter W = 32, parameter AW = 24, parameter CB = 8,
                                  parameter WB = 8, parameter DB = 4, parameter LB = 1, parameter PB = 1) (
            input  wire              clk,
            input  wire              start,            // layer start: lanes to the first group
            input  wire              go,               // generator start (the port is free from here)
            input  wire              advance,          // a group is output
            input  wire              per_channel,
            input  wire [WB-1:0]     channel_weights,  // w
            input  wire [PB-1:0]     channel_skip,     // q = P div w
            input  wire [WB-1:0]     channel_rest,     // P mod w
            input  wire [CB-1:0]     channels,         // C
            input  wire [AW-1:0]     step_base,        // the step region: base, then C code bytes
            input  wire [15:0]       step_words,
            input  wire [15:0]       layer_step,       // the one step of a layer without per-channel steps
            output wire              mem_req,
            output wire [AW-1:0]     mem_addr,
            input  wire [W-1:0]      rdata,
            output reg               steps_done,
            output reg  [P-1:0]      bank_we,
            output wire [DB-1:0]     bank_waddr,
            output reg  [15:0]       bank_wdata,
            output reg  [P*DB-1:0]   bank_raddr,
            output reg  [P-1:0]      bank_re,          // read only a row that changes (and in setup)
            input  wire [P*16-1:0]   bank_rdata,
            output reg  [P*16-1:0]   lane_step
        );
            localparam BW = 3 * W;             // byte buffer: up to three words
            localparam NB = $clog2(BW + 1);
            // ---- Generator ----
            reg            busy, arriving;
            reg [AW-1:0]   pointer;
            reg [15:0]     requested;
            reg [BW-1:0]   buffer;
            reg [NB-1:0]   held;               // valid bits in the buffer
            reg [CB+2:0]   consumed;           // bytes taken: 4 of the base, then one per channel
            reg [31:0]     base;
            reg [LB-1:0]   wbank;
            reg [DB-1:0]   waddr;
            wire           take = busy && held >= 8;
            wire [7:0]     byte = buffer[7:0];
            wire [NB-1:0]  after = held - (take ? 8 : 0);
            assign mem_req = busy && requested != step_words && held + (arriving ? W : 0) + W <= BW;
            assign mem_addr = pointer;
            assign bank_waddr = waddr;

            // Δ = base · 2^(k/32) · 2^j for code = 32j + k, as the software's Float arithmetic, then
            // round(Δ · 65536) saturated to 16 bits.
            reg [22:0]          fraction;
            reg [47:0]          product;
            reg [23:0]          mantissa;
            reg [24:0]          rounded;
            reg                 guard, sticky;
            reg [9:0]           exponent;
            reg signed [11:0]   shift;
            reg [25:0]          scaled;
            always @* begin
                case (byte[4:0])
        \(fractionROM)
                endcase
                product = {base[30:23] != 8'd0, base[22:0]} * {1'b1, fraction};
                if (product[47]) begin
                    mantissa = product[47:24]; guard = product[23]; sticky = |product[22:0];
                    exponent = {2'b0, base[30:23]} + 10'd1;
                end else begin
                    mantissa = product[46:23]; guard = product[22]; sticky = |product[21:0];
                    exponent = {2'b0, base[30:23]};
                end
                rounded = {1'b0, mantissa} + (guard && (sticky || mantissa[0]));
                if (rounded[24]) begin
                    mantissa = rounded[24:1];
                    exponent = exponent + 10'd1;
                end else begin
                    mantissa = rounded[23:0];
                end
                // Δ · 2^16 = mantissa · 2^(exponent − 150 + j + 16): a right shift by 134 − exponent − j.
                shift = 12'sd134 - $signed({2'b0, exponent}) - $signed({9'b0, byte[7:5]});
                scaled = 26'd0;
                if (base[30:23] == 8'd0 || shift > 12'sd25) bank_wdata = 16'd0;
                else if (shift < 12'sd1) bank_wdata = 16'hffff;
                else begin
                    scaled = ({2'b0, mantissa} + (26'd1 << (shift - 1))) >> shift;
                    bank_wdata = scaled > 26'd65535 ? 16'hffff : scaled[15:0];
                end
                bank_we = {P{1'b0}};
                if (take && consumed >= 4) bank_we[wbank] = 1'b1;
            end

            always @(posedge clk) begin
                arriving <= mem_req;
                if (go) begin
                    busy <= 1'b1;
                    arriving <= 1'b0;
                    pointer <= step_base;
                    requested <= 16'd0;
                    held <= {NB{1'b0}};
                    buffer <= {BW{1'b0}};
                    consumed <= {(CB+3){1'b0}};
                    wbank <= {LB{1'b0}};
                    waddr <= {DB{1'b0}};
                    steps_done <= 1'b0;
                end else if (start) begin
                    busy <= 1'b0;
                    steps_done <= 1'b0;
                end else begin
                    if (mem_req) begin
                        pointer <= pointer + 1'b1;
                        requested <= requested + 1'b1;
                    end
                    buffer <= (take ? buffer >> 8 : buffer) | (arriving ? {{(2*W){1'b0}}, rdata} << after : {BW{1'b0}});
                    held <= after + (arriving ? W : 0);
                    if (take) begin
                        consumed <= consumed + 1'b1;
                        if (consumed < 4) base[consumed[1:0]*8 +: 8] <= byte;
                        else if (wbank == P - 1) begin
                            wbank <= {LB{1'b0}};
                            waddr <= waddr + 1'b1;
                        end else wbank <= wbank + 1'b1;
                        if (consumed == channels + 3) begin
                            busy <= 1'b0;
                            steps_done <= 1'b1;
                        end
                    end
                end
            end

            // ---- Lanes: channel tracking and step selection ----
            reg [P*LB-1:0] bank, bank_next, first_bank;   // c_i mod P
            reg [P*WB-1:0] rest, rest_next, first_rest;   // position of lane i's symbol in its channel
            reg [DB-1:0]   row, row_next;                 // ⌊c_0 / P⌋
            reg [P*DB-1:0] last_raddr;                    // the row each bank's output holds
            reg            settled;                       // the banks hold the generated steps
            reg [WB:0]     sum;
            reg [LB:0]     moved;
            reg            over;
            integer i;
            always @* begin
                // The first group: symbol i in channel ⌊i/w⌋ (< P), at position i mod w.
                first_bank[0 +: LB] = {LB{1'b0}};
                first_rest[0 +: WB] = {WB{1'b0}};
                for (i = 1; i < P; i = i + 1) begin
                    if (first_rest[(i-1)*WB +: WB] + 1 == channel_weights) begin
                        first_bank[i*LB +: LB] = first_bank[(i-1)*LB +: LB] + 1'b1;
                        first_rest[i*WB +: WB] = {WB{1'b0}};
                    end else begin
                        first_bank[i*LB +: LB] = first_bank[(i-1)*LB +: LB];
                        first_rest[i*WB +: WB] = first_rest[(i-1)*WB +: WB] + 1'b1;
                    end
                end
                row_next = row;
                for (i = 0; i < P; i = i + 1) begin
                    // Next group: P symbols on, q channels and one more if the position wraps.
                    sum = rest[i*WB +: WB] + channel_rest;
                    over = sum >= channel_weights;
                    moved = bank[i*LB +: LB] + channel_skip + over;
                    if (advance) begin
                        rest_next[i*WB +: WB] = over ? sum - channel_weights : sum;
                        bank_next[i*LB +: LB] = moved >= P ? moved - P : moved;
                        if (i == 0) row_next = row + (moved >= P);
                    end else begin
                        rest_next[i*WB +: WB] = rest[i*WB +: WB];
                        bank_next[i*LB +: LB] = bank[i*LB +: LB];
                    end
                    lane_step[i*16 +: 16] = per_channel ? bank_rdata[bank[i*LB +: LB]*16 +: 16] : layer_step;
                end
                // Bank b holds the group's channel ≡ b (mod P): one row on below the first channel's bank.
                for (i = 0; i < P; i = i + 1) begin
                    bank_raddr[i*DB +: DB] = row_next + (i < bank_next[0 +: LB]);
                    // A bank is read when its row changes (a new channel enters the group's window:
                    // once per channel), and every cycle until the generated steps have been read.
                    bank_re[i] = per_channel && (!settled || bank_raddr[i*DB +: DB] != last_raddr[i*DB +: DB]);
                end
            end
            always @(posedge clk) begin
                settled <= steps_done;
                for (i = 0; i < P; i = i + 1)
                    if (bank_re[i]) last_raddr[i*DB +: DB] <= bank_raddr[i*DB +: DB];
                if (start) begin
                    bank <= first_bank;
                    rest <= first_rest;
                    row <= {DB{1'b0}};
                end else begin
                    bank <= bank_next;
                    rest <= rest_next;
                    row <= row_next;
                end
            end
        endmodule

        """)

    /// The case arms of the generator's fraction ROM: the 23 stored significand bits of
    /// `2^(k/32)` (``ChannelSteps``'s fixed `Float` constants, all in [1, 2)).
    static let fractionROM: String = (0..<ChannelSteps.codesPerOctave).map { k in
        let bits = ChannelSteps.step(base: 1, code: UInt8(k)).bitPattern & 0x7F_FFFF
        return "            5'd\(k): fraction = 23'h" + String(bits, radix: 16) + ";"
    }.joined(separator: "\n")
}

extension RTLModule {
    /// The modules of a decoder with per-channel steps: ``channelSteps`` added, and the control,
    /// dequantizers and top level in their per-channel form (``withChannelSteps``). A decoder
    /// without them keeps ``all``, unchanged.
    static let allWithChannelSteps: [RTLModule] = all.map { module in
        withChannelSteps[module.name] ?? module
    }.flatMap { $0.name == tableMemory.name ? [$0, stepMemory] : $0.name == dequantizer.name ? [channelSteps, $0] : [$0] }

    /// A step bank (`sb_step_ram`): ⌈C/P⌉ 16-bit steps, one write port (the generator) and one
    /// synchronous read port with a read enable — the output holds the last row read, so a bank
    /// is read once per channel, not once per cycle. An SRAM macro, costed separately.
    ///
    /// ```swift
    /// RTLModule.stepMemory.name   // "sb_step_ram"
    /// ```
    static let stepMemory = RTLModule(name: "sb_step_ram", block: nil, source: """
        // Step bank: 2^AB 16-bit steps, one write port and one synchronous read port with a read
        // enable (address registered at the clock edge when re is high, data valid in the next cycle
        // and held until the next read; read-before-write on the same address). An SRAM macro.
        module sb_step_ram #(parameter AB = 4) (
            input  wire          clk,
            input  wire          we,
            input  wire [AB-1:0] waddr,
            input  wire [15:0]   wdata,
            input  wire          re,
            input  wire [AB-1:0] raddr,
            output reg  [15:0]   rdata
        );
            reg [15:0] mem [0:(1<<AB)-1];
            always @(posedge clk) begin
                if (re) rdata <= mem[raddr];
                if (we) mem[waddr] <= wdata;
            end
        endmodule

        """)

    /// The per-channel forms of the modules that change, by name: `sb_control` gains a `STEPS`
    /// phase (a constant layer's generator) and waits in `BUILD` for the generator as well as
    /// the table; `sb_dequantizer` takes one step per lane; `sb_decoder` gains the layer's
    /// per-channel registers, the step banks and `sb_channel_steps` on the weight-memory port.
    static let withChannelSteps: [String: RTLModule] = [
        control.name: RTLModule(name: control.name, block: control.block, source: control.source.patched([
            ("    input  wire             constant,\n",
             "    input  wire             constant,\n    input  wire             per_channel,\n    input  wire             steps_done,\n"),
            ("    output reg              build_escape,\n",
             "    output reg              build_escape,\n    output wire             steps_go,\n"),
            ("DONE = 4'd8;", "DONE = 4'd8, STEPS = 4'd9;"),
            ("    reg [31:0]   group;\n",
             "    reg [31:0]   group;\n    reg          built;          // the main table is built (build_done is a pulse)\n"),
            ("    if (phase == STATES && arriving) header_bits <= (header_bits << W) | rdata;\n",
             "    if (phase == STATES && arriving) header_bits <= (header_bits << W) | rdata;\n"
             + "            if (phase == BUILD && build_done) built <= 1'b1;\n"),
            ("            group <= 32'd0;\n", "            group <= 32'd0;\n                    built <= 1'b0;\n"),
            ("    assign done = phase == DONE;\n",
             "    assign done = phase == DONE;\n"
             + "    // Per-channel steps: the generator starts with the table build (or, in a constant\n"
             + "    // layer, in STEPS after the header); BUILD ends when both are done.\n"
             + "    assign steps_go = first && per_channel && (phase == BUILD || phase == STEPS);\n"),
            ("                BUILD, EBUILD: if (build_done) begin",
             "                BUILD, EBUILD: if ((build_done || (phase == BUILD && built)) && (phase == EBUILD || !per_channel || steps_done)) begin"),
            ("                    phase <= constant ? DECODE : PRIME;\n                    first <= 1'b1;\n                end\n",
             "                    phase <= constant ? (per_channel ? STEPS : DECODE) : PRIME;\n                    first <= 1'b1;\n                end\n"
             + "                STEPS: if (steps_done) begin\n                    phase <= DECODE;\n                    first <= 1'b1;\n                end\n"),
        ])),
        dequantizer.name: RTLModule(name: dequantizer.name, block: dequantizer.block, source: dequantizer.source.patched([
            ("    input  wire [15:0]             step,\n", "    input  wire [P*16-1:0]         step,       // one per lane\n"),
            ("product = multiple * $signed({1'b0, step});", "product = multiple * $signed({1'b0, step[j*16 +: 16]});"),
        ])),
        top.name: RTLModule(name: top.name, block: top.block, source: top.source.patched([
            ("parameter S = 1, parameter DQ = 0) (",
             "parameter S = 1, parameter DQ = 0, parameter CB = 1,\n                    parameter WB = 1, parameter DB = 1, parameter LB = 1) ("),
            ("    input  wire [1:0]        dq_mode,           // dependent quantization (DQ = 1): 0 off, 1 four-state, 2 eight-state\n",
             "    input  wire [1:0]        dq_mode,           // dependent quantization (DQ = 1): 0 off, 1 four-state, 2 eight-state\n"
             + "    // Per-channel steps: the layer's flag, w, P div w, P mod w, C and its step region.\n"
             + "    input  wire              per_channel,\n    input  wire [WB-1:0]     channel_weights,\n"
             + "    input  wire [PB-1:0]     channel_skip,\n    input  wire [WB-1:0]     channel_rest,\n"
             + "    input  wire [CB-1:0]     channels,\n    input  wire [AW-1:0]     step_base,\n"
             + "    input  wire [15:0]       step_words,\n"),
            ("    wire arb_req, arriving;\n",
             "    wire arb_req, arriving;\n    wire step_req, steps_done, steps_go;\n    wire [AW-1:0] step_addr;\n"),
            ("    assign mem_req = hdr_req | arb_req;\n    assign mem_addr = hdr_req ? hdr_addr : arb_addr;\n",
             "    assign mem_req = hdr_req | arb_req | step_req;\n    assign mem_addr = hdr_req ? hdr_addr : step_req ? step_addr : arb_addr;\n"),
            ("    sb_dequantizer #(",
             """
                        // Per-channel steps: generator and lanes, and P step banks (SRAMs, like the tables).
                        wire [P-1:0] bank_we;
                        wire [DB-1:0] bank_waddr;
                        wire [15:0] bank_wdata;
                        wire [P*DB-1:0] bank_raddr;
                        wire [P-1:0] bank_re;
                        wire [P*16-1:0] bank_rdata, lane_step;
                        sb_channel_steps #(.P(P), .W(W), .AW(AW), .CB(CB), .WB(WB), .DB(DB), .LB(LB), .PB(PB)) channel_steps (
                            .clk(clk), .start(start), .go(steps_go), .advance(group_step), .per_channel(per_channel),
                            .channel_weights(channel_weights), .channel_skip(channel_skip), .channel_rest(channel_rest),
                            .channels(channels), .step_base(step_base), .step_words(step_words), .layer_step(step),
                            .mem_req(step_req), .mem_addr(step_addr), .rdata(mem_rdata), .steps_done(steps_done),
                            .bank_we(bank_we), .bank_waddr(bank_waddr), .bank_wdata(bank_wdata), .bank_raddr(bank_raddr),
                            .bank_re(bank_re), .bank_rdata(bank_rdata), .lane_step(lane_step));
                        generate for (j = 0; j < P; j = j + 1) begin : step_bank
                            sb_step_ram #(.AB(DB)) bank (
                                .clk(clk), .we(bank_we[j]), .waddr(bank_waddr), .wdata(bank_wdata),
                                .re(bank_re[j]), .raddr(bank_raddr[j*DB +: DB]), .rdata(bank_rdata[j*16 +: 16]));
                        end endgenerate

                        sb_dequantizer #(
                    """),
            (".half(half), .step(step), .weight(out_weight));", ".half(half), .step(lane_step), .weight(out_weight));"),
            (".constant(table_log == 4'd0),",
             ".constant(table_log == 4'd0),\n        .per_channel(per_channel), .steps_done(steps_done), .steps_go(steps_go),"),
        ])),
    ]
}

extension String {
    /// The text with each `(pattern, replacement)` applied; every pattern must occur exactly once
    /// (the per-channel forms of the modules are edits of the plain ones, so a plain module's
    /// text stays byte-identical).
    func patched(_ edits: [(String, String)]) -> String {
        var text = self
        for (pattern, replacement) in edits {
            let parts = text.components(separatedBy: pattern)
            precondition(parts.count == 2, "RTL patch pattern occurs \(parts.count - 1) times: \(pattern)")
            text = parts[0] + replacement + parts[1]
        }
        return text
    }
}
