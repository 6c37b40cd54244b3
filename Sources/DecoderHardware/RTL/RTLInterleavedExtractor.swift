import EntropyCoding

extension RTLModule {
    /// Interleaved-layout bit extraction (`sb_interleaved_extractor`): the shared buffer, the prefix
/// adder of the lanes' bit offsets and the per-lane windows; the model's ``AreaBreakdown/bitExtractors``.
    ///
    /// ```swift
    /// RTLModule.interleavedExtractor.name   // "sb_interleaved_extractor"
    /// ```
    static let interleavedExtractor = RTLModule(name: "sb_interleaved_extractor", block: .bitExtractor, source: """
        // Bit extraction for one interleaved stream: a shared buffer of BT = P·B bits; in a decoding
        // cycle lane j reads its nbBits right after the bits of lanes 0…j−1 (a prefix adder gives the
        // offsets), and the buffer drops the group's total.
        module sb_interleaved_extractor #(parameter P = 1, parameter R = 8, parameter NB = 4,
                                          parameter W = 32, parameter BT = 64, parameter FB = 7, parameter OB = 8) (
            input  wire            clk,
            input  wire            clear,
            input  wire [P*NB-1:0] nb,
            input  wire [P-1:0]    use_bits,   // lane reads bits this group (active, not its last symbol)
            input  wire            consume,    // the group decodes this cycle
            input  wire            refill,
            input  wire [W-1:0]    word,
            output reg  [P*R-1:0]  value,
            output wire [OB-1:0]   need,       // bits the group reads
            output wire [FB-1:0]   fill
        );
            reg  [BT-1:0] buffer;
            reg  [FB-1:0] level;
            reg  [OB-1:0] offset [0:P];
            integer j;
            always @* begin
                offset[0] = {OB{1'b0}};
                for (j = 0; j < P; j = j + 1)
                    offset[j+1] = offset[j] + (use_bits[j] ? nb[j*NB +: NB] : {NB{1'b0}});
            end
            genvar k;
            generate for (k = 0; k < P; k = k + 1) begin : lane
                wire [BT-1:0] aligned = buffer << offset[k];
                wire [R-1:0]  window = aligned[BT-1 -: R];
                always @* value[k*R +: R] = window >> (R - nb[k*NB +: NB]);
            end endgenerate
            assign need = offset[P];
            assign fill = level;
            wire [OB-1:0] c = consume ? offset[P] : {OB{1'b0}};
            wire [BT-1:0] kept = buffer << c;
            wire [FB-1:0] left = level - c;
            wire [BT-1:0] placed = {word, {(BT-W){1'b0}}} >> left;
            always @(posedge clk) begin
                if (clear) begin
                    buffer <= {BT{1'b0}};
                    level <= {FB{1'b0}};
                end else begin
                    buffer <= refill ? (kept | placed) : kept;
                    level <= refill ? left + W : left;
                end
            end
        endmodule

        """)
}
