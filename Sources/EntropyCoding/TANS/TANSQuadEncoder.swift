import CCodecKernels

/// How the quad encoder gathers the rare symbols of an escape path while it encodes.
struct EscapeGathering {
    /// 1 for each rare symbol value, else 0 (256 entries).
    let flags: [UInt8]
    /// When the present non-rare symbols are exactly `low…low + span` (the usual case: the rare
    /// symbols are the tails), a step's symbols are tested for rare ones at once by vector
    /// comparison — to skip the steps without one when rare symbols are sparse, to compact
    /// every step by byte shuffles when they are ``dense``; else `span` is −1 (every step is
    /// compacted byte by byte).
    let low: Int, span: Int
    /// Whether rare symbols are frequent enough (more than one per 64) that testing each step
    /// first would mispredict often: then every step is compacted.
    let dense: Bool

    /// The quad escape buffer's writable bytes before `escaped[0]` (the AVX2 kernel's dense
    /// compaction stores whole 8-byte words ending at its cursor; see
    /// ``subbit_tans_encode_split_avx2``).
    static let slack = 8

    init(isRare: [Bool], histogram: [Int], dense: Bool) {
        flags = (0..<256).map { $0 < isRare.count && isRare[$0] ? 1 : 0 }
        self.dense = dense
        let present = histogram.indices.filter { histogram[$0] > 0 && !isRare[$0] }
        if let lo = present.first, let hi = present.last, !(lo...hi).contains(where: { isRare[$0] }), hi - lo < 255 {
            (low, span) = (lo, hi - lo)
        } else {
            (low, span) = (0, -1)
        }
    }
}

extension TANSCodec {
    /// Steps per code block of the quad encoder: a block's codes (4 bytes per lane and step)
    /// stay within 16 KiB, in L1 between the two passes.
    static let quadBlockCodes = 4096

    /// The split layout with P lanes (`usesSplitQuads`: P a multiple of 4 from 8 on), the
    /// lanes' independent state chains advanced together — the bytes of the lane-by-lane
    /// encoder (``encodeSplit(_:lanes:table:into:scratch:)``), faster.
    ///
    /// Lane `l` holds symbols `l + jP`, `j < c_l` with `c_l = ⌈(n − l)/P⌉ ∈ {⌊n/P⌋, ⌊n/P⌋ + 1}`,
    /// encoded backwards from its last symbol (which only selects the lane's starting state).
    /// The top steps (indices ≥ P·(⌊n/P⌋ − 1)) run one lane at a time; the joint steps
    /// `⌊n/P⌋ − 2 … 0` run in ``subbit_tans_encode_split_avx2`` (four steps' codes merged per
    /// lane in vector registers, one flush each), or portably in blocks of two passes: the state
    /// chains of all lanes, recording each step's code, then each lane's codes prepended to its
    /// own backward writer (four per flush when R ≤ 14). With
    /// `escapes`, the rare symbols are gathered into `workspace.escaped[s + 1...s + count]`
    /// (`s` = ``EscapeGathering/slack``, which `workspace.escaped` must hold in front of them) by
    /// the same loops, visiting every index in decreasing order.
    /// - Complexity: O(n + P + 2^R).
    static func encodeSplitQuads(_ symbols: [UInt8], lanes: Int, table: TANSEncodeTable,
                                 escapes: (gathering: EscapeGathering, count: Int)?, into result: inout TANSEncoded,
                                 workspace: inout TANSEncodeWorkspace, kernels: TANSKernelSet) {
        let n = symbols.count
        let tableLog = table.tableLog
        let size = 1 << tableLog
        precondition(usesSplitQuads(lanes: lanes, symbolCount: n))
        let firstCount = (n + lanes - 1) / lanes   // lane 0 has the most symbols
        let region = 16 + (firstCount * tableLog + 7) / 8
        TANSEncodeWorkspace.reserve(&workspace.scratch, lanes * region)   // written before read
        let blockSteps = quadBlockCodes / lanes
        TANSEncodeWorkspace.reserve(&workspace.codes, blockSteps * lanes)
        TANSEncodeWorkspace.reserve(&workspace.stateTable32, size)
        for u in 0..<size { workspace.stateTable32[u] = UInt32(table.stateTable[u]) }
        let shared = n / lanes - 1   // joint steps j = shared − 1 … 0
        var scratch = workspace.scratch, codes = workspace.codes, escaped = workspace.escaped
        workspace.scratch = []; workspace.codes = []; workspace.escaped = []
        let stateTable32 = workspace.stateTable32
        let flags = escapes?.gathering.flags ?? []
        result.initialStates.removeAll(keepingCapacity: true)
        result.laneStreams.removeAll(keepingCapacity: true)
        result.payload.removeAll(keepingCapacity: true)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: lanes) { x in
          withUnsafeTemporaryAllocation(of: BackwardBitWriter.self, capacity: lanes) { w in
            symbols.withUnsafeBufferPointer { src in
              scratch.withUnsafeMutableBufferPointer { buffer in
                codes.withUnsafeMutableBufferPointer { codes in
                  escaped.withUnsafeMutableBufferPointer { escaped in
                    table.stateTable.withUnsafeBufferPointer { stateTable in
                      table.symbolTransform.withUnsafeBufferPointer { transform in
                        stateTable32.withUnsafeBufferPointer { stateTable32 in
                          flags.withUnsafeBufferPointer { flags in
                            let p = src.baseAddress!, out = buffer.baseAddress!, c = codes.baseAddress!
                            let escapeOut = escaped.baseAddress.map { $0 + EscapeGathering.slack }
                            let st = stateTable.baseAddress!, tt = transform.baseAddress!
                            var cursor = escapes?.count ?? 0
                            // The top steps, highest index first: each lane's last symbol, then
                            // (lanes with ⌊n/P⌋ + 1 symbols) step `shared`.
                            if escapes != nil {
                                for i in stride(from: n - 1, through: lanes * shared, by: -1) {
                                    escapeOut![cursor] = p[i]
                                    cursor &-= Int(flags[Int(p[i])])
                                }
                            }
                            for lane in 0..<lanes {
                                let count = (n - lane + lanes - 1) / lanes
                                x[lane] = UInt64(size) + UInt64(table.firstState[Int(p[lanes * (count - 1) + lane])])
                                (w.baseAddress! + lane).initialize(to: BackwardBitWriter(end: (lane + 1) * region))
                                if count - 1 > shared {
                                    tansEncodeStep(&x[lane], tt[Int(p[lanes * shared + lane])], &w[lane], st)
                                    w[lane].flush(out)
                                }
                            }
                            if kernels == .avx2 {
                                // One call for every joint step: the kernel prepends to its own
                                // copy of the writers (C layout), merging four codes per flush.
                                withUnsafeTemporaryAllocation(of: subbit_tans_writer.self, capacity: lanes) { cw in
                                    for lane in 0..<lanes {
                                        cw[lane] = subbit_tans_writer(acc: w[lane].acc, bits: w[lane].accBits, position: w[lane].position)
                                    }
                                    subbit_tans_encode_split_avx2(
                                        p, lanes, shared, x.baseAddress!, tt, stateTable32.baseAddress!, tableLog,
                                        cw.baseAddress!, out, escapes == nil ? nil : flags.baseAddress!,
                                        escapes?.gathering.low ?? 0, escapes?.gathering.span ?? -1,
                                        escapes?.gathering.dense == true ? 1 : 0, escapes == nil ? nil : escapeOut, &cursor)
                                    for lane in 0..<lanes {
                                        w[lane].acc = cw[lane].acc
                                        w[lane].accBits = cw[lane].bits
                                        w[lane].position = cw[lane].position
                                    }
                                }
                            } else {
                                var g = shared
                                while g > 0 {
                                    let block = min(blockSteps, g)
                                    let base = p + lanes * (g - block)
                                    encodeQuadStates(base, lanes: lanes, steps: block, states: x.baseAddress!, transform: tt,
                                                     stateTable: st, codes: c,
                                                     rare: escapes == nil ? nil : flags.baseAddress!,
                                                     escapeOut: escapeOut, escapeCursor: &cursor)
                                    prependCodes(c, lanes: lanes, steps: block, writers: w.baseAddress!, buffer: out,
                                                 fourPerFlush: tableLog <= 14)
                                    g -= block
                                }
                            }
                            precondition(escapes == nil || cursor == 0, "escape count disagrees with the histogram")
                            for lane in 0..<lanes {
                                let (start, bits) = w[lane].finish(out, end: (lane + 1) * region)
                                result.laneStreams.append(TANSLaneStream(byteOffset: result.payload.count, bitCount: bits))
                                result.payload.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<((lane + 1) * region)]))
                                result.initialStates.append(Int(x[lane]) - size)
                            }
                            w.baseAddress!.deinitialize(count: lanes)
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        workspace.scratch = scratch
        workspace.codes = codes
        workspace.escaped = escaped
    }

    /// The portable state chains of `lanes` lanes over steps `steps − 1 … 0` of `src`: codes to
    /// `codes[(steps − 1 − k)·lanes + l]`, rare symbols (with `rare`) compacted backwards into
    /// `escapeOut` — the codes and escapes of ``subbit_tans_encode_split_avx2``.
    @inline(never)
    static func encodeQuadStates(_ src: UnsafePointer<UInt8>, lanes: Int, steps: Int, states: UnsafeMutablePointer<UInt64>,
                                 transform: UnsafePointer<UInt64>, stateTable: UnsafePointer<UInt16>,
                                 codes: UnsafeMutablePointer<UInt32>, rare: UnsafePointer<UInt8>?,
                                 escapeOut: UnsafeMutablePointer<UInt8>?, escapeCursor: inout Int) {
        var c = codes
        var k = steps - 1
        while k >= 0 {
            let p = src + k * lanes
            if let rare, let escapeOut {
                var i = lanes - 1
                while i >= 0 {
                    escapeOut[escapeCursor] = p[i]
                    escapeCursor &-= Int(rare[Int(p[i])])
                    i -= 1
                }
            }
            for l in 0..<lanes {
                let t = transform[Int(p[l])]
                var x = states[l]
                let nb = (x &+ (t & 0xFFFF_FFFF)) &>> 16
                let high = x &>> nb
                c[l] = UInt32(truncatingIfNeeded: x &- (high &<< nb)) | UInt32(truncatingIfNeeded: nb) &<< 16
                x = UInt64(stateTable[Int(truncatingIfNeeded: high) &+ Int(Int32(truncatingIfNeeded: t &>> 32))])
                states[l] = x
            }
            c += lanes
            k -= 1
        }
    }

    /// Prepends each lane's codes of a block (`codes[j·lanes + l]`, j = 0… in prepending order)
    /// to the lane's writer: four codes per flush when they fit (R ≤ 14: 4·14 + 7 ≤ 63 pending
    /// bits), else two.
    @inline(never)
    static func prependCodes(_ codes: UnsafePointer<UInt32>, lanes: Int, steps: Int, writers: UnsafeMutablePointer<BackwardBitWriter>,
                             buffer: UnsafeMutablePointer<UInt8>, fourPerFlush: Bool) {
        let k = steps * lanes
        for lane in 0..<lanes {
            var w = writers[lane]   // a local copy stays in registers
            @inline(__always) func prepend(_ code: UInt32) {
                w.prepend(UInt64(code & 0xFFFF), UInt64(code &>> 16))
            }
            var j = lane
            if fourPerFlush {
                let stride4 = 4 &* lanes
                while j &+ 3 &* lanes < k {
                    prepend(codes[j]); prepend(codes[j &+ lanes]); prepend(codes[j &+ 2 &* lanes]); prepend(codes[j &+ 3 &* lanes])
                    w.flush(buffer)
                    j &+= stride4
                }
            }
            while j < k {
                prepend(codes[j])
                if j &+ lanes < k { prepend(codes[j &+ lanes]) }
                w.flush(buffer)
                j &+= 2 &* lanes
            }
            writers[lane] = w
        }
    }
}
