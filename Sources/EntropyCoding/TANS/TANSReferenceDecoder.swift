/// A deliberately plain decoder that follows the documented decode step literally, one
/// ``BitReader`` per lane stream. It exists to pin the documentation down: tests check that it
/// agrees with the fast kernels, and a hardware model can mirror it step by step.
extension TANSEncoded {
    /// A bit reader for lane stream `index`, positioned after its pad bits and limited to its
    /// `bitCount` bits (`.interleaved`: index 0, the shared stream).
    public func laneReader(_ index: Int) -> BitReader {
        let stream = laneStreams[index]
        var reader = BitReader(bytes: payload, byteRange: stream.byteRange)
        // The pad bits are within the range by construction.
        try! reader.skip(bitCount: stream.padBits)
        return reader
    }

    /// Decodes with ``TANSDecodeTable/step(state:reader:)`` and per-lane ``BitReader``s only.
    public func referenceDecode() throws -> [UInt8] {
        guard let counts else { return [UInt8](repeating: constantSymbol ?? 0, count: symbolCount) }
        try TANSCodec.checkStructure(self)
        let table = TANSDecodeTable(counts: counts)
        var readers = (0..<laneStreams.count).map { laneReader($0) }
        var states = initialStates
        var output = [UInt8](repeating: 0, count: symbolCount)
        for i in 0..<symbolCount {
            let lane = i % lanes
            let isLast = i + lanes >= symbolCount
            if isLast {
                output[i] = table.entries[states[lane]].symbol
                guard table.isFirstState(states[lane]) else {
                    throw EntropyCodingError.corrupt("tANS lane \(lane) did not end in the first state of its last symbol")
                }
            } else {
                let r = layout == .split ? lane : 0
                let (symbol, next) = try table.step(state: states[lane], reader: &readers[r])
                output[i] = symbol
                states[lane] = next
            }
        }
        guard readers.allSatisfy({ $0.bitsRemaining == 0 }) else {
            throw EntropyCodingError.corrupt("a tANS lane stream was not consumed exactly")
        }
        if let escape {
            let escapeTable = TANSDecodeTable(counts: escape.counts)
            var reader = BitReader(bytes: escape.payload, byteRange: escape.stream.byteRange)
            try reader.skip(bitCount: escape.stream.padBits)
            var state = escape.initialState
            var seen = 0
            for i in 0..<symbolCount where output[i] == escape.symbol {
                guard seen < escape.symbolCount else { throw EntropyCodingError.corrupt("more escapes than announced") }
                let value = escapeTable.entries[state].symbol
                if seen + 1 < escape.symbolCount {
                    state = try escapeTable.step(state: state, reader: &reader).nextState
                } else if !escapeTable.isFirstState(state) {
                    throw EntropyCodingError.corrupt("the escape lane did not end in the first state of its last symbol")
                }
                output[i] = value
                seen += 1
            }
            guard seen == escape.symbolCount, reader.bitsRemaining == 0 else {
                throw EntropyCodingError.corrupt("the escape stream was not consumed exactly")
            }
        }
        return output
    }
}
