import EntropyCoding

extension RTLModule {
    /// Split-layout bit extraction (`sb_bit_extractor`): per-lane buffers, consume shifters, refill
/// aligners and fill counters; part of the model's ``AreaBreakdown/bitExtractors``.
    ///
    /// ```swift
    /// RTLModule.bitExtractor.name   // "sb_bit_extractor"
    /// ```
    static let bitExtractor = RTLModule(name: "sb_bit_extractor", block: .bitExtractor, source: """
        // Bit extraction for split streams: one B-bit buffer per lane, most significant bit first.
        // Per lane: the top nbBits bits are the value read (a right shift of an R-bit window), a consume
        // shifter drops them, and the refill aligner places a W-bit word right below the remaining
        // bits. `fill` counts buffered bits, padding of a stream's last word included.
        module sb_bit_extractor #(parameter LANES = 1, parameter R = 8, parameter NB = 4,
                                  parameter W = 32, parameter B = 64, parameter FB = 7, parameter SEL = 1) (
            input  wire               clk,
            input  wire               clear,
            input  wire [LANES*NB-1:0] nb,
            input  wire [LANES-1:0]   consume,
            input  wire               refill,
            input  wire [SEL-1:0]     refill_lane,
            input  wire [W-1:0]       word,
            output reg  [LANES*R-1:0] value,
            output wire [LANES*FB-1:0] fill
        );
            genvar j;
            generate for (j = 0; j < LANES; j = j + 1) begin : lane
                reg  [B-1:0]  buffer;
                reg  [FB-1:0] level;
                wire [NB-1:0] n = nb[j*NB +: NB];
                wire [NB-1:0] c = consume[j] ? n : {NB{1'b0}};
                wire [R-1:0]  window = buffer[B-1 -: R];
                wire [B-1:0]  kept = buffer << c;
                wire [FB-1:0] left = level - c;
                wire          mine = refill && refill_lane == j;
                wire [B-1:0]  placed = {word, {(B-W){1'b0}}} >> left;
                always @* value[j*R +: R] = window >> (R - n);
                assign fill[j*FB +: FB] = level;
                always @(posedge clk) begin
                    if (clear) begin
                        buffer <= {B{1'b0}};
                        level <= {FB{1'b0}};
                    end else begin
                        buffer <= mine ? (kept | placed) : kept;
                        level <= mine ? left + W : left;
                    end
                end
            end endgenerate
        endmodule

        """)
}
