extension RTLModule {
    /// Control (`sb_control`): layer phases, header reading, group counter, lockstep readiness, escape
/// substitution and cycle counters; part of the model's ``AreaBreakdown/control``.
    ///
    /// ```swift
    /// RTLModule.control.name   // "sb_control"
    /// ```
    static let control = RTLModule(name: "sb_control", block: .control, source: """
        // Control: the layer's phases (read counts → build table → [escape counts → build escape
        // table] → read initial states and step → prime buffers → decode), the header address counter,
        // the group counter and lockstep readiness (every lane holds its bits, the escape FIFO holds
        // the group's escape values), escape substitution in lane order, and the cycle counters.
        // A constant layer (table_log = 0: one symbol, no table, no streams) reads only its header
        // (step and symbol, in the state words) and then emits its symbol in every active lane, one
        // group per cycle, with the lanes' states and buffers held.
        module sb_control #(parameter P = 1, parameter R = 8, parameter NB = 4, parameter SB = 4,
                            parameter W = 32, parameter AW = 24, parameter FB = 7, parameter FBI = 7,
                            parameter OB = 8, parameter SPLIT = 1, parameter ESC = 0, parameter PB = 1,
                            parameter KS = 1, parameter KES = 1) (
            input  wire             clk,
            input  wire             rst,
            input  wire             start,
            input  wire [31:0]      groups,
            input  wire [PB-1:0]    last_active,
            input  wire             has_escape,
            input  wire             constant,
            input  wire [AW-1:0]    header,
            input  wire [15:0]      count_words,
            input  wire [15:0]      state_words,
            input  wire [W-1:0]     rdata,
            input  wire             build_done,
            input  wire             prime_done,
            input  wire [P*SB-1:0]  lane_symbol,
            input  wire [P*NB-1:0]  lane_nb,
            input  wire [P*FB-1:0]  lane_fill,
            input  wire [OB-1:0]    need,
            input  wire [FBI-1:0]   shared_fill,
            input  wire [PB-1:0]    escapes_queued,
            input  wire [P*SB-1:0]  escape_values,
            output reg              hdr_req,
            output wire [AW-1:0]    hdr_addr,
            output reg              count_clear,
            output reg              count_shift,
            output reg              build_start,
            output reg              build_escape,
            output reg              clear,
            output reg              prime,
            output reg              run,
            output reg              load,
            output wire [P*R-1:0]   init_states,
            output wire [15:0]      step,
            output wire [R-1:0]     escape_init,
            output reg              group_step,
            output reg  [P-1:0]     hold,
            output reg  [PB-1:0]    pops,
            output reg  [P*SB-1:0]  out_symbol,
            output reg  [P-1:0]     out_active,
            output wire             done,
            output reg  [31:0]      setup_cycles,
            output reg  [31:0]      decode_cycles
        );
            localparam IDLE = 4'd0, COUNTS = 4'd1, BUILD = 4'd2, ECOUNTS = 4'd3, EBUILD = 4'd4,
                       STATES = 4'd5, PRIME = 4'd6, DECODE = 4'd7, DONE = 4'd8;
            localparam HW = (KS + KES) * W;
            reg [3:0]    phase;
            reg          first;          // first cycle of a phase
            reg [AW-1:0] pointer;
            reg [15:0]   requested;
            reg          arriving;
            reg [HW-1:0] header_bits;
            reg [31:0]   group;
            wire [SB-1:0] escape_symbol = header_bits[SB-1:0];
            wire [HW-1:0] state_field_bits = has_escape ? header_bits >> (KES * W) : header_bits;
            assign step = state_field_bits[15:0];
            genvar g;
            generate for (g = 0; g < P; g = g + 1) begin : st
                assign init_states[g*R +: R] = state_field_bits[16 + g*R +: R];
            end endgenerate
            assign escape_init = header_bits[8 +: R];
            wire [SB-1:0] constant_symbol = state_field_bits[16 +: SB];
            assign hdr_addr = pointer;
            assign done = phase == DONE;

            wire [15:0] words_here = phase == STATES ? state_words + (has_escape ? KES : 0) : count_words;
            wire        header_phase = phase == COUNTS || phase == ECOUNTS || phase == STATES;
            wire        header_end = header_phase && requested == words_here && arriving;

            // Lockstep readiness of the current group.
            reg         last_group, second_last, ready, fits;
            reg [P-1:0] escaped;
            reg [PB-1:0] rank;
            integer j;
            always @* begin
                last_group = group == groups - 1;
                second_last = group == groups - 2;
                fits = 1'b1;
                pops = {PB{1'b0}};
                rank = {PB{1'b0}};
                for (j = 0; j < P; j = j + 1) begin
                    out_active[j] = !last_group || j < last_active;
                    hold[j] = constant || !out_active[j] || last_group || (second_last && j >= last_active);
                    if (SPLIT && !hold[j] && lane_nb[j*NB +: NB] > lane_fill[j*FB +: FB]) fits = 1'b0;
                    escaped[j] = ESC && has_escape && !constant && out_active[j] && lane_symbol[j*SB +: SB] == escape_symbol;
                    out_symbol[j*SB +: SB] = constant ? constant_symbol
                                           : escaped[j] ? escape_values[rank*SB +: SB] : lane_symbol[j*SB +: SB];
                    rank = rank + escaped[j];
                end
                pops = rank;
                if (!SPLIT && need > shared_fill) fits = 1'b0;
                ready = constant || (fits && pops <= escapes_queued);
                group_step = phase == DECODE && ready;
                hdr_req = header_phase && requested != words_here;
                count_clear = (phase == COUNTS || phase == ECOUNTS) && first;
                count_shift = (phase == COUNTS || phase == ECOUNTS) && arriving;
                build_start = (phase == BUILD || phase == EBUILD) && first;
                build_escape = phase == ECOUNTS || phase == EBUILD;
                clear = phase == IDLE;
                prime = phase == PRIME;
                run = phase == DECODE;
                load = phase == PRIME && first;
            end

            always @(posedge clk) begin
                if (rst) begin
                    phase <= IDLE;
                    first <= 1'b1;
                    arriving <= 1'b0;
                end else begin
                    arriving <= hdr_req;
                    if (hdr_req) begin
                        pointer <= pointer + 1'b1;
                        requested <= requested + 1'b1;
                    end
                    if (phase == STATES && arriving) header_bits <= (header_bits << W) | rdata;
                    first <= 1'b0;
                    case (phase)
                        IDLE: if (start) begin
                            phase <= constant ? STATES : COUNTS;
                            first <= 1'b1;
                            pointer <= header;
                            requested <= 16'd0;
                            header_bits <= {HW{1'b0}};
                            group <= 32'd0;
                        end
                        COUNTS, ECOUNTS: if (header_end) begin
                            phase <= phase == COUNTS ? BUILD : EBUILD;
                            first <= 1'b1;
                            requested <= 16'd0;
                        end
                        BUILD, EBUILD: if (build_done) begin
                            phase <= (phase == BUILD && has_escape) ? ECOUNTS : STATES;
                            first <= 1'b1;
                        end
                        STATES: if (header_end) begin
                            phase <= constant ? DECODE : PRIME;
                            first <= 1'b1;
                        end
                        PRIME: if (prime_done) phase <= DECODE;
                        DECODE: if (group_step) begin
                            group <= group + 1;
                            if (last_group) phase <= DONE;
                        end
                        default: ;
                    endcase
                end
            end

        `ifndef SYNTHESIS
            // Cycle counters for the testbench: instrumentation, not part of the synthesized decoder.
            always @(posedge clk) begin
                if (rst || (phase == IDLE && start)) begin
                    setup_cycles <= 32'd0;
                    decode_cycles <= 32'd0;
                end else begin
                    if (phase != IDLE && phase != DECODE && phase != DONE) setup_cycles <= setup_cycles + 1;
                    if (phase == DECODE) decode_cycles <= decode_cycles + 1;
                end
            end
        `else
            always @* begin
                setup_cycles = 32'd0;
                decode_cycles = 32'd0;
            end
        `endif
        endmodule

        """)
}
