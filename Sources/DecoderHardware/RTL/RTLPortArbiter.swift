extension RTLModule {
    /// The weight-memory port arbiter and stream address counters (`sb_port_arbiter`); part of the
/// model's ``AreaBreakdown/control``.
    ///
    /// ```swift
    /// RTLModule.portArbiter.name   // "sb_port_arbiter"
    /// ```
    static let portArbiter = RTLModule(name: "sb_port_arbiter", block: .portArbiter, source: """
        // Port arbiter and stream address counters: one W-bit weight-memory word per cycle, from a
        // synchronous memory (the word requested in cycle t is written into its buffer at the end of
        // cycle t+1). Priming: up to QUOTA words per stream (split: 1 per lane stream; interleaved:
        // P into the shared buffer; escape: 1). Decoding: the escape stream first when it has words
        // left and room, else round-robin over the main streams from the one after the last served;
        // a stream has room when fill + in-flight + W ≤ capacity.
        module sb_port_arbiter #(parameter S = 1, parameter M = 1, parameter ESC = 0, parameter W = 32,
                                 parameter AW = 24, parameter FB = 7, parameter SB2 = 1,
                                 parameter CAP_MAIN = 64, parameter CAP_ESC = 64,
                                 parameter QUOTA_MAIN = 1, parameter QB = 1) (
            input  wire           clk,
            input  wire           clear,           // load the stream descriptors
            input  wire [S*AW-1:0] base,
            input  wire [S*AW-1:0] words,
            input  wire           prime,
            input  wire           run,
            input  wire [S*FB-1:0] fill,
            output reg            req,
            output reg  [AW-1:0]  addr,
            output reg  [SB2-1:0] stream,
            output reg            arriving,        // a word requested last cycle is on the data bus
            output reg  [SB2-1:0] arriving_stream,
            output wire           prime_done
        );
            wire [S*AW-1:0] next_addr;
            wire [S-1:0]    room;
            wire [S-1:0]    want;
            reg  [SB2-1:0]  pointer;
            genvar g;
            generate for (g = 0; g < S; g = g + 1) begin : stream_state
                localparam CAP = (ESC && g == S-1) ? CAP_ESC : CAP_MAIN;
                localparam QUOTA = (ESC && g == S-1) ? 1 : QUOTA_MAIN;
                reg [AW-1:0] address;
                reg [AW-1:0] left;
                reg [QB-1:0] primed;
                wire [FB+1:0] committed = fill[g*FB +: FB] + ((arriving && arriving_stream == g) ? W : 0) + W;
                assign room[g] = left != 0 && committed <= CAP;
                assign want[g] = left != 0 && primed < QUOTA;
                assign next_addr[g*AW +: AW] = address;
                always @(posedge clk) begin
                    if (clear) begin
                        address <= base[g*AW +: AW];
                        left <= words[g*AW +: AW];
                        primed <= {QB{1'b0}};
                    end else if (req && stream == g) begin
                        address <= address + 1'b1;
                        left <= left - 1'b1;
                        if (prime) primed <= primed + 1'b1;
                    end
                end
            end endgenerate
            reg found;
            integer s, k, idx;
            always @* begin
                req = 1'b0;
                stream = {SB2{1'b0}};
                found = 1'b0;
                if (prime) begin
                    for (s = S-1; s >= 0; s = s - 1)
                        if (want[s]) begin req = 1'b1; stream = s; end
                end else if (run) begin
                    if (ESC && room[S-1]) begin
                        req = 1'b1;
                        stream = S-1;
                    end else begin
                        for (k = 0; k < M; k = k + 1) begin
                            idx = pointer + k;
                            if (idx >= M) idx = idx - M;
                            if (!found && room[idx]) begin found = 1'b1; req = 1'b1; stream = idx; end
                        end
                    end
                end
                addr = next_addr[stream*AW +: AW];
            end
            assign prime_done = prime && !req;
            always @(posedge clk) begin
                arriving <= clear ? 1'b0 : req;
                arriving_stream <= stream;
                if (clear) pointer <= {SB2{1'b0}};
                else if (req && run && !(ESC && stream == S-1)) pointer <= (stream == M-1) ? {SB2{1'b0}} : stream + 1'b1;
            end
        endmodule

        """)
}
