import EntropyCoding

extension HardwareDecodeTable {
    /// The hardware copy of a codec decode table (same entries, one array per field).
    public init(_ table: TANSDecodeTable) {
        self.init(tableLog: table.tableLog,
                  symbol: table.entries.map { UInt16($0.symbol) },
                  nbBits: table.entries.map(\.nbBits),
                  newStateBase: table.entries.map { UInt32($0.newStateBase) })
    }
}

extension SimulatedLayer {
    /// The hardware view of a codec layer: its decode tables, initial states and streams.
    /// `usedSymbols` is the number of distinct symbols of the layer (escaped ones included).
    public init(name: String, encoded: TANSEncoded, usedSymbols: Int) {
        func extent(_ stream: TANSLaneStream) -> StreamExtent {
            StreamExtent(startBit: stream.byteOffset * 8 + stream.padBits, bitCount: stream.bitCount)
        }
        let escape = encoded.escape.map { e in
            SimulatedEscape(symbol: UInt16(e.symbol), symbolCount: e.symbolCount,
                            table: HardwareDecodeTable(TANSDecodeTable(counts: e.counts)),
                            initialState: UInt32(e.initialState),
                            payload: SimulatedLayer.pack(bytes: e.payload), stream: extent(e.stream))
        }
        self.init(name: name, alphabetSize: encoded.alphabetSize, usedSymbols: usedSymbols,
                  symbolCount: encoded.symbolCount,
                  table: encoded.decodeTable.map(HardwareDecodeTable.init),
                  constantSymbol: UInt16(encoded.constantSymbol ?? 0),
                  initialStates: encoded.initialStates.map { UInt32($0) },
                  lanes: encoded.lanes, layout: encoded.layout,
                  payload: SimulatedLayer.pack(bytes: encoded.payload),
                  streams: encoded.laneStreams.map(extent), escape: escape)
    }
}

extension SimulatedLayer {
    /// The hardware view of a fixed-width layer for a `lanes`-lane decoder: a bypass layer
    /// (``LayerProfile/bypassBits``) — the first min(n, P) symbols are the lanes' initial
    /// states, the rest one shared stream of b-bit values read in lane order, decoded through the
    /// identity table on b bits.
    public init(name: String, fixedWidth encoded: FixedWidthEncoded, lanes: Int, usedSymbols: Int) {
        let b = FixedWidthCodec.bitsPerSymbol(alphabetSize: encoded.alphabetSize)
        let n = encoded.symbolCount
        let head = min(n, lanes)
        let payload = SimulatedLayer.pack(bytes: encoded.payload)
        let states = payload.withUnsafeBufferPointer { words in
            (0..<head).map { UInt32(CycleSimulator.readBits(words.baseAddress!, $0 * b, b)) }
        }
        let identity = HardwareDecodeTable(tableLog: b, symbol: (0..<(1 << b)).map { UInt16($0) },
                                           nbBits: [UInt8](repeating: UInt8(b), count: 1 << b),
                                           newStateBase: [UInt32](repeating: 0, count: 1 << b))
        self.init(name: name, alphabetSize: encoded.alphabetSize, usedSymbols: usedSymbols, symbolCount: n,
                  table: identity, constantSymbol: 0, initialStates: states, lanes: lanes, layout: .interleaved,
                  payload: payload, streams: [StreamExtent(startBit: head * b, bitCount: (n - head) * b)], escape: nil)
        bypassBits = b
    }
}

extension LayerProfile {
    /// The analytic model's view of a stored layer for a `lanes`-lane decoder: tANS
    /// (``init(name:encoded:usedSymbols:)``) or fixed-width (a bypass layer,
    /// ``bypassBits``); nil for Huffman and rANS layers, which the decoder does not read.
    public init?(name: String, coded: CodedSymbols, usedSymbols: Int, lanes: Int) {
        switch coded {
        case .tans(let encoded):
            self.init(name: name, encoded: encoded, usedSymbols: usedSymbols)
        case .fixedWidth(let encoded):
            let b = FixedWidthCodec.bitsPerSymbol(alphabetSize: encoded.alphabetSize)
            let n = encoded.symbolCount
            guard b > 0 else {   // one bin: a constant layer
                self.init(name: name, symbolCount: n, alphabetSize: encoded.alphabetSize, usedSymbols: usedSymbols,
                          tableLog: 0, laneBits: [])
                return
            }
            self.init(name: name, symbolCount: n, alphabetSize: encoded.alphabetSize, usedSymbols: usedSymbols,
                      tableLog: 0, laneBits: [(n - min(n, lanes)) * b])
            bypassBits = b
        case .huffman, .rans:
            return nil
        }
    }

    /// The analytic model's view of a codec layer (counts only; no payload is touched).
    public init(name: String, encoded: TANSEncoded, usedSymbols: Int) {
        // A constant layer (no table) carries no streams and fits any lane count.
        var laneBits = [Int](repeating: 0, count: encoded.counts == nil ? 0 : encoded.lanes)
        for (j, stream) in encoded.laneStreams.enumerated() where j < laneBits.count {
            laneBits[j] = stream.bitCount
        }
        let constant = encoded.counts == nil
        self.init(name: name, symbolCount: encoded.symbolCount, alphabetSize: encoded.alphabetSize,
                  usedSymbols: usedSymbols, tableLog: constant ? 0 : encoded.tableLog, laneBits: laneBits,
                  escapeSymbols: encoded.escape?.symbolCount ?? 0,
                  escapeBits: encoded.escape?.stream.bitCount ?? 0,
                  escapeTableLog: encoded.escape?.counts.tableLog ?? 0)
    }
}
