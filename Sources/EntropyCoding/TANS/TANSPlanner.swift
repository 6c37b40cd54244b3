/// Chooses the tables for ``TANSCodec``: plain tANS, or tANS with an escape path for the `k`
/// least frequent symbols, whichever has the smallest estimated size (ideal code length under
/// the normalized counts, plus the exact header bits of both tables).
///
/// Tables respect the table log R whenever the symbols allow: the escape table's log (R, or
/// more for a large rare set) is kept at most R, because a decoder built for R holds `2^R`
/// entries per table. Candidates whose escape table would need more are skipped; when nothing
/// else fits, a rare set of up to `2^R` symbols gets an escape table of exactly R. Only more than
/// `2^(R+1) − 1` present symbols — which no pair of `2^R` tables can hold — give an escape table
/// larger than R (the sweep's spec check refuses such a table log for its bins before training).
struct TANSPlanner {
    /// Bits charged per escaped symbol when comparing plans (see ``escapePlan``).
    static let escapeCharge = 0.01

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
        // Shared by every normalization below (counts ≤ 2^R, or computed directly beyond).
        let logCache = NormalizationLogCache(capacity: size + 1)
        let present = histogram.indices.filter { histogram[$0] > 0 }
        var best: TANSPlanner?
        if present.count <= size {
            let counts = try NormalizedCounts(histogram: histogram, tableLog: tableLog, logCache: logCache)
            let bits = counts.cost(of: histogram, logCache: logCache) + Double(NormalizedCountsCoding.bitCount(counts))
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
        // Candidate rare sets: the k least frequent symbols, for every k from the smallest that
        // makes the main table fit up to all but the most frequent symbol. (Escaping even fairly
        // frequent symbols can pay: at P(zero) = 0.98 a binary main table {zero, escape} with
        // the other levels in the escape table loses less to normalization than any other split.)
        let ascending = present.sorted { (histogram[$0], $0) < (histogram[$1], $1) }
        let kMin = max(2, present.count - size + 1)
        let kMax = present.count - 1
        guard kMin <= kMax else {
            guard let best else { throw EntropyCodingError.invalidParameter("alphabet does not fit the table") }
            return best
        }
        // Large alphabets: a coarse pass over k (every k up to kMin + 16, then steps growing by
        // ~8%), then every k between the best coarse candidate's neighbours.
        var coarse: [Int] = []
        var k = kMin
        while k <= kMax {
            coarse.append(k)
            k += k < kMin + 16 ? 1 : max(1, k / 12)
        }
        if coarse.last != kMax { coarse.append(kMax) }
        var bestK: Int?
        func consider(_ k: Int, withinTableLog: Bool) throws {
            guard !withinTableLog || escapeLog(k: k, tableLog: tableLog) <= tableLog else { return }
            let plan = try escapePlan(histogram: histogram, ascending: ascending, k: k, tableLog: tableLog,
                                      logCache: logCache)
            if best == nil || plan.estimatedBits < best!.estimatedBits {
                best = plan
                bestK = k
            }
        }
        func search(withinTableLog: Bool) throws {
            for k in coarse { try consider(k, withinTableLog: withinTableLog) }
            if let found = bestK, let index = coarse.firstIndex(of: found) {
                let low = index > 0 ? coarse[index - 1] + 1 : found
                let high = index + 1 < coarse.count ? coarse[index + 1] - 1 : found
                for k in low...high where k != found && !coarse.contains(k) { try consider(k, withinTableLog: withinTableLog) }
            }
        }
        try search(withinTableLog: true)
        if best == nil && kMin <= size {
            // Every rare set large enough needs a bigger escape table than R: the smallest one
            // gets a table of exactly R (its symbols fit 2^R slots).
            best = try escapePlan(histogram: histogram, ascending: ascending, k: kMin, tableLog: tableLog, escapeLog: tableLog,
                                  logCache: logCache)
        }
        if best == nil {
            // More than 2^(R+1) − 1 present symbols: no two tables of 2^R hold them. The escape
            // table grows beyond R (up to 15); a decoder must then be built for its log, and
            // `subbit decoder` / the sweep's spec check say so.
            try search(withinTableLog: false)
        }
        return best!
    }

    /// The escape table log of a rare set of `k` symbols: R, or `⌈log₂ k⌉ + 2` if larger (capped
    /// at 15) — a candidate is considered only when this is at most R.
    static func escapeLog(k: Int, tableLog: Int) -> Int {
        let neededLog = Int.bitWidth - (k - 1).leadingZeroBitCount
        return min(TANSCodec.tableLogs.upperBound, max(TANSCodec.tableLogs.lowerBound, max(tableLog, neededLog + 2)))
    }

    /// The plan that escapes the `k` least frequent symbols (`ascending[0..<k]`).
    static func escapePlan(histogram: [Int], ascending: [Int], k: Int, tableLog: Int,
                           escapeLog forcedLog: Int? = nil,
                           logCache: NormalizationLogCache? = nil) throws -> TANSPlanner {
        let rareSymbols = ascending[0..<k]
        let escapeSymbol = rareSymbols.min()!
        var isRare = [Bool](repeating: false, count: 256)
        var main = histogram
        var escapeHistogram = [Int](repeating: 0, count: histogram.count)
        var escaped = 0
        for s in rareSymbols {
            isRare[s] = true
            escapeHistogram[s] = histogram[s]
            escaped += histogram[s]
            main[s] = 0
        }
        main[escapeSymbol] = escaped
        let mainCounts = try NormalizedCounts(histogram: main, tableLog: tableLog, logCache: logCache)
        let escapeLog = forcedLog ?? Self.escapeLog(k: k, tableLog: tableLog)
        let escapeCounts = try NormalizedCounts(histogram: escapeHistogram, tableLog: escapeLog, logCache: logCache)
        // Ideal code lengths of both tables, both headers, the escape's fixed fields, and a charge
        // of `escapeCharge` bits per escaped symbol: each escape costs the decoder a second table
        // lookup (and, in hardware, a possible lane stall), so an escape must save at least that.
        let bits = mainCounts.cost(of: main, logCache: logCache) + Double(NormalizedCountsCoding.bitCount(mainCounts))
            + escapeCounts.cost(of: escapeHistogram, logCache: logCache) + Double(NormalizedCountsCoding.bitCount(escapeCounts))
            + Double(8 + escapeLog + 2 * 30 + 4) + Self.escapeCharge * Double(escaped)
        return TANSPlanner(counts: mainCounts, rare: Rare(isRare: isRare, symbol: UInt8(escapeSymbol)),
                           escapeCounts: escapeCounts, estimatedBits: bits)
    }
}
