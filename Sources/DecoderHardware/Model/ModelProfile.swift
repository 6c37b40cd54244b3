/// A model's layers prepared once for many analytic evaluations: the per-layer counts in flat
/// arrays (no per-layer reference counting in the evaluation loop) and the model-wide maxima and
/// sums the validation and the energy model need.
///
/// ```swift
/// let model = ModelProfile(layers)
/// for config in configs { _ = try costModel.evaluate(config, model: model) }
/// ```
public struct ModelProfile: Sendable {
    public let layers: [LayerProfile]
    @usableFromInline let symbolCount: [Int]
    @usableFromInline let alphabetSize: [Int]
    @usableFromInline let tableLog: [Int]
    @usableFromInline let escapeSymbols: [Int]
    @usableFromInline let escapeBits: [Int]
    @usableFromInline let escapeTableLog: [Int]
    /// Layer i's lane bits are `laneBits[laneStart[i] ..< laneStart[i+1]]`.
    @usableFromInline let laneStart: [Int]
    @usableFromInline let laneBits: [Int]
    @usableFromInline let laneTotal: [Int]
    /// Expected escape-FIFO stalls per decoded group of each layer (``EscapeQueue``).
    @usableFromInline let escapeStallsPerGroup: [Double]
    /// Per-channel step count of each layer (0: one step).
    @usableFromInline let channels: [Int]
    /// Bits per symbol of each fixed-width (bypass) layer, 0 for the others.
    @usableFromInline let bypassBits: [Int]
    /// Fine bits per symbol of each layer of split levels (``LayerProfile/fineBits``), 0 for the others.
    @usableFromInline let fineBits: [Int]
    /// The most fine bits of any layer (0: no split levels; sizes the fine-bit extractor).
    let maxFineBits: Int
    /// Σ fine-stream bits n·s over the layers.
    let fineStreamBits: Int
    /// The most per-channel steps of a layer (0: no layer has them), the most weights per
    /// channel among those layers, and the steps the decoder loads over the model (a one-step
    /// layer counts 1).
    public let maxChannels: Int
    let maxWeightsPerChannel: Int
    let stepLoads: Int

    /// Lane count of every layer with a table (nil if they differ; 0 if there are none).
    public let lanes: Int?
    public let maxBins: Int
    /// Σ symbols of fixed-width (bypass) layers, which read no table.
    let bypassSymbols: Int
    let maxUsedSymbols: Int
    let maxTableLog: Int
    let maxEscapeTableLog: Int
    let hasEscape: Bool
    public let symbols: Int
    public let codedBits: Int
    public let fixedWidthBits: Int
    /// Σ 2·2^{R_l}: table entries written by the builds.
    let builtEntries: Double
    /// Σ 2·2^{R_e} over layers with an escape path.
    let escapeBuiltEntries: Double
    /// Σ escaped symbols.
    public let escapedSymbols: Double

    public init(_ layers: [LayerProfile]) {
        self.layers = layers
        symbolCount = layers.map(\.symbolCount)
        alphabetSize = layers.map(\.alphabetSize)
        tableLog = layers.map(\.tableLog)
        escapeSymbols = layers.map(\.escapeSymbols)
        escapeBits = layers.map(\.escapeBits)
        escapeTableLog = layers.map(\.escapeTableLog)
        var start = [0]
        var flat: [Int] = []
        var laneCounts = Set<Int>()
        for layer in layers {
            flat += layer.laneBits
            start.append(flat.count)
            if layer.tableLog > 0 { laneCounts.insert(layer.laneBits.count) }
        }
        laneStart = start
        laneBits = flat
        laneTotal = layers.map(\.laneBitsTotal)
        escapeStallsPerGroup = layers.map(\.escapeStallsPerGroup)
        channels = layers.map(\.channels)
        bypassBits = layers.map(\.bypassBits)
        fineBits = layers.map(\.fineBits)
        maxFineBits = fineBits.max() ?? 0
        fineStreamBits = layers.reduce(0) { $0 + $1.fineStreamBits }
        bypassSymbols = layers.reduce(0) { $0 + ($1.bypassBits > 0 ? $1.symbolCount : 0) }
        let perChannel = layers.filter { $0.channels > 0 }
        maxChannels = perChannel.map(\.channels).max() ?? 0
        maxWeightsPerChannel = perChannel.map { $0.symbolCount / $0.channels }.max() ?? 0
        stepLoads = layers.reduce(0) { $0 + max(1, $1.channels) }
        lanes = laneCounts.count <= 1 ? (laneCounts.first ?? 0) : nil
        maxBins = layers.map(\.alphabetSize).max() ?? 1
        maxUsedSymbols = layers.map(\.usedSymbols).max() ?? 0
        maxTableLog = layers.map(\.tableLog).max() ?? 0
        maxEscapeTableLog = layers.map(\.escapeTableLog).max() ?? 0
        hasEscape = layers.contains(where: \.hasEscape)
        symbols = layers.reduce(0) { $0 + $1.symbolCount }
        codedBits = layers.reduce(0) { $0 + $1.codedBits }
        fixedWidthBits = layers.reduce(0) { $0 + $1.fixedWidthBits }
        builtEntries = layers.reduce(0.0) { $0 + ($1.tableLog > 0 ? 2 * Double(1 << $1.tableLog) : 0) }
        escapeBuiltEntries = layers.reduce(0.0) { $0 + ($1.hasEscape ? 2 * Double(1 << $1.escapeTableLog) : 0) }
        escapedSymbols = layers.reduce(0.0) { $0 + Double($1.escapeSymbols) }
    }

    public var count: Int { layers.count }
}

extension DecoderConfiguration {
    /// Checks that every layer of a prepared model fits this hardware, in O(1) when it does
    /// (the maxima), naming the first offending layer when it does not.
    public func validate(for model: ModelProfile) throws {
        if model.maxUsedSymbols > tableEntries || model.maxTableLog > tableLog
            || model.maxEscapeTableLog > tableLog || (model.lanes != 0 && model.lanes != lanes) {
            try validate(for: model.layers)
        }
    }
}
