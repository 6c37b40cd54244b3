extension RTLModule {
    /// The decode-table memory wrapper (`sb_table_ram`): the SRAM macro of a replicated table (costed
/// separately, a black box in synthesis) or, with P read ports, the flip-flop table of a shared one.
    ///
    /// ```swift
    /// RTLModule.tableMemory.name   // "sb_table_ram"
    /// ```
    static let tableMemory = RTLModule(name: "sb_table_ram", block: nil, source: """
        // Decode-table memory: 2^AB entries of DW bits, one write port (the table builder) and PORTS
        // synchronous read ports with a read latency of one cycle (address registered at the clock
        // edge, data valid in the next cycle; read-before-write on the same address).
        // Replicated tables instantiate it once per lane (PORTS = 1) and synthesis costs it as an SRAM
        // macro (black box); a shared table is one instance with PORTS = P, synthesized as flip-flops
        // and read multiplexers.
        module sb_table_ram #(parameter AB = 8, parameter DW = 20, parameter PORTS = 1) (
            input  wire                clk,
            input  wire                we,
            input  wire [AB-1:0]       waddr,
            input  wire [DW-1:0]       wdata,
            input  wire [PORTS*AB-1:0] raddr,
            output reg  [PORTS*DW-1:0] rdata
        );
            reg [DW-1:0] mem [0:(1<<AB)-1];
            integer i;
            always @(posedge clk) begin
                for (i = 0; i < PORTS; i = i + 1)
                    rdata[i*DW +: DW] <= mem[raddr[i*AB +: AB]];
                if (we) mem[waddr] <= wdata;
            end
        endmodule

        """)
}
