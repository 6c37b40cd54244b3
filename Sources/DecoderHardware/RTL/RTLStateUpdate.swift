extension RTLModule {
    /// The lanes' state registers and next-state adders (`sb_state_update`); the model's
/// ``AreaBreakdown/stateRegisters``.
    ///
    /// ```swift
    /// RTLModule.stateUpdate.name   // "sb_state_update"
    /// ```
    static let stateUpdate = RTLModule(name: "sb_state_update", block: .stateUpdate, source: """
        // State update of P lanes: x' = newStateBase + bits. The next state drives the table's read
        // address, so the synchronous table delivers D[x] in the cycle x is the state (the one-cycle
        // read latency is hidden in the state loop: SRAM access + extract + add close one cycle).
        module sb_state_update #(parameter P = 1, parameter R = 8) (
            input  wire         clk,
            input  wire         load,       // load the initial states
            input  wire [P*R-1:0] init,
            input  wire         step,       // the group decodes this cycle
            input  wire [P-1:0] hold,       // lane does not read bits (inactive, or its last symbol)
            input  wire [P*R-1:0] base,     // D[x].newStateBase per lane
            input  wire [P*R-1:0] bits,     // readBits(D[x].nbBits) per lane
            output reg  [P*R-1:0] x_next,   // to the table read ports
            output reg  [P*R-1:0] x
        );
            integer j;
            always @* begin
                for (j = 0; j < P; j = j + 1) begin
                    if (load)
                        x_next[j*R +: R] = init[j*R +: R];
                    else if (step && !hold[j])
                        x_next[j*R +: R] = base[j*R +: R] + bits[j*R +: R];
                    else
                        x_next[j*R +: R] = x[j*R +: R];
                end
            end
            always @(posedge clk) x <= x_next;
        endmodule

        """)
}
