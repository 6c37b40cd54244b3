#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EntropyCoding
import Foundation
import ModelIO

/// The rate–SQNR curves of a model's post-training modes, with and without RDOQ — what
/// `subbit bench rd` prints and `Results/mobilenetv2/rate-sqnr/` holds.
///
/// Modes (every quantized tensor of `policy`, one tANS configuration `codec`):
/// - `bins`: `N` bins in every layer, MSE-optimal step, nearest rounding (above 255 bins the
///   levels are stored split, ``SplitLevels``: coded coarse symbols plus raw fine bits, both
///   counted; the other modes stop at 255);
/// - `mu` / `rmu`: rate–distortion calibration (absolute / relative error) at μ;
/// - `mu+rdoq` / `rmu+rdoq`: the same calibration, then ``RDOQ`` levels at the same μ;
/// - `bins+rdoq`: `N` bins, MSE step, RDOQ with relative error at
///   `μ = 2·ln 2 · 10^(−SQNR/10)` of the plain `bins=N` point — the slope `−dD/dR` of an
///   entropy-coded uniform quantizer at high rate (`D ∝ 2^(−2R)`, Gish & Pierce 1968), in
///   noise-to-signal units per bit per weight.
///
/// - with `dependentQuantization`, `bins+dq` / `mu+dq` / `rmu+dq`: the same calibration (and,
///   for `bins+dq`, the same relative μ as `bins+rdoq`), stored with dependent quantization
///   (``DependentQuantizer``: same bins, half the step, NNC's 8-state trellis at that μ).
///
/// - with `perChannel`, `bins+pc` / `mu+pc` / `rmu+pc`: the same bins per layer (for `mu`/`rmu`
///   the calibration's), one step per output channel — `bins+pc`: its MSE-optimal step;
///   `mu+pc` / `rmu+pc`: the layer's calibrated step, or the channel's MSE-optimal step where
///   that is wider (``PerChannelQuantizer/quantize(_:shape:bins:rateDistortionStep:)``) — stored as ``ChannelSteps``,
///   nearest rounding at the stored steps (``PerChannelQuantizer``). Their rate also counts the
///   per-channel step codes (channel count varint + one byte per channel, per layer), which the
///   one-step modes do not need.
///
/// A μ point and its RDOQ twin share one calibration, so the twin's extra time is RDOQ's alone.
/// Rate is the tANS-coded bits of the quantized weights (payload, tables and lane states) per
/// quantized weight, as `compression.md`'s *tANS b/qw*; SQNR is over all quantized weights.
///
/// **Matched SQNR.** Each mode's points, sorted by SQNR, are joined by straight lines in
/// (SQNR, bits); a mode has a rate at SQNR `s` only between its lowest and highest point (no
/// extrapolation). *Saved* = plain mode's bits − RDOQ mode's bits at the same `s`.
///
/// ```swift
/// let bench = RateSQNRBenchmark(codec: try CodecOptions(tableLog: 11, lanes: 1))
/// let rows = try bench.run(try SafeTensorsFile(contentsOf: url)) { print($0.point) }
/// print(RateSQNRBenchmark.matchedTable(rows, targets: Array(stride(from: 5.0, through: 36, by: 1))))
/// ```
/// - Complexity: one calibration per point (O(grid · n) for μ points), RDOQ O(8 n) per twin.
public struct RateSQNRBenchmark: Sendable {
    public var codec: CodecOptions
    public var policy: TensorPolicy
    /// Bin counts of the `bins` and `bins+rdoq` modes.
    public var bins: [Int]
    /// μ of the `mu` and `mu+rdoq` modes (squared-weight units per bit).
    public var absoluteWeights: [Double]
    /// μ of the `rmu` and `rmu+rdoq` modes (noise-to-signal × weights per bit).
    public var relativeWeights: [Double]
    /// The most bins the `mu` / `rmu` calibrations may give a layer (255 by default; above 255 a
    /// layer's levels are split, ``SplitLevels``, and its RDOQ / DQ / per-channel twins keep it
    /// at nearest rounding — those tools stop at 255 bins). Point labels name a cap other than
    /// 255 (`mu=1e-06@1019`).
    public var maxBins = ZeroPointQuantizer.maxBins
    /// Also measure the dependent-quantization twins (`…+dq`).
    public var dependentQuantization = false
    /// Also measure the per-channel-step twins (`…+pc`).
    public var perChannel = false

    /// 3…1019 bins: 7 to 50 dB on MobileNetV2 (above 255, split levels — ``SplitLevels``;
    /// 509 and 1019 are the most bins 1 and 2 fine bits take).
    public static let defaultBins = [3, 5, 7, 9, 11, 15, 21, 31, 45, 63, 95, 127, 191, 255, 381, 509, 763, 1019]
    /// 1.3e-3 … 1e-7, four per decade: 4 to 46 dB on MobileNetV2 (compression.md: 1e-3 → 5.8 dB,
    /// 1e-5 → 26 dB, about 10 dB per decade; below 1e-6 the points need ``maxBins`` above 255).
    public static let defaultAbsoluteWeights = [1.3e-3] + (0...16).map { 1e-3 * pow(10, -Double($0) / 4) }
    /// 0.5 … 5e-5, four per decade: 5 to 44 dB (μ ≈ 1.39·10^(−SQNR/10) at high rate; below
    /// 2.8e-4 the points need ``maxBins`` above 255).
    public static let defaultRelativeWeights = (0...17).map { 0.5 * pow(10, -Double($0) / 4) }

    /// The modes, in table order.
    public static let modes = ["bins", "mu", "rmu", "bins+rdoq", "mu+rdoq", "rmu+rdoq"]
    /// Each RDOQ mode and the plain mode it is compared with.
    public static let pairs = [("bins+rdoq", "bins"), ("mu+rdoq", "mu"), ("rmu+rdoq", "rmu")]
    /// The dependent-quantization modes (with `dependentQuantization`), in table order.
    public static let dqModes = ["bins+dq", "mu+dq", "rmu+dq"]
    /// Each dependent-quantization mode and the plain mode it is compared with.
    public static let dqPairs = [("bins+dq", "bins"), ("mu+dq", "mu"), ("rmu+dq", "rmu")]
    /// The per-channel-step modes (with `perChannel`), in table order.
    public static let pcModes = ["bins+pc", "mu+pc", "rmu+pc"]
    /// Each per-channel mode and the plain mode it is compared with.
    public static let pcPairs = [("bins+pc", "bins"), ("mu+pc", "mu"), ("rmu+pc", "rmu")]

    /// One operating point.
    public struct Row: Sendable, Equatable {
        public var mode: String
        /// The point in `compress-sweep` grammar (``OperatingPoint``), or the peer's own label.
        public var point: String
        public var sqnrDecibels: Double
        /// tANS-coded bits per quantized weight.
        public var bitsPerWeight: Double
        /// Quantization (calibration, levels) and tANS encoding: CPU seconds of the one thread.
        public var seconds: Double
        /// The part of `seconds` RDOQ took (0 for plain modes).
        public var rdoqSeconds: Double
        /// Fraction of weights whose RDOQ level differs from nearest rounding.
        var changedFraction: Double
        /// The most RDOQ passes any layer ran.
        public var iterations: Int

        public init(mode: String, point: String, sqnrDecibels: Double, bitsPerWeight: Double, seconds: Double,
                    rdoqSeconds: Double = 0, changedFraction: Double = 0, iterations: Int = 0) {
            self.mode = mode
            self.point = point
            self.sqnrDecibels = sqnrDecibels
            self.bitsPerWeight = bitsPerWeight
            self.seconds = seconds
            self.rdoqSeconds = rdoqSeconds
            self.changedFraction = changedFraction
            self.iterations = iterations
        }
    }

    public init(codec: CodecOptions, policy: TensorPolicy = TensorPolicy(), bins: [Int] = defaultBins,
                absoluteWeights: [Double] = defaultAbsoluteWeights, relativeWeights: [Double] = defaultRelativeWeights) {
        self.codec = codec
        self.policy = policy
        self.bins = bins
        self.absoluteWeights = absoluteWeights
        self.relativeWeights = relativeWeights
    }

    struct Layer {
        var weights: [Float]
        var energy: Double
        var shape: [Int]
    }

    /// The shapes of the tensors the modes quantize (`policy`'s quantized role), in file order —
    /// what a decoder-cost estimate of the tools needs (weights, output channels).
    public func quantizedShapes(_ file: SafeTensorsFile) -> [[Int]] {
        quantizedTensors(file).map(\.data.shape)
    }

    /// The tensors `policy` quantizes, in file order.
    func quantizedTensors(_ file: SafeTensorsFile) -> [(name: String, data: TensorData)] {
        file.names.compactMap { name in
            let data = file.tensors[name]!
            return policy.role(name: name, shape: data.shape, isFloatingPoint: data.dtype.isFloatingPoint) == .quantized ? (name, data) : nil
        }
    }

    /// Every point of every mode; `progress` sees each row as it is measured.
    /// - Throws: ``QuantizationError`` for a model with no quantized tensor or non-finite weights.
    public func run(_ file: SafeTensorsFile, progress: (Row) -> Void = { _ in }) throws -> [Row] {
        var layers = [Layer]()
        for (name, data) in quantizedTensors(file) {
            let w = try data.floats()
            guard w.allSatisfy(\.isFinite) else { throw QuantizationError.nonFiniteWeights(tensor: name) }
            layers.append(Layer(weights: w, energy: w.reduce(0.0) { $0 + Double($1) * Double($1) }, shape: data.shape))
        }
        guard !layers.isEmpty else { throw QuantizationError.emptyModel }
        var rows = [Row]()
        func emit(_ row: Row) { rows.append(row); progress(row) }

        for n in bins {
            let start = ThreadClock.now()
            let quantizers = layers.map { try! ZeroPointQuantizer(bins: n, step: StepCalibration.mseOptimalStep(weights: $0.weights, bins: n)) }
            let calibrated = ThreadClock.now()
            let plain = try measure(layers, quantizers, rdoq: nil)
            emit(Row(mode: "bins", point: OperatingPoint.bins(n).description, sqnrDecibels: plain.sqnr,
                     bitsPerWeight: plain.bits, seconds: seconds(calibrated - start) + plain.seconds))
            // RDOQ, dependent quantization and per-channel steps work on at most 255 bins.
            if n > ZeroPointQuantizer.maxBins { continue }
            let mu = 2 * log(2.0) * pow(10, -plain.sqnr / 10)
            let point = OperatingPoint.binsRDOQ(n, rateWeight: Self.rounded(mu), measure: .relative)
            let r = try measure(layers, quantizers, rdoq: try point.rdoq(codec: codec))
            emit(Row(mode: "bins+rdoq", point: point.description, sqnrDecibels: r.sqnr, bitsPerWeight: r.bits,
                     seconds: seconds(calibrated - start) + r.seconds, rdoqSeconds: r.rdoqSeconds,
                     changedFraction: r.changed, iterations: r.iterations))
            if dependentQuantization {
                let dq = try DependentQuantizer(rateWeight: Self.rounded(mu), measure: .relative, codec: codec)
                let d = try measure(layers, quantizers, dq: dq)
                emit(Row(mode: "bins+dq", point: "bins=\(n)+rdq=\(Self.rounded(mu))", sqnrDecibels: d.sqnr, bitsPerWeight: d.bits,
                         seconds: seconds(calibrated - start) + d.seconds, rdoqSeconds: d.rdoqSeconds, iterations: d.iterations))
            }
            if perChannel {
                let c = try measurePerChannel(layers, quantizers, rateDistortion: false)
                emit(Row(mode: "bins+pc", point: OperatingPoint.bins(n).description + "+pc", sqnrDecibels: c.sqnr,
                         bitsPerWeight: c.bits, seconds: c.seconds))
            }
        }
        let families: [(String, RateDistortionCalibration.Measure, [Double])] =
            [("mu", .absolute, absoluteWeights), ("rmu", .relative, relativeWeights)]
        for (key, measure, weights) in families {
            for mu in weights {
                let start = ThreadClock.now()
                let rd = try RateDistortionCalibration(rateWeight: mu, rate: codec.rateModel, maxBins: maxBins, measure: measure)
                let quantizers = layers.map { rd.calibrate(weights: $0.weights).quantizer }
                let calibrated = ThreadClock.now()
                let plain = try self.measure(layers, quantizers, rdoq: nil)
                emit(Row(mode: key, point: OperatingPoint.rateWeight(mu, maxBins: maxBins, measure: measure).description,
                         sqnrDecibels: plain.sqnr, bitsPerWeight: plain.bits, seconds: seconds(calibrated - start) + plain.seconds))
                // Every layer split: no tool applies, a twin would repeat the plain point.
                if quantizers.allSatisfy(\.isSplit) { continue }
                let point = OperatingPoint.rateWeightRDOQ(mu, maxBins: maxBins, measure: measure)
                let r = try self.measure(layers, quantizers, rdoq: try point.rdoq(codec: codec))
                emit(Row(mode: key + "+rdoq", point: point.description, sqnrDecibels: r.sqnr, bitsPerWeight: r.bits,
                         seconds: seconds(calibrated - start) + r.seconds, rdoqSeconds: r.rdoqSeconds,
                         changedFraction: r.changed, iterations: r.iterations))
                if dependentQuantization {
                    let dq = try DependentQuantizer(rateWeight: mu, measure: measure, codec: codec)
                    let d = try self.measure(layers, quantizers, dq: dq)
                    emit(Row(mode: key + "+dq", point: OperatingPoint.rateWeight(mu, maxBins: maxBins, measure: measure).description + "+dq",
                             sqnrDecibels: d.sqnr, bitsPerWeight: d.bits, seconds: seconds(calibrated - start) + d.seconds,
                             rdoqSeconds: d.rdoqSeconds, iterations: d.iterations))
                }
                if perChannel {
                    let c = try measurePerChannel(layers, quantizers, rateDistortion: true)
                    emit(Row(mode: key + "+pc", point: OperatingPoint.rateWeight(mu, maxBins: maxBins, measure: measure).description + "+pc",
                             sqnrDecibels: c.sqnr, bitsPerWeight: c.bits, seconds: seconds(calibrated - start) + c.seconds))
                }
            }
        }
        return rows
    }

    /// Four significant digits, so the point's label is short and parses back to the μ used.
    static func rounded(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x }
        let scale = pow(10, 3 - floor(log10(x)))
        return (x * scale).rounded() / scale
    }

    func seconds(_ d: Double) -> Double { d }

    /// Dependent-quantization levels (each layer of 3…255 bins at half its step; others nearest),
    /// tANS encoding, SQNR and bits of one point; `rdoqSeconds` is the trellis's time.
    func measure(_ layers: [Layer], _ quantizers: [ZeroPointQuantizer], dq: DependentQuantizer)
        throws -> (sqnr: Double, bits: Double, seconds: Double, rdoqSeconds: Double, iterations: Int) {
        var total = Distortion(squaredError: 0, signalEnergy: 0, count: 0)
        var bits = 0, iterations = 0
        var levelTime = 0.0, encodeTime = 0.0
        for (layer, plain) in zip(layers, quantizers) {
            let t0 = ThreadClock.now()
            if plain.isSplit { try addNearestSplit(layer, plain, bits: &bits, distortion: &total, time: &encodeTime); continue }
            let symbols: [UInt8], q: ZeroPointQuantizer, reconstruction: [Float]
            if let fine = DependentQuantizer.quantizer(for: plain) {
                let r = dq.quantize(layer.weights, with: fine)
                (symbols, q) = (r.symbols, fine)
                iterations = max(iterations, r.iterations)
                reconstruction = dq.machine.dequantize(symbols, maxLevel: q.maxLevel, step: q.step)
            } else {
                (symbols, q) = (plain.quantize(layer.weights), plain)
                reconstruction = plain.dequantize(symbols)
            }
            let t1 = ThreadClock.now()
            let coded = try codec.tans.encode(symbols, alphabetSize: q.bins)
            let t2 = ThreadClock.now()
            levelTime += t1 - t0
            encodeTime += t2 - t1
            bits += coded.serialized().count * 8
            total = total + Distortion(weights: layer.weights, reconstruction: reconstruction)
        }
        let n = Double(total.count)
        return (total.sqnrDecibels, Double(bits) / n, seconds(levelTime + encodeTime), seconds(levelTime), iterations)
    }

    /// Per-channel steps at each layer's bins (``PerChannelQuantizer``; layers it does not apply to
    /// keep their quantizer), tANS encoding, SQNR and bits of one point; the bits include the
    /// step codes (channel count varint + one byte per channel), `seconds` the per-channel
    /// calibration.
    func measurePerChannel(_ layers: [Layer], _ quantizers: [ZeroPointQuantizer], rateDistortion: Bool)
        throws -> (sqnr: Double, bits: Double, seconds: Double) {
        var total = Distortion(squaredError: 0, signalEnergy: 0, count: 0)
        var bits = 0
        var time = 0.0
        for (layer, plain) in zip(layers, quantizers) {
            let t0 = ThreadClock.now()
            if plain.isSplit { try addNearestSplit(layer, plain, bits: &bits, distortion: &total, time: &time); continue }
            let symbols: [UInt8], reconstruction: [Float]
            if PerChannelQuantizer.applies(shape: layer.shape, bins: plain.bins) {
                let r = PerChannelQuantizer.quantize(layer.weights, shape: layer.shape, bins: plain.bins,
                                                     rateDistortionStep: rateDistortion ? plain.step : nil)
                symbols = r.symbols
                reconstruction = r.steps.dequantize(symbols, maxLevel: plain.maxLevel)
                bits += r.steps.storedBits
            } else {
                symbols = plain.quantize(layer.weights)
                reconstruction = plain.dequantize(symbols)
            }
            let coded = try codec.tans.encode(symbols, alphabetSize: plain.bins)
            time += ThreadClock.now() - t0
            bits += coded.serialized().count * 8
            total = total + Distortion(weights: layer.weights, reconstruction: reconstruction)
        }
        return (total.sqnrDecibels, Double(bits) / Double(total.count), seconds(time))
    }

    /// Adds a layer of more than 255 bins at nearest rounding, its levels split into tANS-coded
    /// coarse symbols and raw fine bits (``SplitLevels``, record kind 6): its coded and packed
    /// bits, its distortion and its time. RDOQ, dependent quantization and per-channel steps stop at 255 bins, so
    /// their twins keep such layers here.
    func addNearestSplit(_ layer: Layer, _ q: ZeroPointQuantizer, bits: inout Int, distortion: inout Distortion,
                         time: inout Double) throws {
        let t0 = ThreadClock.now()
        let (coarse, fine) = try SplitLevels.split(q.indices(layer.weights), bins: q.bins)
        let coded = try codec.tans.encode(coarse, alphabetSize: SplitLevels.coarseBins(bins: q.bins, fineBits: fine.fineBits))
        bits += (coded.serialized().count + SplitLevels.packedByteCount(count: coarse.count, fineBits: fine.fineBits)) * 8
        distortion = distortion + Distortion(weights: layer.weights, reconstruction: fine.dequantize(coarse: coarse, bins: q.bins, step: q.step))
        time += ThreadClock.now() - t0
    }

    /// Levels (nearest or RDOQ), tANS encoding, SQNR and bits of one point (split layers:
    /// ``addNearestSplit(_:_:bits:distortion:time:)``).
    func measure(_ layers: [Layer], _ quantizers: [ZeroPointQuantizer], rdoq: RDOQ?)
        throws -> (sqnr: Double, bits: Double, seconds: Double, rdoqSeconds: Double, changed: Double, iterations: Int) {
        var total = Distortion(squaredError: 0, signalEnergy: 0, count: 0)
        var bits = 0, changed = 0, iterations = 0
        var levelTime = 0.0, encodeTime = 0.0
        for (layer, q) in zip(layers, quantizers) {
            let t0 = ThreadClock.now()
            // More than 255 bins: nearest levels, split (RDOQ stops at 255 bins).
            if q.isSplit { try addNearestSplit(layer, q, bits: &bits, distortion: &total, time: &encodeTime); continue }
            let symbols: [UInt8]
            if let rdoq {
                let r = rdoq.quantize(layer.weights, with: q)
                symbols = r.symbols
                changed += r.changed
                iterations = max(iterations, r.iterations)
            } else {
                symbols = q.quantize(layer.weights)
            }
            let t1 = ThreadClock.now()
            let coded = try codec.tans.encode(symbols, alphabetSize: q.bins)
            let t2 = ThreadClock.now()
            levelTime += t1 - t0
            encodeTime += t2 - t1
            bits += coded.serialized().count * 8
            total = total + Distortion(weights: layer.weights, symbols: symbols, quantizer: q)
        }
        let n = Double(total.count)
        return (total.sqnrDecibels, Double(bits) / n, seconds(levelTime + encodeTime),
                rdoq == nil ? 0 : seconds(levelTime), Double(changed) / n, iterations)
    }

    /// The calling thread's CPU time in seconds (`CLOCK_THREAD_CPUTIME_ID`): unlike wall time,
    /// it does not grow when other processes share the cores.
    enum ThreadClock {
        static func now() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
    }

    // MARK: - Matched SQNR

    /// A mode's bits at `sqnr` by linear interpolation between its points sorted by SQNR; nil
    /// outside its range.
    public static func bits(at sqnr: Double, of rows: [Row]) -> Double? {
        let points = rows.filter { $0.sqnrDecibels.isFinite && $0.bitsPerWeight.isFinite }
            .sorted { ($0.sqnrDecibels, $0.bitsPerWeight) < ($1.sqnrDecibels, $1.bitsPerWeight) }
        guard let first = points.first, let last = points.last,
              sqnr >= first.sqnrDecibels, sqnr <= last.sqnrDecibels else { return nil }
        for (a, b) in zip(points, points.dropFirst()) where sqnr <= b.sqnrDecibels {
            guard b.sqnrDecibels > a.sqnrDecibels else { return min(a.bitsPerWeight, b.bitsPerWeight) }
            let t = (sqnr - a.sqnrDecibels) / (b.sqnrDecibels - a.sqnrDecibels)
            return a.bitsPerWeight + t * (b.bitsPerWeight - a.bitsPerWeight)
        }
        return first.bitsPerWeight
    }

    /// One matched-SQNR row: every mode's bits at `sqnr` (nil outside its range).
    public struct Matched: Sendable, Equatable {
        public var sqnrDecibels: Double
        public var bits: [String: Double]

        /// Bits `plain` needs beyond `rdoq` at this SQNR (nil unless both reach it).
        public func saved(_ rdoq: String, over plain: String) -> Double? {
            guard let r = bits[rdoq], let p = bits[plain] else { return nil }
            return p - r
        }

        /// The fewest bits of the given modes (nil if none reaches this SQNR).
        public func best(_ modes: [String]) -> Double? { modes.compactMap { bits[$0] }.min() }

        /// The best of `base`'s bits minus the best of `modes`' (positive: `modes` need fewer);
        /// nil unless both families reach this SQNR.
        public func saved(best modes: [String], over base: [String]) -> Double? {
            guard let m = best(modes), let b = best(base) else { return nil }
            return b - m
        }

        /// The peer mode's bits minus SubBit's best mode's (positive: SubBit needs fewer); nil
        /// unless both reach this SQNR.
        public func peerMargin(_ peer: String = RateSQNRBenchmark.peerMode) -> Double? {
            guard let p = bits[peer], let best = best(RateSQNRBenchmark.subBitModes) else { return nil }
            return p - best
        }
    }

    /// The matched-SQNR rows at `targets` for every mode present in `rows`.
    public static func matched(_ rows: [Row], targets: [Double]) -> [Matched] {
        let modes = Array(Set(rows.map(\.mode)))
        return targets.map { s in
            var bits = [String: Double]()
            for m in modes { bits[m] = Self.bits(at: s, of: rows.filter { $0.mode == m }) }
            return Matched(sqnrDecibels: s, bits: bits)
        }
    }

    // MARK: - Output

    static let csvHeader = "mode,point,sqnr_db,tans_bits_per_quantized_weight,seconds,rdoq_seconds,rdoq_changed_fraction,rdoq_iterations_max"

    /// One line per point, with header.
    public static func csv(_ rows: [Row]) -> String {
        ([csvHeader] + rows.map { r in
            [r.mode, r.point, f(r.sqnrDecibels, 3), f(r.bitsPerWeight, 4), f(r.seconds, 3), f(r.rdoqSeconds, 3),
             f(r.changedFraction, 4), "\(r.iterations)"].joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    /// Every SubBit mode (plain, RDOQ, dependent quantization).
    public static let subBitModes = modes + dqModes + pcModes
    /// The mode name of the NNCodec peer's rows.
    public static let peerMode = "nncodec"

    /// Plain modes and the RDOQ modes compared with them.
    public static let plainModes = ["bins", "mu", "rmu"]
    public static let rdoqModes = ["bins+rdoq", "mu+rdoq", "rmu+rdoq"]

    /// The matched-SQNR Markdown table: each mode's bits, each RDOQ mode's saving over its
    /// plain twin, and the best RDOQ mode's saving over the best plain mode (`extra` modes,
    /// e.g. a peer codec, get a column too).
    public static func matchedTable(_ rows: [Row], targets: [Double], extra: [String] = []) -> String {
        let table = Self.matched(rows, targets: targets)
        let columns = (Self.modes + Self.dqModes + Self.pcModes).filter { m in rows.contains { $0.mode == m } } + extra
        let pairs = Self.pairs + (Self.dqPairs + Self.pcPairs).filter { p in rows.contains { $0.mode == p.0 } }
        let peers = extra.filter { $0.hasPrefix(Self.peerMode) }
        var md = "| SQNR dB | " + columns.map { "\($0) b/qw" }.joined(separator: " | ")
            + " | " + pairs.map { "saved \($0.0)" }.joined(separator: " | ") + " | saved best RDOQ vs best plain |"
            + (peers.isEmpty ? "" : " best SubBit b/qw |" + peers.map { " \($0) − best SubBit |" }.joined()) + "\n"
        md += "| ---: |" + String(repeating: " ---: |", count: columns.count + pairs.count + 1 + (peers.isEmpty ? 0 : 1 + peers.count)) + "\n"
        for m in table {
            var cells = [f(m.sqnrDecibels, 1)]
            cells += columns.map { m.bits[$0].map { f($0, 3) } ?? "–" }
            cells += pairs.map { m.saved($0.0, over: $0.1).map { f($0, 3) } ?? "–" }
            if let r = m.best(rdoqModes), let p = m.best(plainModes) { cells.append(f(p - r, 3)) } else { cells.append("–") }
            if !peers.isEmpty {
                cells.append(m.best(subBitModes).map { f($0, 3) } ?? "–")
                cells += peers.map { m.peerMargin($0).map { f($0, 3) } ?? "–" }
            }
            md += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return md
    }

    /// The range of the best RDOQ mode's saving over the best plain mode across `targets` (nil
    /// when no target has both).
    static func savedRange(_ rows: [Row], targets: [Double]) -> (min: Double, max: Double, mean: Double)? {
        let saved = Self.matched(rows, targets: targets).compactMap { m -> Double? in
            guard let r = m.best(rdoqModes), let p = m.best(plainModes) else { return nil }
            return p - r
        }
        guard let lo = saved.min(), let hi = saved.max() else { return nil }
        return (lo, hi, saved.reduce(0, +) / Double(saved.count))
    }

    /// The per-point Markdown table.
    public static func pointsTable(_ rows: [Row]) -> String {
        var md = "| mode | point | SQNR dB | tANS b/qw | time s | RDOQ s | levels changed | RDOQ passes |\n"
        md += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for r in rows {
            let isRDOQ = r.mode.hasSuffix("+rdoq") || r.mode.hasSuffix("+dq")
            md += "| \(r.mode) | \(r.point) | \(f(r.sqnrDecibels, 2)) | \(f(r.bitsPerWeight, 4)) | \(f(r.seconds, 2)) | "
                + (isRDOQ ? "\(f(r.rdoqSeconds, 2)) | \(f(100 * r.changedFraction, 2)) % | \(r.iterations) |\n" : "– | – | – |\n")
        }
        return md
    }

    static func f(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        var s = String(format: "%.\(digits)f", x)
        if s.hasPrefix("-"), Double(s) == 0 { s.removeFirst() }
        return s
    }

    /// The saving of the best RDOQ mode over the best plain mode, and each pair's, across the span;
    /// and RDOQ's time over its plain twin's.
    public static func summary(_ rows: [Row], targets: [Double], low: Double, high: Double) -> String {
        var lines: [String] = []
        let matched = matched(rows, targets: targets)
        func range(_ values: [Double]) -> String {
            guard let lo = values.min(), let hi = values.max() else { return "no SQNR both reach" }
            return String(format: "%.3f to %.3f b/qw (mean %.3f, %d SQNR points)", lo, hi, values.reduce(0, +) / Double(values.count), values.count)
        }
        let best = matched.compactMap { $0.saved(best: rdoqModes, over: plainModes) }
        lines.append(String(format: "Saved by RDOQ at matched SQNR, %.0f–%.0f dB: best RDOQ mode vs best plain mode ", low, high) + range(best))
        for (r, p) in pairs {
            lines.append("  \(r) vs \(p): " + range(matched.compactMap { $0.saved(r, over: p) }))
        }
        if rows.contains(where: { dqModes.contains($0.mode) }) {
            let dq = matched.compactMap { $0.saved(best: dqModes, over: plainModes) }
            let dqOverRDOQ = matched.compactMap { $0.saved(best: dqModes, over: rdoqModes) }
            lines.append(String(format: "Saved by dependent quantization at matched SQNR, %.0f–%.0f dB: best DQ mode vs best plain mode ", low, high) + range(dq))
            lines.append("  best DQ mode vs best RDOQ mode: " + range(dqOverRDOQ))
            for (d, p) in dqPairs {
                lines.append("  \(d) vs \(p): " + range(matched.compactMap { $0.saved(d, over: p) }))
            }
        }
        if rows.contains(where: { pcModes.contains($0.mode) }) {
            let pc = matched.compactMap { $0.saved(best: pcModes, over: plainModes) }
            lines.append(String(format: "Saved by per-channel steps at matched SQNR, %.0f–%.0f dB (step codes counted): best per-channel mode vs best plain mode ", low, high) + range(pc))
            for (c, p) in pcPairs {
                lines.append("  \(c) vs \(p): " + range(matched.compactMap { $0.saved(c, over: p) }))
            }
        }
        let peers = Array(Set(rows.map(\.mode).filter { $0.hasPrefix(peerMode) })).sorted()
        for peer in peers {
            let margins = matched.compactMap { m in m.peerMargin(peer).map { (sqnr: m.sqnrDecibels, margin: $0) } }
            guard !margins.isEmpty else { continue }
            let behind = margins.filter { $0.margin < 0 }
            let name = peer == peerMode ? "NNCodec's default pipeline" : "NNCodec's rate-aware trellis (\(peer), not its default)"
            lines.append(String(format: "Best SubBit mode vs %@ at matched SQNR, %.0f–%.0f dB: SubBit needs no more bits at %d of %d SQNR points; \(peer) − SubBit ",
                                name, low, high, margins.count - behind.count, margins.count) + range(margins.map(\.margin))
                         + (behind.isEmpty ? "" : "; NNCodec smaller at " + behind.map { String(format: "%.0f", $0.sqnr) }.joined(separator: ", ") + " dB"))
        }
        for (r, p) in pairs {
            let twins = rows.filter { $0.mode == r }
            let plain = rows.filter { $0.mode == p }
            guard !twins.isEmpty, twins.count == plain.count else { continue }
            let rdoq = twins.reduce(0) { $0 + $1.rdoqSeconds }, total = plain.reduce(0) { $0 + $1.seconds }
            let level = zip(twins, plain).reduce(0.0) { $0 + $1.0.seconds - $1.1.seconds }
            lines.append("  time, \(r) over \(p): " + String(format: "RDOQ %.2f s in all (%.0f %% of the plain points' %.2f s of quantization + encoding; net %+.2f s)",
                                                               rdoq, 100 * rdoq / max(total, 1e-9), total, level))
        }
        return lines.joined(separator: "\n")
    }

    /// `Results/<model>/rate-sqnr/README.md`: the modes, the NNCodec peer, the summary, the
    /// matched table and the points (`subbit bench rd --results`).
    public static func readme(_ rows: [Row], modelName: String, command: String, codec: CodecOptions,
                       matched: String, summary: String, peerNote: String) -> String {
        """
        # \(modelName): rate vs weight SQNR — plain, RDOQ, dependent quantization, per-channel steps, and the NNCodec peer

        Generated by `\(command)` — do not edit; rerun the command to regenerate (times depend on the machine).

        Codec: tANS, table log \(codec.tableLog), \(codec.lanes) lane(s). Rate: tANS-coded bits of the quantized weights \
        (payload, normalized-count tables, lane states) per quantized weight, as `../compression.md`'s *tANS b/qw*. SQNR: \
        over all quantized weights (float tensors of rank ≥ 2).

        Modes: `bins` — N bins in every layer, MSE-optimal step, nearest rounding; `mu` / `rmu` — per layer, bins and step \
        minimizing squared error (absolute / relative to the layer's mean squared weight) + μ·tANS bits; `mu+rdoq` / `rmu+rdoq` — \
        the same calibration, then each weight's level chosen by rate–distortion-optimized quantization (RDOQ) at the same μ; \
        `bins+rdoq` — N bins, MSE step, RDOQ with relative error at μ = 2·ln2·10^(−SQNR/10) of the plain point (the \
        high-rate slope of an entropy-coded uniform quantizer). RDOQ: per weight the nearest level, its neighbour toward zero or \
        zero, whichever minimizes error + μ·(tANS code length under the layer's table), iterated with the table (≤ 8 passes); \
        the decoder and format are unchanged. `bins+dq` / `mu+dq` / `rmu+dq` (with `--dq`) — the same calibration, each layer \
        of ≥ 3 bins at half the step with NNC's 8-state dependent (trellis-coded) quantization: the levels chosen by a Viterbi \
        search minimizing error + μ·(tANS code length) at the twin's μ (`bins+dq`: as `bins+rdoq`); the decoder tracks the \
        state (record kind 3; its hardware cost is in `subbit decoder`'s model). `bins+pc` / `mu+pc` / `rmu+pc` (with \
        `--per-channel`) — the same bins per layer, one step per output channel (`bins+pc`: its MSE-optimal step; `mu+pc` / \
        `rmu+pc`: the layer's calibrated step, or the channel's MSE-optimal step where that is wider — with entropy coding one step \
        for all channels is what minimizes error + μ·rate, so only channels the bins would clip move) stored as a float32 base and one \
        log-step byte per channel (record kind 5; those bytes are counted in the rate), nearest rounding.

        Decoder cost of each tool (the summary's last table): the share each tool adds to `subbit decoder`'s ASIC model at the \
        hardware's lane count (`--cost-lanes`, not the bench's codec lanes) beside the weight memory its mean saving frees — \
        RDOQ adds nothing (same decoder), dependent quantization adds the dequantizers' state machines, per-channel steps add \
        step banks, a setup step generator and per-lane channel tracking (the share alone; `subbit decoder` also reads their ⌈(32 + 8C)/W⌉-word step region per layer while the table is built, and counts the generator in setup where it outlasts the build).

        NNCodec (where its Python package is installed, `Scripts/install-nncodec.sh`, and `SUBBIT_PYTHON` names that \
        environment's python): its default pipeline — uniform reconstruction with dependent quantization, DeepCABAC — on the \
        same rank ≥ 2 float tensors at each qp; bits = the whole NNCodec bitstream (its headers and every tensor's parameters \
        included) per quantized weight, SQNR from its own decoder's output. *NNCodec − best SubBit* > 0 means SubBit's best mode \
        needs fewer bits at that SQNR. NNCodec's default `lambda_scale` 0 makes its trellis ignore rate (its gain is DeepCABAC's \
        context modelling); `nncodec-rd<λ>` (with `--nncodec-lambda`) is its rate-aware trellis at that λ — not its default, \
        shown so that the default comparison is not read as more than it is.

        Matched SQNR: each mode's points sorted by SQNR and joined by straight lines; a mode has no value outside its own range \
        (–). *saved X* = the plain twin's bits − X's bits at that SQNR. Times: one thread; a μ point and its RDOQ twin share one \
        calibration, so *RDOQ s* is RDOQ's own time; times are CPU seconds of the thread (not wall time).

        \(peerNote)

        ## Summary

        ```
        \(summary)
        ```

        ## Bits per quantized weight at matched SQNR

        \(matched)
        ## Points

        \(pointsTable(rows))
        Plot: `rate-sqnr.svg` / `rate-sqnr.png` (data `rate-sqnr.dat`, script `rate-sqnr.gp`). CSV: `rate-sqnr.csv`.

        """
    }
}
