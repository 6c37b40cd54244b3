extension RTLModule {
    /// The table builder (`sb_table_builder`): count register file / next-state counters, spread and
/// fill passes; part of the model's ``AreaBreakdown/control``.
    ///
    /// ```swift
    /// RTLModule.tableBuilder.name   // "sb_table_builder"
    /// ```
    static let tableBuilder = RTLModule(name: "sb_table_builder", block: .tableBuilder, source: """
        // Table builder (FSE): the normalized counts arrive as W-bit words into a shift register of
        // N fields of R+1 bits (field s = f_s, least significant first), which then serves as the N
        // next-state counters. Spread pass (L cycles): symbol s is written to f_s slots along the walk
        // pos += L/2 + L/8 + 3 (mod L), symbols with f_s = 0 skipped for free. Fill pass (L + 1 cycles,
        // the table's read latency): state u's symbol is read back, next = counter[s]++,
        // nbBits = R_l − ⌊log₂ next⌋, newStateBase = next·2^nbBits − L.
        module sb_table_builder #(parameter N = 16, parameter R = 8, parameter NB = 4, parameter SB = 4,
                                  parameter W = 32, parameter KC = 5) (
            input  wire              clk,
            input  wire              clear,
            input  wire              shift,
            input  wire [W-1:0]      word,
            input  wire              start,
            input  wire [3:0]        table_log,
            input  wire [SB-1:0]     read_symbol,
            output reg               we,
            output reg  [R-1:0]      waddr,
            output reg  [SB+NB+R-1:0] wdata,
            output wire [R-1:0]      raddr,
            output wire              filling,
            output wire              done
        );
            localparam F = R + 1;
            localparam CW = KC * W;
            reg  [CW-1:0] counts;
            reg  [1:0]    phase;             // 0 idle, 1 spread, 2 fill
            reg  [SB-1:0] symbol;
            reg  [F-1:0]  remaining;
            reg  [R-1:0]  position;
            reg  [R:0]    u;
            wire [R:0]    size = {{R{1'b0}}, 1'b1} << table_log;
            wire [R-1:0]  mask = size[R-1:0] - 1'b1;
            wire [R-1:0]  walk = (size >> 1) + (size >> 3) + 3;
            // First symbol with a non-zero count above `symbol` (or from 0 at start).
            reg  [SB-1:0] next_symbol;
            reg           next_found;
            reg  [SB-1:0] first_symbol;
            integer i;
            always @* begin
                next_found = 1'b0;
                next_symbol = {SB{1'b0}};
                first_symbol = {SB{1'b0}};
                for (i = N-1; i >= 0; i = i - 1) begin
                    if (counts[i*F +: F] != 0) begin
                        first_symbol = i;
                        if (i > symbol) begin next_found = 1'b1; next_symbol = i; end
                    end
                end
            end
            // Fill pass arithmetic on the symbol read back.
            wire [F-1:0] next_state = counts[read_symbol*F +: F];
            reg  [NB-1:0] top;
            always @* begin
                top = {NB{1'b0}};
                for (i = 0; i < F; i = i + 1) if (next_state[i]) top = i;
            end
            wire [NB-1:0]  nb_bits = table_log - top;
            wire [2*R:0]   scaled = {{R{1'b0}}, next_state} << nb_bits;
            wire [R-1:0]   new_base = scaled[R-1:0] - size[R-1:0];
            assign raddr = u[R-1:0];
            assign filling = phase == 2'd2;
            always @* begin
                we = 1'b0;
                waddr = position;
                wdata = {symbol, {NB{1'b0}}, {R{1'b0}}};
                if (phase == 2'd1) begin
                    we = 1'b1;
                end else if (phase == 2'd2 && u != 0) begin
                    we = 1'b1;
                    waddr = u[R-1:0] - 1'b1;
                    wdata = {read_symbol, nb_bits, new_base};
                end
            end
            assign done = phase == 2'd2 && u == size;
            always @(posedge clk) begin
                if (clear) begin
                    counts <= {CW{1'b0}};
                    phase <= 2'd0;
                end else if (shift) begin
                    counts <= (counts << W) | word;
                end else if (start) begin
                    phase <= 2'd1;
                    symbol <= first_symbol;
                    remaining <= counts[first_symbol*F +: F];
                    position <= {R{1'b0}};
                end else if (phase == 2'd1) begin
                    position <= (position + walk) & mask;
                    if (remaining == 1) begin
                        if (next_found) begin
                            symbol <= next_symbol;
                            remaining <= counts[next_symbol*F +: F];
                        end else begin
                            phase <= 2'd2;
                            u <= 0;
                        end
                    end else begin
                        remaining <= remaining - 1'b1;
                    end
                end else if (phase == 2'd2) begin
                    if (u != 0) counts[read_symbol*F +: F] <= next_state + 1'b1;
                    if (u == size) phase <= 2'd0;
                    u <= u + 1'b1;
                end
            end
        endmodule

        """)
}
