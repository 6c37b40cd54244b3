extension RTLModule {
    /// The lanes' dequantizers (`sb_dequantizer`): ŵ = (symbol − K)·Δ; the model's
    /// ``AreaBreakdown/dequantizers``. Built with `DQ = 1` they also reconstruct dependent
    /// (trellis-coded) quantization, ``DQStateMachine``: per weight the state selects Q0
    /// (`2k·Δ`) or Q1 (`(2k − sgn k)·Δ`) and the level's parity the next state. Symbol `i` sits
    /// in lane `i mod P` of group `⌊i/P⌋`, so one group's states form a chain through its active
    /// lanes (P look-ups of a 3-bit state and a parity bit — the model's per-lane next-state
    /// look-up) and one register carries the state from group to group; `restart` (the layer's
    /// start) returns it to state 0. `dq_mode` is a layer register: 0 plain, 1 VVC's 4-state
    /// machine, 2 NNC's 8-state machine. The product is one bit wider with `DQ = 1` (multiples
    /// reach ±2K).
    ///
    /// ```swift
    /// RTLModule.dequantizer.name   // "sb_dequantizer"
    /// ```
    static let dequantizer = RTLModule(name: "sb_dequantizer", block: .dequantizer, source: """
        // Dequantizers of P lanes: ŵ = (symbol − K)·Δ, Δ an unsigned 16-bit code (Q0.16), the product
        // a signed SB+17-bit fixed-point weight. With DQ = 1, dependent quantization: ŵ = m·Δ with
        // m = 2k − q·sgn(k), q the quantizer the state selects, the state chained through the
        // group's active lanes in symbol order and kept from group to group (SB+18-bit products).
        module sb_dequantizer #(parameter P = 1, parameter SB = 4, parameter DQ = 0) (
            input  wire                    clk,
            input  wire                    restart,    // layer start: the state machine returns to 0
            input  wire                    advance,    // a group is output: keep its last state
            input  wire [P-1:0]            active,
            input  wire [1:0]              dq_mode,    // 0 plain, 1 four-state (VVC), 2 eight-state (NNC)
            input  wire [P*SB-1:0]         symbol,
            input  wire [SB-1:0]           half,       // K = (N − 1) / 2
            input  wire [15:0]             step,
            output reg  [P*(SB+17+DQ)-1:0] weight
        );
            integer j;
            reg signed [SB:0]       level;
            reg signed [SB+1:0]     multiple, twice, adjust;
            reg signed [SB+16+DQ:0] product;
            reg [2:0] state, chain;
            reg q;
            // next[2·state + parity] of ../EntropyCoding/Container/DQStateMachine.swift.
            function [2:0] next_state(input [1:0] mode, input [2:0] s, input parity);
                case ({mode[1], s, parity})
                    5'b1_000_0: next_state = 3'd0; 5'b1_000_1: next_state = 3'd2;
                    5'b1_001_0: next_state = 3'd7; 5'b1_001_1: next_state = 3'd5;
                    5'b1_010_0: next_state = 3'd1; 5'b1_010_1: next_state = 3'd3;
                    5'b1_011_0: next_state = 3'd6; 5'b1_011_1: next_state = 3'd4;
                    5'b1_100_0: next_state = 3'd2; 5'b1_100_1: next_state = 3'd0;
                    5'b1_101_0: next_state = 3'd5; 5'b1_101_1: next_state = 3'd7;
                    5'b1_110_0: next_state = 3'd3; 5'b1_110_1: next_state = 3'd1;
                    5'b1_111_0: next_state = 3'd4; 5'b1_111_1: next_state = 3'd6;
                    5'b0_000_0: next_state = 3'd0; 5'b0_000_1: next_state = 3'd2;
                    5'b0_001_0: next_state = 3'd2; 5'b0_001_1: next_state = 3'd0;
                    5'b0_010_0: next_state = 3'd1; 5'b0_010_1: next_state = 3'd3;
                    5'b0_011_0: next_state = 3'd3; 5'b0_011_1: next_state = 3'd1;
                    default:    next_state = 3'd0;
                endcase
            endfunction
            always @* begin
                chain = state;
                for (j = 0; j < P; j = j + 1) begin
                    level = $signed({1'b0, symbol[j*SB +: SB]}) - $signed({1'b0, half});
                    if (DQ != 0 && dq_mode != 2'd0) begin
                        q = dq_mode[1] ? chain[0] : chain[1];
                        twice = level;                      // sign-extended
                        twice = twice <<< 1;
                        adjust = q ? (level > 0 ? 1 : -1) : 0;
                        multiple = level == 0 ? 0 : twice - adjust;
                        if (active[j]) chain = next_state(dq_mode, chain, level[0]);
                    end else begin
                        multiple = level;
                    end
                    product = multiple * $signed({1'b0, step});
                    weight[j*(SB+17+DQ) +: SB+17+DQ] = product;
                end
            end
            always @(posedge clk) begin
                if (DQ == 0 || restart) state <= 3'd0;
                else if (advance) state <= chain;
            end
        endmodule

        """)
}
