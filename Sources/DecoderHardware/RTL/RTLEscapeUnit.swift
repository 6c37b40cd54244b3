extension RTLModule {
    /// The shared escape unit (`sb_escape_unit`): escape state, its bit buffer and the P-deep FIFO;
/// the model spreads it over state registers, extractors and control.
    ///
    /// ```swift
    /// RTLModule.escapeUnit.name   // "sb_escape_unit"
    /// ```
    static let escapeUnit = RTLModule(name: "sb_escape_unit", block: .escapeUnit, source: """
        // The shared escape unit: one more lane (state register, own table port, split-style bit
        // buffer on its own stream) decoding the escaped values, one per cycle, into a P-deep FIFO the
        // lanes take from in lane order. Per decoding cycle: the lanes pop first; then, if values are
        // left, the FIFO has room and the buffer holds the bits, the unit pushes D_e[x].symbol and
        // steps its state (the last value reads no bits).
        module sb_escape_unit #(parameter P = 1, parameter R = 8, parameter NB = 4, parameter SB = 4,
                                parameter W = 32, parameter B = 64, parameter FB = 7, parameter PB = 1,
                                parameter HB = 1) (
            input  wire             clk,
            input  wire             clear,
            input  wire             load,
            input  wire [R-1:0]     init,
            input  wire [31:0]      count,
            input  wire             run,
            input  wire [PB-1:0]    pops,
            input  wire [SB+NB+R-1:0] entry,     // D_e[x] from the escape table
            input  wire             refill,
            input  wire [W-1:0]     word,
            output reg  [R-1:0]     x_next,      // to the escape table's read port
            output reg  [PB-1:0]    queued,
            output reg  [P*SB-1:0]  head_values, // FIFO entries from the head, in order
            output wire [FB-1:0]    fill
        );
            reg  [R-1:0]  x;
            reg  [31:0]   left;
            reg  [SB-1:0] fifo [0:P-1];
            reg  [HB-1:0] head;
            wire [SB-1:0] e_symbol = entry[SB+NB+R-1 -: SB];
            wire [NB-1:0] e_nb = entry[NB+R-1 -: NB];
            wire [R-1:0]  e_base = entry[R-1:0];
            wire [R-1:0]  value;
            reg  [HB:0]   head_sum;
            reg  [HB-1:0] head_after;
            reg  [PB-1:0] queued_after;
            reg  [HB:0]   tail_sum;
            reg  [HB-1:0] tail;
            reg           push;
            reg  [NB-1:0] need;
            integer i;
            reg [HB:0] slot;
            always @* begin
                head_sum = head + (run ? pops : {PB{1'b0}});
                head_after = head_sum >= P ? head_sum - P : head_sum;
                queued_after = queued - (run ? pops : {PB{1'b0}});
                tail_sum = head_after + queued_after;
                tail = tail_sum >= P ? tail_sum - P : tail_sum;
                need = left == 1 ? {NB{1'b0}} : e_nb;
                push = run && left != 0 && queued_after < P && need <= fill;
                if (load) x_next = init;
                else if (push && left != 1) x_next = e_base + value;
                else x_next = x;
                for (i = 0; i < P; i = i + 1) begin
                    slot = head + i;
                    if (slot >= P) slot = slot - P;
                    head_values[i*SB +: SB] = fifo[slot];
                end
            end
            sb_bit_extractor #(.LANES(1), .R(R), .NB(NB), .W(W), .B(B), .FB(FB), .SEL(1)) buffer (
                .clk(clk), .clear(clear), .nb(need), .consume(push), .refill(refill), .refill_lane(1'b0),
                .word(word), .value(value), .fill(fill));
            always @(posedge clk) begin
                x <= x_next;
                if (clear) begin
                    head <= {HB{1'b0}};
                    queued <= {PB{1'b0}};
                    left <= 32'd0;
                end else begin
                    if (load) left <= count;
                    head <= head_after;
                    queued <= queued_after + push;
                    if (push) begin
                        fifo[tail] <= e_symbol;
                        left <= left - 1'b1;
                    end
                end
            end
        endmodule

        """)
}
