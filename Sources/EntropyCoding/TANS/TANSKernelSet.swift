import CCodecKernels

/// Which kernels run the tANS lanes: the AVX2 quad kernels (`CCodecKernels`) where the CPU
/// has AVX2, else the portable Swift ones. Both produce the same bytes and the same symbols —
/// the choice is speed only, and the tests run both and compare them bit for bit.
///
/// The AVX2 kernels serve the split layout with a lane count P that is a multiple of 4 and at
/// least 8 (decoding: table log ≤ 14; encoding: any table log): four lanes per 256-bit register
/// of 64-bit elements, table entries, transforms and stream words fetched by gathers, the
/// register groups' dependency chains stepped in turn. Every other configuration runs the
/// portable kernels whatever the selection.
///
/// ```swift
/// TANSKernelSet.best                 // .avx2 on an AVX2 CPU
/// let coded = try TANSCodec.encode(symbols, alphabetSize: 15, tableLog: 11, lanes: 16)
/// try TANSCodec.decode(coded)        // uses .best
/// ```
enum TANSKernelSet: Sendable, CaseIterable {
    case portable
    case avx2

    /// The fastest kernels this CPU runs.
    static let best: TANSKernelSet = subbit_tans_avx2_available() != 0 ? .avx2 : .portable

    /// The kernels this CPU can run (the portable ones always; AVX2 where available), for tests.
    static var available: [TANSKernelSet] { best == .avx2 ? [.portable, .avx2] : [.portable] }

    /// Whether the AVX2 split decoder handles `lanes` lanes at table log `tableLog`.
    func decodesSplitInQuads(lanes: Int, tableLog: Int) -> Bool {
        self == .avx2 && lanes % 4 == 0 && lanes >= 8 && tableLog <= 14
    }

    /// Whether the AVX2 split encoder advances the state chains of `lanes` lanes.
    func encodesSplitInQuads(lanes: Int) -> Bool {
        self == .avx2 && lanes % 4 == 0 && lanes >= 8
    }
}
