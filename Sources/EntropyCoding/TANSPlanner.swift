/// Chooses the tables for ``TANSCodec``: plain tANS, or tANS with an escape path for the `k`
/// least frequent symbols, whichever has the smallest estimated size (ideal code length under
/// the normalized counts, plus the exact header bits of both tables).
struct TANSPlanner {
    struct Rare {
        /// Per symbol value: routed through the escape stream.
        var isRare: [Bool]
        /// The escape symbol (the smallest rare value).
        var symbol: UInt8
    }

    var counts: NormalizedCounts
    var rare: Rare?
    var escapeCounts: NormalizedCounts?
    var estimatedBits: Double

    static func plan(histogram: [Int], tableLog: Int, policy: TANSEscapePolicy) throws -> TANSPlanner {
        let size = 1 << tableLog
        let present = histogram.indices.filter { histogram[$0] > 0 }
        let total = histogram.reduce(0, +)
        var best: TANSPlanner?
        if present.count <= size {
            let counts = try NormalizedCounts(histogram: histogram, tableLog: tableLog)
            let bits = counts.cost(of: histogram) + Double(NormalizedCountsCoding.bitCount(counts))
            best = TANSPlanner(counts: counts, rare: nil, escapeCounts: nil, estimatedBits: bits)
        }
        guard policy == .automatic || best == nil else { return best! }
        guard present.count >= 3 else {
            guard let best else { throw EntropyCodingError.invalidParameter("alphabet does not fit the table") }
            return best
        }
        if policy == .never {
            throw EntropyCodingError.invalidParameter(
                "\(present.count) present symbols do not fit a table of \(size) slots; raise the table log or allow the escape path")
        }
        // Candidate rare sets: the k least frequent symbols, for k from the smallest that makes
        // the main table fit up to the number of symbols whose ideal share is under 2 slots.
        let ascending = present.sorted { (histogram[$0], $0) < (histogram[$1], $1) }
        let kMin = max(2, present.count - size + 1)
        var kMax = ascending.filter { Double(histogram[$0]) * Double(size) < 2.0 * Double(total) }.count
        kMax = min(present.count - 1, max(kMin, kMax))
        guard kMin <= kMax else {
            guard let best else { throw EntropyCodingError.invalidParameter("alphabet does not fit the table") }
            return best
        }
        var isRare = [Bool](repeating: false, count: 256)
        for k in 1...kMax {
            isRare[ascending[k - 1]] = true
            guard k >= kMin else { continue }
            let rareSymbols = ascending[0..<k]
            let escapeSymbol = rareSymbols.min()!
            var main = histogram
            var escapeHistogram = [Int](repeating: 0, count: histogram.count)
            var escaped = 0
            for s in rareSymbols {
                escapeHistogram[s] = histogram[s]
                escaped += histogram[s]
                main[s] = 0
            }
            main[escapeSymbol] = escaped
            let mainCounts = try NormalizedCounts(histogram: main, tableLog: tableLog)
            let neededLog = Int.bitWidth - (k - 1).leadingZeroBitCount
            let escapeLog = min(TANSCodec.tableLogs.upperBound, max(TANSCodec.tableLogs.lowerBound, max(tableLog, neededLog + 2)))
            let escapeCounts = try NormalizedCounts(histogram: escapeHistogram, tableLog: escapeLog)
            let bits = mainCounts.cost(of: main) + Double(NormalizedCountsCoding.bitCount(mainCounts))
                + escapeCounts.cost(of: escapeHistogram) + Double(NormalizedCountsCoding.bitCount(escapeCounts))
                + Double(8 + escapeLog + 2 * 30 + 4)
            if best == nil || bits < best!.estimatedBits {
                best = TANSPlanner(counts: mainCounts, rare: Rare(isRare: isRare, symbol: UInt8(escapeSymbol)),
                                   escapeCounts: escapeCounts, estimatedBits: bits)
            }
        }
        return best!
    }
}
