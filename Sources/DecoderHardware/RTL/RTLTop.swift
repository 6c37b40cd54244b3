extension RTLModule {
    /// The top level (`sb_decoder`): instantiates one module per block and muxes the memory port.
    ///
    /// ```swift
    /// RTLModule.top.name   // "sb_decoder"
    /// ```
    static let top = RTLModule(name: "sb_decoder", block: nil, source: """
        // Top level: P lanes of table-driven tANS decoding behind one W-bit weight-memory port.
        module sb_decoder #(parameter P = 1, parameter R = 8, parameter N = 16, parameter SB = 4,
                            parameter NB = 4, parameter W = 32, parameter B = 64, parameter AW = 24,
                            parameter SPLIT = 1, parameter SHARED = 0, parameter ESC = 0,
                            parameter KC = 5, parameter KS = 1, parameter KES = 1,
                            parameter FB = 7, parameter FBI = 7, parameter OB = 8, parameter PB = 1,
                            parameter HB = 1, parameter SB2 = 1, parameter QB = 1,
                            parameter S = 1, parameter DQ = 0) (
            input  wire              clk,
            input  wire              rst,
            input  wire              start,
            // Layer descriptor (host-written registers).
            input  wire [31:0]       groups,
            input  wire [PB-1:0]     last_active,
            input  wire [3:0]        table_log,         // 0: a constant layer (header only)
            input  wire [3:0]        escape_table_log,
            input  wire              has_escape,
            input  wire [31:0]       escape_count,
            input  wire [SB-1:0]     half,
            input  wire [AW-1:0]     header,
            input  wire [15:0]       count_words,
            input  wire [15:0]       state_words,
            input  wire [S*AW-1:0]   stream_base,
            input  wire [S*AW-1:0]   stream_words,
            input  wire [1:0]        dq_mode,           // dependent quantization (DQ = 1): 0 off, 1 four-state, 2 eight-state
            // Weight memory: synchronous, one-cycle read latency.
            output wire              mem_req,
            output wire [AW-1:0]     mem_addr,
            input  wire [W-1:0]      mem_rdata,
            // Decoded weights, P per cycle.
            output wire              out_valid,
            output wire [P-1:0]      out_active,
            output wire [P*SB-1:0]   out_symbol,
            output wire [P*(SB+17+DQ)-1:0] out_weight,
            output wire              done,
            output wire [31:0]       setup_cycles,
            output wire [31:0]       decode_cycles
        );
            localparam M = SPLIT ? P : 1;
            localparam FS = SPLIT ? FB : FBI;
            localparam E = SB + NB + R;

            wire hdr_req, count_clear, count_shift, build_start, build_escape, clear, prime, run, load;
            wire group_step, build_done, prime_done, filling, we;
            wire [AW-1:0] hdr_addr, arb_addr;
            wire [P*R-1:0] init_states, x_next, x, bits;
            wire [15:0] step;
            wire [R-1:0] escape_init, escape_x_next, build_raddr, build_waddr;
            wire [E-1:0] build_wdata;
            wire [P-1:0] hold;
            wire [PB-1:0] pops, queued;
            wire [P*SB-1:0] escape_values;
            wire arb_req, arriving;
            wire [SB2-1:0] arb_stream, arriving_stream;
            wire [S*FS-1:0] stream_fill;
            wire [P*FB-1:0] lane_fill;
            wire [FBI-1:0] shared_fill;
            wire [OB-1:0] need;
            wire [FB-1:0] escape_fill;

            assign mem_req = hdr_req | arb_req;
            assign mem_addr = hdr_req ? hdr_addr : arb_addr;

            // Decode tables: entry = {symbol, nbBits, newStateBase}.
            wire [P*E-1:0] entry;
            wire [P*SB-1:0] lane_symbol;
            wire [P*NB-1:0] lane_nb;
            wire [P*R-1:0] lane_base;
            genvar j;
            generate
                if (SHARED) begin : shared_table
                    wire [P*R-1:0] raddr;
                    for (j = 0; j < P; j = j + 1) begin : a
                        assign raddr[j*R +: R] = (j == 0 && filling && !build_escape) ? build_raddr : x_next[j*R +: R];
                    end
                    sb_table_ram #(.AB(R), .DW(E), .PORTS(P)) table_ram (
                        .clk(clk), .we(we && !build_escape), .waddr(build_waddr), .wdata(build_wdata),
                        .raddr(raddr), .rdata(entry));
                end else begin : replicated_tables
                    for (j = 0; j < P; j = j + 1) begin : lane
                        wire [R-1:0] raddr = (j == 0 && filling && !build_escape) ? build_raddr : x_next[j*R +: R];
                        sb_table_ram #(.AB(R), .DW(E), .PORTS(1)) table_ram (
                            .clk(clk), .we(we && !build_escape), .waddr(build_waddr), .wdata(build_wdata),
                            .raddr(raddr), .rdata(entry[j*E +: E]));
                    end
                end
                for (j = 0; j < P; j = j + 1) begin : fields
                    assign lane_symbol[j*SB +: SB] = entry[j*E + NB + R +: SB];
                    assign lane_nb[j*NB +: NB] = entry[j*E + R +: NB];
                    assign lane_base[j*R +: R] = entry[j*E +: R];
                end
            endgenerate

            // Escape path.
            wire [E-1:0] escape_entry;
            generate
                if (ESC) begin : escape
                    wire [R-1:0] eraddr = (filling && build_escape) ? build_raddr : escape_x_next;
                    sb_table_ram #(.AB(R), .DW(E), .PORTS(1)) escape_table (
                        .clk(clk), .we(we && build_escape), .waddr(build_waddr), .wdata(build_wdata),
                        .raddr(eraddr), .rdata(escape_entry));
                    sb_escape_unit #(.P(P), .R(R), .NB(NB), .SB(SB), .W(W), .B(B), .FB(FB), .PB(PB), .HB(HB)) unit (
                        .clk(clk), .clear(clear), .load(load), .init(escape_init), .count(escape_count), .run(run),
                        .pops(group_step ? pops : {PB{1'b0}}), .entry(escape_entry),
                        .refill(arriving && arriving_stream == S-1), .word(mem_rdata),
                        .x_next(escape_x_next), .queued(queued), .head_values(escape_values), .fill(escape_fill));
                    assign stream_fill[(S-1)*FS +: FS] = escape_fill;
                end else begin : no_escape
                    assign escape_entry = {E{1'b0}};
                    assign queued = {PB{1'b0}};
                    assign escape_values = {P*SB{1'b0}};
                    assign escape_x_next = {R{1'b0}};
                    assign escape_fill = {FB{1'b0}};
                end
            endgenerate

            wire [SB-1:0] build_read_symbol = build_escape ? escape_entry[E-1 -: SB] : entry[E-1 -: SB];
            sb_table_builder #(.N(N), .R(R), .NB(NB), .SB(SB), .W(W), .KC(KC)) builder (
                .clk(clk), .clear(count_clear), .shift(count_shift), .word(mem_rdata), .start(build_start),
                .table_log(build_escape ? escape_table_log : table_log), .read_symbol(build_read_symbol),
                .we(we), .waddr(build_waddr), .wdata(build_wdata), .raddr(build_raddr), .filling(filling),
                .done(build_done));

            sb_state_update #(.P(P), .R(R)) states (
                .clk(clk), .load(load), .init(init_states), .step(group_step), .hold(hold),
                .base(lane_base), .bits(bits), .x_next(x_next), .x(x));

            generate
                if (SPLIT) begin : split
                    sb_bit_extractor #(.LANES(P), .R(R), .NB(NB), .W(W), .B(B), .FB(FB), .SEL(SB2)) extract (
                        .clk(clk), .clear(clear), .nb(lane_nb), .consume(group_step ? ~hold : {P{1'b0}}),
                        .refill(arriving && arriving_stream < M), .refill_lane(arriving_stream), .word(mem_rdata),
                        .value(bits), .fill(lane_fill));
                    assign stream_fill[M*FS-1:0] = lane_fill;
                    assign shared_fill = {FBI{1'b0}};
                    assign need = {OB{1'b0}};
                end else begin : interleaved
                    sb_interleaved_extractor #(.P(P), .R(R), .NB(NB), .W(W), .BT(P*B), .FB(FBI), .OB(OB)) extract (
                        .clk(clk), .clear(clear), .nb(lane_nb), .use_bits(~hold), .consume(group_step),
                        .refill(arriving && arriving_stream == 0), .word(mem_rdata),
                        .value(bits), .need(need), .fill(shared_fill));
                    assign stream_fill[FS-1:0] = shared_fill;
                    assign lane_fill = {P*FB{1'b0}};
                end
            endgenerate

            sb_port_arbiter #(.S(S), .M(M), .ESC(ESC), .W(W), .AW(AW), .FB(FS), .SB2(SB2),
                              .CAP_MAIN(SPLIT ? B : P*B), .CAP_ESC(B), .QUOTA_MAIN(SPLIT ? 1 : P), .QB(QB)) arbiter (
                .clk(clk), .clear(clear), .base(stream_base), .words(stream_words), .prime(prime), .run(run),
                .fill(stream_fill), .req(arb_req), .addr(arb_addr), .stream(arb_stream),
                .arriving(arriving), .arriving_stream(arriving_stream), .prime_done(prime_done));

            sb_dequantizer #(.P(P), .SB(SB), .DQ(DQ)) dequantize (
                .clk(clk), .restart(start), .advance(group_step), .active(out_active), .dq_mode(dq_mode),
                .symbol(out_symbol), .half(half), .step(step), .weight(out_weight));

            sb_control #(.P(P), .R(R), .NB(NB), .SB(SB), .W(W), .AW(AW), .FB(FB), .FBI(FBI), .OB(OB),
                         .SPLIT(SPLIT), .ESC(ESC), .PB(PB), .KS(KS), .KES(KES)) control (
                .clk(clk), .rst(rst), .start(start), .groups(groups), .last_active(last_active),
                .has_escape(has_escape), .constant(table_log == 4'd0), .header(header), .count_words(count_words), .state_words(state_words),
                .rdata(mem_rdata), .build_done(build_done), .prime_done(prime_done),
                .lane_symbol(lane_symbol), .lane_nb(lane_nb), .lane_fill(lane_fill), .need(need),
                .shared_fill(shared_fill), .escapes_queued(queued), .escape_values(escape_values),
                .hdr_req(hdr_req), .hdr_addr(hdr_addr), .count_clear(count_clear), .count_shift(count_shift),
                .build_start(build_start), .build_escape(build_escape), .clear(clear), .prime(prime), .run(run),
                .load(load), .init_states(init_states), .step(step), .escape_init(escape_init),
                .group_step(group_step), .hold(hold), .pops(pops), .out_symbol(out_symbol),
                .out_active(out_active), .done(done), .setup_cycles(setup_cycles), .decode_cycles(decode_cycles));
            assign out_valid = group_step;
        endmodule

        """)
}
