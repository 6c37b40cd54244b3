/// Symbol spreading for tANS (FSE's): symbol `s` occupies `f_s` slots of the `L`-slot table,
/// visited with the odd step `L/2 + L/8 + 3`, which is coprime to `L = 2^R` so the walk visits
/// every slot once. Symbols are placed in increasing order, `f_s` consecutive visits each.
public enum TANSSpread {
    /// The step between consecutive slots of the spread walk.
    @inlinable public static func step(tableSize: Int) -> Int { (tableSize >> 1) + (tableSize >> 3) + 3 }

    /// `spread[u]` = symbol decoded in state `u` (0 ≤ u < L).
    public static func symbols(_ counts: NormalizedCounts) -> [UInt8] {
        let size = counts.tableSize
        let mask = size - 1
        let step = Self.step(tableSize: size)
        var table = [UInt8](repeating: 0, count: size)
        var position = 0
        for (symbol, f) in counts.counts.enumerated() where f > 0 {
            for _ in 0..<f {
                table[position] = UInt8(truncatingIfNeeded: symbol)
                position = (position + step) & mask
            }
        }
        return table
    }
}

/// The tANS decoding table: one ``Entry`` per decoder state `x ∈ [0, L)`.
///
/// ## The single decode step (what a hardware lane does per cycle)
/// ```
/// e = entries[x]
/// output e.symbol
/// x = Int(e.newStateBase) + readBits(Int(e.nbBits))   // skipped for the lane's last symbol
/// ```
/// `readBits(n)` takes the next `n` bits of the lane's bit stream, most significant first
/// (see ``TANSEncoded`` for the stream layout); `readBits(0) = 0`. By construction
/// `newStateBase + 2^nbBits ≤ L`, so the state stays in `[0, L)` whatever the bits are.
///
/// Construction (FSE): with `spread = TANSSpread.symbols(counts)`, visit states `u = 0…L−1`;
/// for `s = spread[u]` let `next = f_s + (number of earlier states holding s)` (so `next` runs
/// through `f_s … 2f_s−1`), `nbBits = R − ⌊log₂ next⌋`, `newStateBase = next·2^nbBits − L`.
///
/// ```swift
/// let counts = try NormalizedCounts(histogram: [90, 10], tableLog: 5)
/// let table = TANSDecodeTable(counts: counts)
/// table.entries[0]   // (symbol, nbBits, newStateBase) of state 0
/// ```
public struct TANSDecodeTable: Sendable, Equatable {
    /// One decoder state.
    public struct Entry: Sendable, Equatable, Hashable {
        /// Symbol output in this state.
        public var symbol: UInt8
        /// Bits to read for the next state (0…R).
        public var nbBits: UInt8
        /// Next state = `newStateBase + readBits(nbBits)`.
        public var newStateBase: UInt16

        public init(symbol: UInt8, nbBits: UInt8, newStateBase: UInt16) {
            self.symbol = symbol
            self.nbBits = nbBits
            self.newStateBase = newStateBase
        }
    }

    public let tableLog: Int
    public let entries: [Entry]
    /// The same entries packed for the software kernels, 4 bytes each (a 4096-entry table is
    /// 16 KiB and stays in L1 next to the streams): bits 0–7 `63 − nbBits` (the shift count
    /// of the branchless peek), 8–15 `symbol`, 16–31 `newStateBase`.
    @usableFromInline let packed: [UInt32]
    /// Per symbol value (256 entries), the smallest state holding it: where every encoder starts
    /// a lane, so where every lane's decoding must end.
    let firstStates: [UInt16]

    public var tableSize: Int { 1 << tableLog }

    public init(counts: NormalizedCounts) {
        let size = counts.tableSize
        let spread = TANSSpread.symbols(counts)
        var next = counts.counts
        var entries = [Entry]()
        entries.reserveCapacity(size)
        var packed = [UInt32]()
        packed.reserveCapacity(size)
        for u in 0..<size {
            let s = Int(spread[u])
            let state = next[s]
            next[s] += 1
            let nb = counts.tableLog - (Int.bitWidth - 1 - state.leadingZeroBitCount)
            let base = (state << nb) - size
            entries.append(Entry(symbol: UInt8(s), nbBits: UInt8(nb), newStateBase: UInt16(base)))
            packed.append(UInt32(63 - nb) | UInt32(s) << 8 | UInt32(base) << 16)
        }
        var firstStates = [UInt16](repeating: 0, count: 256)
        for u in stride(from: size - 1, through: 0, by: -1) { firstStates[Int(entries[u].symbol)] = UInt16(u) }
        self.tableLog = counts.tableLog
        self.entries = entries
        self.packed = packed
        self.firstStates = firstStates
    }

    /// Whether `state` is the smallest state of its own symbol — where a correct lane ends.
    public func isFirstState(_ state: Int) -> Bool { Int(firstStates[Int(entries[state].symbol)]) == state }

    /// One documented decode step on a ``BitReader``: returns the symbol of `state` and the next
    /// state (reading `nbBits`). Used by reference decoders and simulators; the production kernel
    /// is the same arithmetic on a 64-bit bit container.
    public func step(state: Int, reader: inout BitReader) throws -> (symbol: UInt8, nextState: Int) {
        let e = entries[state]
        let bits = try reader.read(bitCount: Int(e.nbBits), "tANS state bits")
        return (e.symbol, Int(e.newStateBase) + Int(bits))
    }
}

/// The tANS encoding tables (FSE's `CTable`), internal to ``TANSCodec``.
///
/// Encoder states are `X ∈ [L, 2L)` (decoder state `x = X − L`). Encoding symbol `s`:
/// `nb = (X + deltaNbBits_s) >> 16`, emit the low `nb` bits of `X`,
/// `X = stateTable[(X >> nb) + deltaFindState_s]`.
struct TANSEncodeTable {
    let tableLog: Int
    /// `L + u` for the states `u` of each symbol, grouped by symbol in increasing `u`.
    let stateTable: [UInt16]
    /// Per symbol value (256 entries): low 32 bits `deltaNbBits`, high 32 bits `deltaFindState`
    /// (as a two's-complement Int32).
    var symbolTransform: [UInt64]
    /// Per symbol value: the smallest decoder state holding it (used to start a lane so that the
    /// lane's last symbol costs no bits).
    var firstState: [UInt16]

    init(counts: NormalizedCounts) {
        let size = counts.tableSize
        let spread = TANSSpread.symbols(counts)
        var cumulative = [Int](repeating: 0, count: 257)
        for s in 0..<counts.alphabetSize { cumulative[s + 1] = cumulative[s] + counts.counts[s] }
        var position = cumulative
        var stateTable = [UInt16](repeating: 0, count: size)
        var firstState = [UInt16](repeating: 0, count: 256)
        var seen = [Bool](repeating: false, count: 256)
        for u in 0..<size {
            let s = Int(spread[u])
            stateTable[position[s]] = UInt16(size + u)
            position[s] += 1
            if !seen[s] { seen[s] = true; firstState[s] = UInt16(u) }
        }
        var transform = [UInt64](repeating: 0, count: 256)
        let R = counts.tableLog
        for s in 0..<counts.alphabetSize {
            let f = counts.counts[s]
            guard f > 0 else { continue }
            let maxBitsOut = R - (f == 1 ? 0 : (Int.bitWidth - 1 - (f - 1).leadingZeroBitCount))
            let minStatePlus = f << maxBitsOut
            let deltaNbBits = UInt32(truncatingIfNeeded: (maxBitsOut << 16) - minStatePlus)
            let deltaFindState = Int32(cumulative[s] - f)
            transform[s] = UInt64(deltaNbBits) | UInt64(UInt32(bitPattern: deltaFindState)) << 32
        }
        self.tableLog = R
        self.stateTable = stateTable
        self.symbolTransform = transform
        self.firstState = firstState
    }

    /// Makes every symbol flagged in `aliases` encode as `target` (the escape symbol).
    mutating func alias(_ aliases: [Bool], to target: Int) {
        for s in 0..<256 where aliases[s] {
            symbolTransform[s] = symbolTransform[target]
            firstState[s] = firstState[target]
        }
    }
}
