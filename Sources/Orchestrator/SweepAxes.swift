import DecoderHardware
import EntropyCoding
import Quantization
import StrictYAML
import Training
import Yams

/// One sweep axis, declared once: its spelling in specs (which is also its `runs.csv` column),
/// the type and range of its values, whether it changes the trained weights (and so the
/// ``TrainingKey``), and which weight sources it applies to. Parsing (``SpecParser``), expansion
/// (``SweepExpansion``), point labels, duplicate checks, sweep sizes, training keys and the
/// results rows are all driven by ``SweepAxis/all``, so a new axis is one stored property in
/// ``SweepAxes``, one in ``SweepPoint`` and one declaration below — plus the code that uses it
/// and its column in ``ResultsSchema``.
///
/// An axis added after results were committed is declared `optional`: while a spec leaves it at
/// its default it is left out of point labels (so cached points stay valid), of the spec
/// fingerprint and of the results columns, so every existing spec's files stay byte for byte what
/// they were; a spec that sweeps it gets its column.
///
/// ```swift
/// SweepAxis.all.map(\.name)   // ["lambda", "bin_policy", "rate_weight", "seed", "codec", …]
/// SweepAxis.lambda.affectsWeights  // true
/// ```
public struct SweepAxis: Sendable, Hashable, CustomStringConvertible {
    /// The axis as spelled under `sweep:` and as its results column.
    public let name: String
    /// True when a new value means a new training (or calibration).
    let affectsWeights: Bool
    /// The weight sources the axis applies to; a spec of another source that names it is refused.
    let applicability: Applicability
    /// How many values the axis takes in `axes`.
    let count: @Sendable (SweepAxes) -> Int
    /// Each value of the axis in `axes`, spelled as in results files.
    let spelledValues: @Sendable (SweepAxes) -> [String]
    /// The point's value, spelled as in results files.
    let spelled: @Sendable (SweepPoint) -> String
    /// Sets the point's value to the axis's `i`-th value in `axes`.
    let assign: @Sendable (inout SweepPoint, SweepAxes, Int) -> Void
    /// Reads the axis from a `sweep:` mapping into `axes` (the default when the key is absent).
    let read: @Sendable (YAMLMapping, _ isPretrained: Bool, inout SweepAxes) throws -> Void
    /// True for an axis that stays out of labels, fingerprints and columns at its default.
    let isOptional: Bool
    /// Why the swept values cannot go with the other axes' (a cross-axis constraint), or nil.
    let conflict: @Sendable (SweepAxes) -> String?

    /// Whether results of `axes` show the axis: always, unless it is optional and takes only its
    /// default value there.
    func isShown(in axes: SweepAxes) -> Bool {
        !isOptional || spelledValues(axes) != spelledValues(SweepAxes())
    }

    /// Whether `point`'s label names the axis: always, unless it is optional and the point has
    /// the default value.
    func isLabelled(in point: SweepPoint) -> Bool {
        !isOptional || spelled(point) != spelledValues(SweepAxes())[0]
    }

    /// The Swift property that holds the axis (`table_log` → `tableLog`).
    var propertyLabel: String {
        let words = name.split(separator: "_")
        return words.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.capitalized }.joined()
    }

    enum Applicability: Sendable {
        case any
        /// Only models trained here; `refusal` says why a pretrained spec cannot sweep it.
        case trained(refusal: String)
        /// Only pretrained checkpoints; `refusal` says why a trained spec cannot sweep it.
        case pretrained(refusal: String)

        /// True for an axis of one kind of source only (λ, μ).
        var isSourceSpecific: Bool {
            if case .any = self { return false }
            return true
        }

        func applies(pretrained: Bool) -> Bool {
            switch self {
            case .any: return true
            case .trained: return !pretrained
            case .pretrained: return pretrained
            }
        }
    }

    public var description: String { name }
    public static func == (a: SweepAxis, b: SweepAxis) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// Every axis, in the order of point labels, expansion (weight-changing axes are moved
    /// outermost, stably) and results columns.
    public static let all: [SweepAxis] = [
        lambda, binPolicy, rateWeight, seed, codec, tableLog, lanes, layout, portBits, sharing,
        computeWeightsPerCycle, layerForm,
    ]

    /// The axis spelled `name` in a spec, if any.
    public static func named(_ name: String) -> SweepAxis? { all.first { $0.name == name } }

    // MARK: The axes

    /// λ, the weight of the entropy term in `CE + λ·R` (trained models).
    public static let lambda = declare(
        "lambda", \.lambda, \.lambda, affectsWeights: true,
        applicability: .trained(refusal: "λ is a training axis; a pretrained model is calibrated, not trained. Fix: sweep `rate_weight` instead."),
        value: .number(0...1000))
    /// How each layer's bin count is chosen: `learned`, or a fixed odd count.
    public static let binPolicy = declare(
        "bin_policy", \.binPolicy, \.binPolicy, affectsWeights: true,
        pretrainedDefault: [.fixed(15)], value: .binPolicy)
    /// μ, the rate–distortion weight of post-training calibration (pretrained checkpoints).
    public static let rateWeight = declare(
        "rate_weight", \.rateWeight, \.rateWeight, affectsWeights: true,
        applicability: .pretrained(refusal: "`rate_weight` sweeps post-training calibration of a pretrained model. Fix: sweep `lambda` for trained models."),
        value: .number(0...1e12))
    /// The training seed (`seed: [1, 2]`, or `seeds: 3` for seeds 1…3).
    public static let seed = declare(
        "seed", \.seed, \.seed, affectsWeights: true, value: .integer(0...Int(Int32.max)),
        reader: SpecReader.readSeeds)
    /// The entropy coder.
    public static let codec = declare("codec", \.codec, \.codec, value: .choice())
    /// Table log R (tANS/rANS): tables of 2^R entries.
    public static let tableLog = declare("table_log", \.tableLog, \.tableLog,
                                         value: .integer(SpecLimits.tableLogs))
    /// P, parallel decoder lanes (and coded lane streams).
    public static let lanes = declare("lanes", \.lanes, \.lanes, value: .integer(1...64))
    /// Where the lanes' bits sit: one stream per lane, or one interleaved stream.
    public static let layout = declare("layout", \.layout, \.layout, value: .choice())
    /// W, bits per cycle of the weight-memory port feeding the lanes.
    public static let portBits = declare("port_bits", \.portBits, \.portBits, value: .integer(1...4096))
    /// Decode tables replicated per lane or shared.
    public static let sharing = declare("sharing", \.sharing, \.sharing, value: .choice())
    /// Weights per cycle the compute array consumes: a decoder "keeps up" when it delivers as
    /// many. Unswept, it is `decoder.compute_weights_per_cycle` (8 by default).
    static let computeWeightsPerCycle = declare(
        "compute_weights_per_cycle", \.computeWeightsPerCycle, \.computeWeightsPerCycle,
        value: .integer(1...4096))
    /// How each quantized tensor of a point's `.sbw` is stored: tANS at the point's table log
    /// (`configured`), or per tensor the smallest of tANS at table logs 5…R and fixed-width
    /// (`smallest`, ``LayerForm``; a fixed-width layer is costed as a decoder bypass layer).
    public static let layerForm = declare(
        "layer_form", \.layerForm, \.layerForm, optional: true, value: .choice(),
        conflict: { axes in
            guard axes.layerForm.contains(.smallest), let other = axes.codec.first(where: { $0 != .tans }) else { return nil }
            let paired = axes.zip.contains { group in group.contains { $0.name == "layer_form" } && group.contains(SweepAxis.codec) }  // by name: a declaration cannot name itself
            if paired {
                guard let bad = zip(axes.codec, axes.layerForm).first(where: { $0.0 != .tans && $0.1 == .smallest }) else { return nil }
                return "`smallest` chooses among tANS forms (tANS at table logs 5…R, or fixed-width), but it is zipped with codec `\(bad.0.rawValue)`. Fix: pair `smallest` with `tans` only."
            }
            return "`smallest` chooses among tANS forms (tANS at table logs 5…R, or fixed-width), but the sweep also codes with `\(other.rawValue)`. Fix: sweep `codec: [tans]`, or zip `layer_form` with `codec` so that `smallest` goes with `tans` only."
        })

    // MARK: Declaring

    /// Declares an axis whose values live at `values` in ``SweepAxes`` and at `point` in ``SweepPoint``;
    /// its default is `SweepAxes()`'s value (`pretrainedDefault` overrides it for pretrained sources).
    static func declare<V: Hashable & Sendable>(
        _ name: String, _ values: WritableKeyPath<SweepAxes, [V]> & Sendable,
        _ point: WritableKeyPath<SweepPoint, V> & Sendable, affectsWeights: Bool = false, optional: Bool = false,
        pretrainedDefault: [V]? = nil, applicability: Applicability = .any, value: AxisValue<V>,
        reader: (@Sendable (YAMLMapping, String, [V], @escaping (Node, String) throws -> V) throws -> [V])? = nil,
        conflict: @escaping @Sendable (SweepAxes) -> String? = { _ in nil }
    ) -> SweepAxis {
        SweepAxis(
            name: name, affectsWeights: affectsWeights, applicability: applicability,
            count: { $0[keyPath: values].count },
            spelledValues: { $0[keyPath: values].map(value.spell) },
            spelled: { value.spell($0[keyPath: point]) },
            assign: { p, axes, i in p[keyPath: point] = axes[keyPath: values][i] },
            read: { map, isPretrained, axes in
                // An axis the spec leaves out takes `SweepAxes()`'s value (the one list of defaults).
                let defaults = SweepAxes()[keyPath: values]
                let fallback = isPretrained ? (pretrainedDefault ?? defaults) : defaults
                let element = { (node: Node, key: String) in try value.parse(node, key, map, isPretrained) }
                axes[keyPath: values] = try reader?(map, name, fallback, element)
                    ?? map.list(name, default: fallback, element)
            },
            isOptional: optional, conflict: conflict)
    }
}

/// How an axis's values are read from a spec and spelled in results files.
struct AxisValue<V: Sendable>: Sendable {
    /// Reads one value (`key` names it in errors, e.g. `lanes[2]`); the flag says whether the
    /// spec's weights are pretrained.
    let parse: @Sendable (Node, String, YAMLMapping, Bool) throws -> V
    let spell: @Sendable (V) -> String
}

extension AxisValue where V == Double {
    /// A finite number in `range`, spelled canonically (``CanonicalNumber``).
    static func number(_ range: ClosedRange<Double>) -> Self {
        AxisValue(parse: { node, key, map, _ in try YAMLMapping.double(node, key: key, range: range, mapping: map) },
                  spell: CanonicalNumber.format)
    }
}

extension AxisValue where V == Int {
    /// A whole number in `range`.
    static func integer(_ range: ClosedRange<Int>) -> Self {
        AxisValue(parse: { node, key, map, _ in try YAMLMapping.int(node, key: key, range: range, mapping: map) },
                  spell: { String($0) })
    }
}

extension AxisValue where V: CaseIterable & RawRepresentable, V.RawValue == String {
    /// One of the enum's cases, by its raw value; the accepted names are the enum's own.
    static func choice() -> Self {
        AxisValue(parse: { node, key, map, _ in try YAMLMapping.choice(node, key: key, mapping: map) },
                  spell: { $0.rawValue })
    }
}

extension AxisValue where V == BinPolicy {
    /// `learned` (trained models only) or an odd bin count (`7` or `fixed-7`).
    static var binPolicy: Self {
        AxisValue(parse: { node, key, map, isPretrained in
                      try SpecReader.binPolicy(node, key: key, mapping: map, allowLearned: !isPretrained) },
                  spell: \.description)
    }
}

/// The values each sweep axis takes (see ``SweepAxis``). Every axis has at least one value.
public struct SweepAxes: Sendable, Equatable {
    public var lambda: [Double]
    public var binPolicy: [BinPolicy]
    /// Rate–distortion weight μ of post-training calibration (pretrained sources only).
    public var rateWeight: [Double]
    public var seed: [Int]
    public var codec: [CodecKind]
    public var tableLog: [Int]
    public var lanes: [Int]
    public var layout: [TANSLayout]
    public var portBits: [Int]
    public var sharing: [TableSharing]
    var computeWeightsPerCycle: [Int]
    public var layerForm: [LayerForm]
    /// Groups of axes that advance together (zipped) instead of forming a Cartesian product.
    public var zip: [[SweepAxis]]

    public init(lambda: [Double] = [0], binPolicy: [BinPolicy] = [.learned], rateWeight: [Double] = [0],
                seed: [Int] = [1], codec: [CodecKind] = [.tans], tableLog: [Int] = [12], lanes: [Int] = [1],
                layout: [TANSLayout] = [.split], portBits: [Int] = [64], sharing: [TableSharing] = [.replicated],
                computeWeightsPerCycle: [Int] = [8], layerForm: [LayerForm] = [.configured], zip: [[SweepAxis]] = []) {
        self.lambda = lambda
        self.binPolicy = binPolicy
        self.rateWeight = rateWeight
        self.seed = seed
        self.codec = codec
        self.tableLog = tableLog
        self.lanes = lanes
        self.layout = layout
        self.portBits = portBits
        self.sharing = sharing
        self.computeWeightsPerCycle = computeWeightsPerCycle
        self.layerForm = layerForm
        self.zip = zip
    }

    /// How many values `axis` takes.
    public func count(of axis: SweepAxis) -> Int { axis.count(self) }
}

extension SweepAxis: FingerprintOmitting {
    /// A zipped axis stays fingerprinted by the fields it had before these were declared.
    var fingerprintOmits: Set<String> { ["isOptional", "conflict"] }
}

extension SweepAxes: FingerprintOmitting {
    /// The optional axes this sweep leaves at their defaults.
    var fingerprintOmits: Set<String> { Set(SweepAxis.all.filter { !$0.isShown(in: self) }.map(\.propertyLabel)) }
}

/// One configuration of an experiment: a value on every sweep axis.
public struct SweepPoint: Sendable, Hashable {
    public var lambda: Double = 0
    public var binPolicy: BinPolicy = .learned
    public var rateWeight: Double = 0
    public var seed: Int = 1
    public var codec: CodecKind = .tans
    public var tableLog: Int = 12
    public var lanes: Int = 1
    public var layout: TANSLayout = .split
    public var portBits: Int = 64
    public var sharing: TableSharing = .replicated
    var computeWeightsPerCycle: Int = 8
    public var layerForm: LayerForm = .configured

    /// The point whose every axis takes its first value in `axes`.
    public init(first axes: SweepAxes) {
        for axis in SweepAxis.all { axis.assign(&self, axes, 0) }
    }

    /// The point's values as `axis=value` text, in axis order — a stable, readable identity
    /// (an optional axis at its default is left out: ``SweepAxis``).
    public var label: String {
        SweepAxis.all.filter { $0.isLabelled(in: self) }.map { "\($0.name)=\($0.spelled(self))" }.joined(separator: ",")
    }

    /// The value on `axis`, spelled as in results files.
    public func value(of axis: SweepAxis) -> String { axis.spelled(self) }
}

/// Ranges the spec, the codec and the decoder model agree on.
enum SpecLimits {
    /// Table logs a spec may sweep: what the codec writes and the decoder model accepts.
    static let tableLogs = 5...DecoderConfiguration.maximumTableLog
    /// Bin counts of zero-point quantization (odd within the range; the parser checks parity).
    static let bins = 1...ZeroPointQuantizer.maxBins
}
