import EntropyCoding
import ModelIO

/// One zero-point quantized tensor: its name, shape, quantizer and symbols (C order).
///
/// ```swift
/// let t = try QuantizedTensor(name: "fc.weight", shape: [2, 2],
///                             quantizer: ZeroPointQuantizer(bins: 3, step: 0.5),
///                             symbols: [0, 1, 2, 1])
/// t.dequantized()   // [-0.5, 0, 0.5, 0]
/// ```
public struct QuantizedTensor: Hashable, Sendable {
    public let name: String
    public let shape: [Int]
    public let quantizer: ZeroPointQuantizer
    public let symbols: [UInt8]
    /// Dependent quantization: the symbols are levels of this state machine with fine step
    /// `quantizer.step` (``DependentQuantizer``); nil for plain zero-point quantization.
    public let dependentQuantization: DQStateMachine?
    /// Per-output-channel steps (``PerChannelQuantizer``): channel `c` (dimension 0) reconstructs
    /// `(s − K)·Δ_c`; `quantizer.step` is their base. Nil for one step per tensor.
    public let channelSteps: ChannelSteps?
    /// Split levels (more than 255 bins, ``ZeroPointQuantizer/isSplit``): ``symbols`` are the
    /// coarse symbols the entropy coder codes, this holds each weight's raw fine bits
    /// (``SplitLevels``). Nil when the symbols are the bin indices themselves.
    public let splitLevels: SplitLevels?

    /// Checks that the symbol count matches the shape and every symbol is below `bins` (and,
    /// with dependent quantization, that there are at least 3 bins; with per-channel steps, one
    /// per entry of dimension 0, based at `quantizer.step`; with split levels, that the
    /// quantizer needs them, their fine bits fit (``SplitLevels/check(bins:fineBits:)``), and
    /// every coarse symbol is below the coarse alphabet).
    public init(name: String, shape: [Int], quantizer: ZeroPointQuantizer, symbols: [UInt8],
                dependentQuantization: DQStateMachine? = nil, channelSteps: ChannelSteps? = nil,
                splitLevels: SplitLevels? = nil) throws {
        let count = try TensorData.elementCount(of: shape)
        guard count == symbols.count else {
            throw QuantizationError.shapeMismatch(tensor: name, expected: count, actual: symbols.count)
        }
        if quantizer.isSplit != (splitLevels != nil) {
            throw QuantizationError.malformedModel("tensor '\(DisplayName.escaped(name))': \(quantizer.bins) bins "
                + (quantizer.isSplit ? "need split levels (more than \(ZeroPointQuantizer.maxBins))" : "are coded whole, not split"))
        }
        if let splitLevels {
            if let problem = SplitLevels.check(bins: quantizer.bins, fineBits: splitLevels.fineBits) {
                throw QuantizationError.malformedModel("tensor '\(DisplayName.escaped(name))': \(problem)")
            }
            guard splitLevels.values.count == count, dependentQuantization == nil, channelSteps == nil else {
                throw QuantizationError.malformedModel("tensor '\(DisplayName.escaped(name))': split levels need one fine value per weight and go with neither dependent quantization nor per-channel steps")
            }
        }
        let alphabet = splitLevels.map { SplitLevels.coarseBins(bins: quantizer.bins, fineBits: $0.fineBits) } ?? quantizer.bins
        if let bad = symbols.first(where: { Int($0) >= alphabet }) {
            throw QuantizationError.symbolOutOfRange(tensor: name, symbol: Int(bad), bins: alphabet)
        }
        if let splitLevels, let bad = splitLevels.firstIndexOutOfRange(coarse: symbols, bins: quantizer.bins) {
            throw QuantizationError.symbolOutOfRange(tensor: name, symbol: bad, bins: quantizer.bins)
        }
        if dependentQuantization != nil,
           let problem = SBWQuantizedTensor.checkDependentQuantization(step: quantizer.step, bins: quantizer.bins) {
            throw QuantizationError.malformedModel("tensor '\(name)': \(problem)")
        }
        if let channelSteps {
            if let problem = SBWQuantizedTensor.checkChannelSteps(channelSteps, step: quantizer.step, bins: quantizer.bins,
                                                                  symbolCount: symbols.count, dependentQuantization: dependentQuantization) {
                throw QuantizationError.malformedModel("tensor '\(name)': \(problem)")
            }
            guard shape.first == channelSteps.channelCount else {
                throw QuantizationError.malformedModel("tensor '\(name)': \(channelSteps.channelCount) per-channel steps for shape \(shape)")
            }
        }
        self.name = name
        self.shape = shape
        self.quantizer = quantizer
        self.symbols = symbols
        self.dependentQuantization = dependentQuantization
        self.channelSteps = channelSteps
        self.splitLevels = splitLevels
    }

    /// A tensor of bin indices (each `< quantizer.bins`): byte symbols up to 255 bins, split
    /// levels (``SplitLevels/split(_:bins:)``) above.
    public init(name: String, shape: [Int], quantizer: ZeroPointQuantizer, indices: [UInt16]) throws {
        guard quantizer.isSplit else {
            if let bad = indices.first(where: { Int($0) >= quantizer.bins }) {
                throw QuantizationError.symbolOutOfRange(tensor: name, symbol: Int(bad), bins: quantizer.bins)
            }
            try self.init(name: name, shape: shape, quantizer: quantizer, symbols: indices.map { UInt8(truncatingIfNeeded: $0) })
            return
        }
        let split: (coarse: [UInt8], fine: SplitLevels)
        do { split = try SplitLevels.split(indices, bins: quantizer.bins) } catch let error as EntropyCodingError {
            throw QuantizationError.malformedModel("tensor '\(DisplayName.escaped(name))': \(error.message)")
        }
        try self.init(name: name, shape: shape, quantizer: quantizer, symbols: split.coarse, splitLevels: split.fine)
    }

    /// The alphabet the entropy coder codes: `bins`, or with split levels the coarse alphabet.
    public var codedAlphabetSize: Int {
        splitLevels.map { SplitLevels.coarseBins(bins: quantizer.bins, fineBits: $0.fineBits) } ?? quantizer.bins
    }

    /// The bin indices `q + K` (with split levels, joined from coarse and fine).
    public var indices: [UInt16] { splitLevels?.indices(coarse: symbols) ?? symbols.map(UInt16.init) }

    /// The reconstructed weights — `(s − K)·Δ`, `(s − K)·Δ_c`, or the state machine's — bit-exact
    /// on every platform.
    public func dequantized() -> [Float] {
        if let splitLevels { return splitLevels.dequantize(coarse: symbols, bins: quantizer.bins, step: quantizer.step) }
        if let channelSteps { return channelSteps.dequantize(symbols, maxLevel: quantizer.maxLevel) }
        guard let machine = dependentQuantization else { return quantizer.dequantize(symbols) }
        return machine.dequantize(symbols, maxLevel: quantizer.maxLevel, step: quantizer.step)
    }

    /// Counts of the coded symbols (``codedAlphabetSize`` entries: the bins, or with split levels
    /// the coarse symbols).
    public var histogram: [Int] { EmpiricalEntropy.histogram(symbols, bins: codedAlphabetSize) }

    /// Counts of the bin indices (`bins` entries; for a tensor without split levels, ``histogram``).
    public var indexHistogram: [Int] {
        guard splitLevels != nil else { return histogram }
        var counts = [Int](repeating: 0, count: quantizer.bins)
        for u in indices { counts[Int(u)] += 1 }
        return counts
    }
}

/// A tensor carried through compression without quantization (stored bytes, as they will be
/// written): float tensors in the policy's storage precision, integer tensors verbatim. A tensor
/// stored in 8 bits (``TensorPolicy/FloatStorage/q8``) carries its codes in ``affine8`` and its
/// decoded F32 values in ``data``.
public struct KeptTensor: Hashable, Sendable {
    public let name: String
    /// The values as they decode (for an 8-bit tensor: F32, `offset + code · step`).
    public let data: TensorData
    /// The 8-bit codes, or nil when ``data`` is what is stored.
    public let affine8: SBWAffine8?

    public init(name: String, data: TensorData) {
        self.name = name
        self.data = data
        self.affine8 = nil
    }

    /// An 8-bit tensor of `shape`; its ``data`` are the decoded F32 values.
    public init(name: String, shape: [Int], affine8: SBWAffine8) throws {
        self.name = name
        self.data = try TensorData(floats: affine8.values(), shape: shape)
        self.affine8 = affine8
    }

    /// Bytes stored for the values (for an 8-bit tensor its codes plus offset and step).
    var storedByteCount: Int { affine8?.byteCount ?? data.bytes.count }
}

/// A compressed model before entropy coding: quantized tensors plus the tensors kept as they
/// are. Produced by `ModelQuantizer`, written to and read from `.sbw` by `SBWModelCodec`.
///
/// ```swift
/// let model = try ModelQuantizer(calibration: .fixed(LayerBins(bins: 15), .mse)).quantize(file)
/// let restored = try model.dequantized()   // SafeTensorsFile, same names and shapes
/// ```
public struct QuantizedModel: Hashable, Sendable {
    /// Quantized tensors in natural name order.
    public let quantized: [QuantizedTensor]
    /// Kept tensors in natural name order.
    public let kept: [KeptTensor]

    /// Throws if a name appears twice.
    public init(quantized: [QuantizedTensor], kept: [KeptTensor]) throws {
        var seen = Set<String>()
        for name in quantized.map(\.name) + kept.map(\.name) where !seen.insert(name).inserted {
            throw QuantizationError.duplicateTensor(name)
        }
        self.quantized = quantized.sorted { NaturalOrder.less($0.name, $1.name) }
        self.kept = kept.sorted { NaturalOrder.less($0.name, $1.name) }
    }

    /// Parameters in quantized tensors.
    public var quantizedParameterCount: Int { quantized.reduce(0) { $0 + $1.symbols.count } }
    /// Parameters in kept tensors.
    var keptParameterCount: Int { kept.reduce(0) { $0 + $1.data.elementCount } }
    /// All parameters.
    public var parameterCount: Int { quantizedParameterCount + keptParameterCount }
    /// Bytes of the kept tensors as stored.
    var keptByteCount: Int { kept.reduce(0) { $0 + $1.storedByteCount } }

    /// The model without training-only state (``TensorPolicy/isTrainingState(name:isFloatingPoint:)``).
    public func droppingTrainingState() throws -> QuantizedModel {
        try QuantizedModel(quantized: quantized,
                           kept: kept.filter { !TensorPolicy.isTrainingState(name: $0.name, isFloatingPoint: $0.data.dtype.isFloatingPoint) })
    }

    /// The model with every quantized tensor replaced by its F32 dequantized values and the
    /// kept tensors as stored: the same names and shapes as the model that was compressed.
    public func dequantized(metadata: [String: String] = [:]) throws -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: metadata)
        for t in quantized {
            file.tensors[t.name] = try TensorData(floats: t.dequantized(), shape: t.shape)
        }
        for k in kept { file.tensors[k.name] = k.data }
        return file
    }
}
