/// The state machine of dependent (trellis-coded) quantization: two interleaved scalar
/// quantizers over one fine grid of step `Δ`, chosen weight by weight by a state that the
/// parity of the previous levels drives.
///
/// - `Q0` reconstructs a level `k` as `2k·Δ` (even multiples of `Δ`);
/// - `Q1` reconstructs it as `(2k − sgn k)·Δ` (odd multiples, and zero).
///
/// The decoder starts in state 0; before each weight the state selects the quantizer, after it
/// the level's parity (`k & 1`) selects the next state. The stored symbols are the levels
/// `k ∈ [−K, K]` as `k + K`, exactly as for plain zero-point quantization, so the entropy coder
/// is unchanged; only dequantization differs.
///
/// Two machines:
/// - ``eightState`` — the one NNCodec (Fraunhofer HHI's implementation of MPEG NNC,
///   ISO/IEC 15938-17) uses: `Trellis8States` in
///   `extensions/deepCABAC/source/Lib/CommonLib/Quant.h` (fraunhoferhhi/nncodec), transitions
///   `{0,2},{7,5},{1,3},{6,4},{2,0},{5,7},{3,1},{4,6}`, quantizer `state & 1`;
/// - ``fourState`` — VVC's (ITU-T H.266 §8.7.3 / VTM `DepQuant.cpp`): transitions
///   `{0,2},{2,0},{1,3},{3,1}`, quantizer `state >> 1`.
///
/// ```swift
/// let machine = DQStateMachine.eightState
/// machine.dequantize([3, 4, 1], maxLevel: 2, step: 0.5)
/// // [1.0, 2.0, -0.5]: k = 1 in Q0 (state 0 → 2), k = 2 in Q0 (→ 1), k = −1 in Q1
/// ```
/// - Complexity: dequantization O(n), one table look-up per weight.
public enum DQStateMachine: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// VVC's 4-state machine (2 flip-flops per decoder lane).
    case fourState = 4
    /// NNC's 8-state machine (3 flip-flops per decoder lane).
    case eightState = 8

    /// The number of states (also the byte the `.sbw` record stores).
    public var stateCount: Int { Int(rawValue) }

    /// Flip-flops that hold the state: `log₂(stateCount)`.
    public var stateBits: Int { self == .fourState ? 2 : 3 }

    /// `next[2·state + parity]`: the state after a level of that parity.
    public var transitions: [UInt8] { rawValue == 8 ? Self.eightStateTransitions : Self.fourStateTransitions }

    /// `quantizer[state]`: 0 selects Q0, 1 selects Q1.
    public var quantizers: [UInt8] { rawValue == 8 ? Self.eightStateQuantizers : Self.fourStateQuantizers }

    static let fourStateTransitions: [UInt8] = [0, 2, 2, 0, 1, 3, 3, 1]
    static let fourStateQuantizers: [UInt8] = [0, 0, 1, 1]
    static let eightStateTransitions: [UInt8] = [0, 2, 7, 5, 1, 3, 6, 4, 2, 0, 5, 7, 3, 1, 4, 6]
    static let eightStateQuantizers: [UInt8] = [0, 1, 0, 1, 0, 1, 0, 1]

    public var description: String { "\(stateCount)-state" }

    /// The reconstruction of level `k` in units of `Δ` under quantizer `q` (0 or 1):
    /// `2k − q·sgn(k)`.
    @inlinable @inline(__always)
    public static func multiple(level k: Int, quantizer q: Int) -> Int {
        k == 0 ? 0 : 2 &* k &- (k > 0 ? q : -q)
    }

    /// The reconstructed weights of `symbols` (levels `s − K`), walking the machine from state 0.
    /// Each is `Float(multiple) · step`, one `Float` multiplication, so every decoder reproduces
    /// it bit for bit. Symbols above `2K` (which a valid stream never holds) clamp to `2K`.
    public func dequantize(_ symbols: [UInt8], maxLevel: Int, step: Float) -> [Float] {
        let next = transitions, quantizer = quantizers
        let top = UInt8(clamping: 2 * maxLevel)
        return [Float](unsafeUninitializedCapacity: symbols.count) { out, initialized in
            symbols.withUnsafeBufferPointer { s in
                var state = 0
                for i in s.indices {
                    let k = Int(min(s[i], top)) &- maxLevel
                    out[i] = Float(Self.multiple(level: k, quantizer: Int(quantizer[state]))) * step
                    state = Int(next[2 &* state &+ (k & 1)])
                }
            }
            initialized = symbols.count
        }
    }
}
