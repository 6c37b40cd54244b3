extension RTLModule {
    /// The lanes' dequantizers (`sb_dequantizer`): ŵ = (symbol − K)·Δ; the model's
/// ``AreaBreakdown/dequantizers``.
    ///
    /// ```swift
    /// RTLModule.dequantizer.name   // "sb_dequantizer"
    /// ```
    static let dequantizer = RTLModule(name: "sb_dequantizer", block: .dequantizer, source: """
        // Dequantizers of P lanes: ŵ = (symbol − K)·Δ, Δ an unsigned 16-bit code (Q0.16), the product
        // a signed SB+17-bit fixed-point weight.
        module sb_dequantizer #(parameter P = 1, parameter SB = 4) (
            input  wire [P*SB-1:0]      symbol,
            input  wire [SB-1:0]        half,       // K = (N − 1) / 2
            input  wire [15:0]          step,
            output reg  [P*(SB+17)-1:0] weight
        );
            integer j;
            reg signed [SB:0]    level;
            reg signed [SB+16:0] product;
            always @* begin
                for (j = 0; j < P; j = j + 1) begin
                    level = $signed({1'b0, symbol[j*SB +: SB]}) - $signed({1'b0, half});
                    product = level * $signed({1'b0, step});
                    weight[j*(SB+17) +: SB+17] = product;
                end
            end
        endmodule

        """)
}
