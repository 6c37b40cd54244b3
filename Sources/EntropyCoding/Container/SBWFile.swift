#if canImport(Foundation)
import Foundation
#endif

/// A quantized tensor stored in an `.sbw` file: `bins = 2K + 1` levels of step `step`; symbol
/// `s` dequantizes to `(s − K)·step`, or, with ``dependentQuantization``, to the level
/// `k = s − K` reconstructed by that state machine (``DQStateMachine``: `2k·step` or
/// `(2k − sgn k)·step`).
public struct SBWQuantizedTensor: Sendable, Equatable, Hashable {
    public var step: Float
    /// Odd bin count N = 2K + 1, 1…255 (3…255 with dependent quantization).
    public var bins: Int
    public var coded: CodedSymbols
    /// The dependent-quantization state machine, or nil for plain zero-point quantization.
    public var dependentQuantization: DQStateMachine?
    /// Per-output-channel steps (record kind 5), or nil for one step per tensor. When set,
    /// `step` is their base and channel `c`'s symbols dequantize to `(s − K)·Δ_c`.
    public var channelSteps: ChannelSteps?
    /// More than 255 bins (record kind 6, ``SplitLevels``): `coded` holds each weight's coarse
    /// symbol (an alphabet of ``SplitLevels/coarseBins(bins:fineBits:)``), this its raw fine
    /// bits; the bin index is `(coarse << s) | fine`. Nil for a tensor coded whole.
    public var splitLevels: SplitLevels?

    /// `K = (bins − 1) / 2`, the symbol of the zero level.
    public var zeroSymbol: Int { bins / 2 }

    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` for bins outside 1…255 or even
    ///   (split levels: ``SplitLevels/check(bins:fineBits:)``), an alphabet that differs from
    ///   `bins` (split: from the coarse alphabet), or a dependent-quantization record that cannot
    ///   reconstruct (see ``checkDependentQuantization(step:bins:)``).
    public init(step: Float, bins: Int, coded: CodedSymbols, dependentQuantization: DQStateMachine? = nil,
                channelSteps: ChannelSteps? = nil, splitLevels: SplitLevels? = nil) throws {
        if let splitLevels {
            if let problem = SplitLevels.check(bins: bins, fineBits: splitLevels.fineBits) {
                throw EntropyCodingError.invalidParameter(problem)
            }
            guard dependentQuantization == nil, channelSteps == nil else {
                throw EntropyCodingError.invalidParameter("split levels cannot be combined with \(channelSteps != nil ? "per-channel steps" : "dependent quantization")")
            }
            guard splitLevels.values.count == coded.symbolCount else {
                throw EntropyCodingError.invalidParameter("\(splitLevels.values.count) fine values for \(coded.symbolCount) coarse symbols")
            }
            guard step.isFinite, step > 0, (Float(bins - 1) * step).isFinite else {
                throw EntropyCodingError.invalidParameter("split levels need a positive finite step whose largest multiple is finite, the record has step \(step)")
            }
        } else {
            try SBWFile.checkBins(bins)
        }
        let alphabet = splitLevels.map { SplitLevels.coarseBins(bins: bins, fineBits: $0.fineBits) } ?? bins
        guard coded.alphabetSize == alphabet else {
            throw EntropyCodingError.invalidParameter("coded alphabet size \(coded.alphabetSize) does not match \(splitLevels == nil ? "\(bins) bins" : "the \(alphabet) coarse symbols of \(bins) bins")")
        }
        if dependentQuantization != nil {
            if let problem = Self.checkDependentQuantization(step: step, bins: bins) { throw EntropyCodingError.invalidParameter(problem) }
        }
        if let channelSteps {
            if let problem = Self.checkChannelSteps(channelSteps, step: step, bins: bins, symbolCount: coded.symbolCount,
                                                    dependentQuantization: dependentQuantization) {
                throw EntropyCodingError.invalidParameter(problem)
            }
        }
        self.step = step
        self.bins = bins
        self.coded = coded
        self.dependentQuantization = dependentQuantization
        self.channelSteps = channelSteps
        self.splitLevels = splitLevels
    }

    /// Why per-channel steps cannot go with this record, or nil: their base must be `step`, they
    /// must reconstruct (``ChannelSteps/check(base:codes:bins:)``), the symbols must be whole
    /// channels, and dependent quantization is not combined with them.
    public static func checkChannelSteps(_ steps: ChannelSteps, step: Float, bins: Int, symbolCount: Int,
                                         dependentQuantization: DQStateMachine?) -> String? {
        guard dependentQuantization == nil else {
            return "per-channel steps cannot be combined with dependent quantization"
        }
        guard steps.base.bitPattern == step.bitPattern else {
            return "per-channel steps have base \(steps.base) but the record's step is \(step)"
        }
        if let problem = ChannelSteps.check(base: steps.base, codes: steps.codes, bins: bins) { return problem }
        guard symbolCount % steps.channelCount == 0 else {
            return "\(symbolCount) symbols are not whole channels of \(steps.channelCount) per-channel steps"
        }
        return nil
    }

    /// Encodes bin indices (each `< bins`, 3…4095 bins) with `codec`: whole when `bins ≤ 255`,
    /// else split (``SplitLevels``) — the coarse symbols coded, the fine bits raw.
    public init(indices: [UInt16], step: Float, bins: Int, codec: CodecConfiguration) throws {
        if bins <= BinCount.maximum {
            guard let bad = indices.first(where: { Int($0) >= bins }) else {
                try self.init(symbols: indices.map { UInt8(truncatingIfNeeded: $0) }, step: step, bins: bins, codec: codec)
                return
            }
            throw EntropyCodingError.invalidParameter("bin index \(bad) is not below \(bins) bins")
        }
        let (coarse, fine) = try SplitLevels.split(indices, bins: bins)
        try self.init(step: step, bins: bins,
                      coded: codec.encode(coarse, alphabetSize: SplitLevels.coarseBins(bins: bins, fineBits: fine.fineBits)),
                      splitLevels: fine)
    }

    /// Encodes `symbols` (each `< bins`) with `codec`.
    public init(symbols: [UInt8], step: Float, bins: Int, codec: CodecConfiguration,
                dependentQuantization: DQStateMachine? = nil, channelSteps: ChannelSteps? = nil) throws {
        try SBWFile.checkBins(bins)
        try self.init(step: step, bins: bins, coded: codec.encode(symbols, alphabetSize: bins),
                      dependentQuantization: dependentQuantization, channelSteps: channelSteps)
    }

    /// Why a dependent-quantization record with this step and bins cannot be reconstructed, or
    /// nil: the step must be a positive finite number, `2K·step` finite, and `bins ≥ 3` (one bin
    /// has only the zero level, where the two quantizers coincide).
    public static func checkDependentQuantization(step: Float, bins: Int) -> String? {
        guard bins >= 3 else { return "dependent quantization needs at least 3 bins, the record has \(bins)" }
        guard step.isFinite, step > 0, (Float(bins - 1) * step).isFinite else {
            return "dependent quantization needs a positive finite step whose largest multiple \(bins - 1)·step is finite, the record has step \(step)"
        }
        return nil
    }

    /// The decoded symbols (validating the coded streams): the bin indices, or, with
    /// ``splitLevels``, the coarse symbols.
    public func symbols() throws -> [UInt8] { try coded.decode() }

    /// The bin indices `0…bins − 1` (with ``splitLevels``, joined from coarse and fine).
    public func indices() throws -> [UInt16] {
        let symbols = try checkedSymbols()
        return splitLevels?.indices(coarse: symbols) ?? symbols.map(UInt16.init)
    }

    /// ``symbols()``, and with ``splitLevels`` the check that every joined index is below `bins`
    /// (the last coarse symbol covers indices past it).
    func checkedSymbols() throws -> [UInt8] {
        let symbols = try self.symbols()
        if let split = splitLevels, let bad = split.firstIndexOutOfRange(coarse: symbols, bins: bins) {
            throw EntropyCodingError.corrupt("split level \(bad) is not below the record's \(bins) bins")
        }
        return symbols
    }

    /// Raw fine bits stored beside the coded symbols (0 without ``splitLevels``).
    public var fineBitCount: Int { splitLevels?.bitCount ?? 0 }

    /// The dequantized values: `(u − K)·step`, or the state machine's reconstruction.
    public func dequantized() throws -> [Float] {
        let k = zeroSymbol
        if let splitLevels { return splitLevels.dequantize(coarse: try checkedSymbols(), bins: bins, step: step) }
        if let machine = dependentQuantization { return machine.dequantize(try symbols(), maxLevel: k, step: step) }
        if let channelSteps { return channelSteps.dequantize(try symbols(), maxLevel: k) }
        let levels = (0..<bins).map { Float($0 - k) * step }
        return try symbols().map { levels[Int($0)] }
    }
}

/// One named tensor of an `.sbw` file.
public struct SBWTensor: Sendable, Equatable, Hashable {
    public enum Payload: Sendable, Equatable, Hashable {
        /// A quantized, entropy-coded tensor.
        case quantized(SBWQuantizedTensor)
        /// Raw float32 values (biases, batch-norm parameters).
        case float32([Float])
        /// Raw float16 values as IEEE binary16 bit patterns.
        case float16([UInt16])
        /// 8-bit codes with a per-tensor offset and step (kept tensors; decoded as float32).
        case affine8(SBWAffine8)
    }

    public var name: String
    public var shape: [Int]
    public var payload: Payload

    public init(name: String, shape: [Int], payload: Payload) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.count <= SBWFile.maxRank else {
            throw EntropyCodingError.invalidParameter("tensor \(SBWFile.quoted(name)): shape \(shape) needs ≤ \(SBWFile.maxRank) non-negative dimensions")
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw EntropyCodingError.invalidParameter("tensor \(SBWFile.quoted(name)): shape \(shape) has too many elements") }
            count = product
        }
        let stored: Int
        switch payload {
        case .quantized(let q): stored = q.coded.symbolCount
        case .float32(let v): stored = v.count
        case .float16(let v): stored = v.count
        case .affine8(let a): stored = a.codes.count
        }
        guard stored == count else {
            throw EntropyCodingError.invalidParameter("tensor \(SBWFile.quoted(name)): shape \(shape) has \(count) elements but \(stored) are stored")
        }
        if case .quantized(let q) = payload, let steps = q.channelSteps, shape.first != steps.channelCount {
            throw EntropyCodingError.invalidParameter("tensor \(SBWFile.quoted(name)): \(steps.channelCount) per-channel steps for shape \(shape) (one per entry of dimension 0)")
        }
        self.name = name
        self.shape = shape
        self.payload = payload
    }

    /// Element count (product of the shape).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The values as floats (dequantized, or widened from float16).
    public func floatValues() throws -> [Float] {
        switch payload {
        case .quantized(let q):
            do { return try q.dequantized() } catch let error as EntropyCodingError { throw error.prefixed("tensor \(SBWFile.quoted(name))") }
        case .float32(let v): return v
        case .float16(let v): return v.map(Float16Bits.float(fromHalf:))
        case .affine8(let a): return a.values()
        }
    }

    /// Exact bits of the codec's header and payload (quantized tensors; raw tensors: their data;
    /// 8-bit tensors: offset, step and codes):
    /// for a tANS layer its table description, lane states and payload, without the record's
    /// framing (name, shape, step, CRC). *Coded bits per weight* everywhere — `runs.csv`,
    /// `layers.csv`, `subbit inspect`, `subbit train`, and the Huffman / fixed-width baselines —
    /// is this over the weights.
    public var codedBits: Int {
        switch payload {
        case .quantized(let q): return q.coded.totalBits + q.fineBitCount
        case .float32(let v): return v.count * 32
        case .float16(let v): return v.count * 16
        case .affine8(let a): return a.byteCount * 8
        }
    }

    /// Every byte this tensor occupies in the file — its record length, name, shape, step, bins,
    /// codec tag, codec header and payload, and CRC — times 8, with the name written in full (as
    /// in a version 1 file; ``SBWByteBreakdown`` counts a front-coded file's names as stored).
    /// Use this for bits per weight "counting every stored bit".
    public var storedBits: Int {
        var out = [UInt8]()
        SBWFile.appendRecord(self, to: &out)
        return out.count * 8
    }
}

/// The `.sbw` container: metadata and an ordered list of named tensors.
///
/// ## Byte layout (integers little-endian; `varint` = unsigned LEB128, at most 10 bytes)
/// ```
/// magic        4 bytes  "SBW" 0x1A
/// version      UInt16   (1: plain names; 2: front-coded names — ``NameCoding``)
/// metadata     varint count, then per entry: key, value (each varint length + UTF-8), sorted by key
/// tensors      varint count, then per tensor:
///                varint record length, record, CRC-32C of the record (UInt32)
/// file CRC     CRC-32C of every preceding byte (UInt32)
/// record:      name (version 1: varint length + UTF-8; version 2: varint count of leading
///              bytes shared with the previous record's name — 0 for the first —, then the
///              rest as varint length + bytes; the whole name must be UTF-8),
///              rank (varint ≤ 8), dims (varint each),
///              kind (UInt8: 0 quantized, 1 float32, 2 float16, 3 quantized with dependent
///              quantization, 4 8-bit kept tensor), then
///              quantized: step (Float32 bits), bins (varint, odd 1…255), codec (UInt8:
///                         0 tans, 1 huffman, 2 fixed, 3 rans), the codec's serialization to the
///                         record's end (tables, lane offsets and final states, payload)
///              quantized with dependent quantization (kind 3): step, bins (odd 3…255), the
///                         state machine (UInt8: its state count, 4 or 8 — ``DQStateMachine``),
///                         then codec and serialization as kind 0
///              quantized with per-channel steps (kind 5): base step (Float32 bits), bins,
///                         channel count C (varint, = dims[0]), C step codes (UInt8 each —
///                         ``ChannelSteps``: Δ_c = base·2^(code/32)), then codec and
///                         serialization as kind 0
///              float32 / float16: the values to the record's end
///              8-bit (kind 4, ``SBWAffine8``): offset (Float32 bits), step (Float32 bits), then
///                         one code byte per element to the record's end; value = offset + code·step
///              quantized with split levels (kind 6, ``SplitLevels``): step (Float32 bits), bins
///                         (varint, odd 3…4095), fine bits s (UInt8, 1…8, with
///                         C = ((bins − 1) >> s) + 1 ≤ 255), the fine bits packed MSB first (`BitWriter`)
///                         (⌈n·s/8⌉ bytes, padding zero), then codec and serialization as kind 0
///                         over the coarse alphabet C
/// ```
/// Dependent quantization, 8-bit kept tensors, per-channel steps and split levels are new record *kinds*
/// rather than a new version, so files without them keep every byte, and a reader that predates
/// them refuses such a tensor ("unknown kind 3", … "unknown kind 6") instead of
/// misreading it (dequantizing levels as plain `(s − K)·step`, or codes as floats).
/// ``init(bytes:limits:)`` checks the file CRC first, then parses with every length validated
/// against the bytes that remain and against ``Limits`` before anything is allocated, then
/// checks each record's CRC and its codec header. Any byte string yields a file or an
/// ``EntropyCodingError`` with a message; decoding a tensor's symbols (``SBWQuantizedTensor/symbols()``)
/// validates the streams themselves.
///
/// ```swift
/// let q = try SBWQuantizedTensor(symbols: symbols, step: 0.01, bins: 15, codec: .tans(tableLog: 12))
/// let file = SBWFile(metadata: ["model": "lenet"],
///                    tensors: [try SBWTensor(name: "fc1.weight", shape: [120, 84], payload: .quantized(q))])
/// try file.write(to: url)
/// let back = try SBWFile(contentsOf: url)
/// ```
public struct SBWFile: Sendable, Equatable, Hashable {
    public static let magic: [UInt8] = [0x53, 0x42, 0x57, 0x1A]
    /// The version of files with plain names (``NameCoding/plain``); front-coded files are 2.
    public static let version: UInt16 = NameCoding.plain.rawValue
    public static let maxRank = 8

    /// How tensor names are stored; the file's version says which.
    ///
    /// Names are most of what a small model's file holds besides its weights: ResNet-20's 97
    /// names (`layer3.2.bn2.running_mean`, …) take 2 082 bytes, 0.06 bits per parameter. Names
    /// written in model order share long prefixes with the name before them, so
    /// ``frontCoded`` stores each as the count of bytes it shares with the previous record's name
    /// and the rest (LevelDB's and Lucene's term-dictionary trick, without restart points: the
    /// records are read in order anyway). A reader of version 1 refuses version 2 files with its
    /// version message instead of misreading names; version 1 files keep every byte.
    ///
    /// ```swift
    /// var file = SBWFile(metadata: [:], tensors: tensors, nameCoding: .frontCoded)
    /// let bytes = file.serialized()              // version 2
    /// try SBWFile(bytes: bytes).nameCoding       // .frontCoded
    /// ```
    public enum NameCoding: UInt16, Sendable, CaseIterable {
        /// Each name in full (version 1).
        case plain = 1
        /// Each name as the bytes shared with the previous name plus the rest (version 2).
        case frontCoded = 2

        /// What a record's name is coded against, given the previous record's name (nil before
        /// the first): nil for plain names, else that name (`""` for the first record).
        func base(after previous: String?) -> String? {
            self == .frontCoded ? previous ?? "" : nil
        }
    }

    /// Limits applied while parsing, before any allocation sized by a header field.
    ///
    /// Most claimed sizes are tied to the bytes that hold them (a record's values, a coded
    /// stream whose every symbol costs at least one bit — see ``TANSEncoded``). A constant-mode
    /// or zero-bit stream can legitimately say "n copies of s" in a few bytes, so the decoded
    /// size is bounded explicitly: a tensor's *decoded bytes* are its element count × 4 (the
    /// float32 values `subbit decompress` writes), at most ``maxDecodedBytesPerTensor`` per tensor
    /// and ``maxDecodedBytesPerFile`` over the file. The defaults (``defaultMaxDecodedBytesPerTensor``
    /// = 128 MiB, ``defaultMaxDecodedBytesPerFile`` = 256 MiB, i.e. 64 M weights) hold every model
    /// of this project several times over; `--max-decoded-bytes` on `decode`, `decompress` and
    /// `inspect` raises both.
    ///
    /// ```swift
    /// let file = try SBWFile(bytes: bytes, limits: .init(maxDecodedBytes: 1 << 32))
    /// ```
    public struct Limits: Sendable, Equatable, Hashable {
        public static let defaultMaxDecodedBytesPerTensor = 128 << 20
        public static let defaultMaxDecodedBytesPerFile = 256 << 20
        /// Bytes a decoded element counts for (a float32 value).
        public static let decodedBytesPerElement = 4

        public var maxTensors: Int
        public var maxElementsPerTensor: Int
        public var maxMetadataEntries: Int
        public var maxDecodedBytesPerTensor: Int
        public var maxDecodedBytesPerFile: Int
        /// The most bytes the names of a front-coded file (version 2) may add up to. A plain
        /// name is bounded by the bytes that hold it; a front-coded one repeats its predecessor's
        /// bytes, so a small hostile file could otherwise claim a megabyte name a million times.
        public var maxNameBytesPerFile: Int

        public init(maxTensors: Int = 1 << 20, maxElementsPerTensor: Int = 1 << 32, maxMetadataEntries: Int = 1 << 16,
                    maxDecodedBytesPerTensor: Int = defaultMaxDecodedBytesPerTensor,
                    maxDecodedBytesPerFile: Int = defaultMaxDecodedBytesPerFile, maxNameBytesPerFile: Int = 16 << 20) {
            self.maxNameBytesPerFile = maxNameBytesPerFile
            self.maxTensors = maxTensors
            self.maxElementsPerTensor = maxElementsPerTensor
            self.maxMetadataEntries = maxMetadataEntries
            self.maxDecodedBytesPerTensor = maxDecodedBytesPerTensor
            self.maxDecodedBytesPerFile = maxDecodedBytesPerFile
        }

        /// The standard limits with both decoded-size limits set to `maxDecodedBytes` (what
        /// `--max-decoded-bytes` sets).
        public init(maxDecodedBytes: Int) {
            self.init(maxDecodedBytesPerTensor: maxDecodedBytes, maxDecodedBytesPerFile: maxDecodedBytes)
        }

        public static let standard = Limits()

        /// The most elements one tensor may decode to.
        var maxDecodedElementsPerTensor: Int {
            min(maxElementsPerTensor, max(0, maxDecodedBytesPerTensor) / Self.decodedBytesPerElement)
        }
    }

    public var metadata: [String: String]
    public var tensors: [SBWTensor]
    /// How the names are written (and, for a parsed file, were read).
    public var nameCoding: NameCoding

    public init(metadata: [String: String] = [:], tensors: [SBWTensor] = [], nameCoding: NameCoding = .plain) {
        self.metadata = metadata
        self.tensors = tensors
        self.nameCoding = nameCoding
    }

    /// The tensor called `name`, if any.
    public subscript(name: String) -> SBWTensor? { tensors.first { $0.name == name } }

    static func checkBins(_ bins: Int) throws {
        guard BinCount.isValid(bins) else {
            throw EntropyCodingError.invalidParameter("bins \(bins) must be odd and in 1…\(BinCount.maximum) (N = 2K + 1)")
        }
    }

    // MARK: Writing

    public func serialized() -> [UInt8] {
        var out = Self.magic
        out.append(UInt8(nameCoding.rawValue & 0xFF))
        out.append(UInt8(nameCoding.rawValue >> 8))
        Self.appendVarint(metadata.count, to: &out)
        for key in metadata.keys.sorted() {
            Self.appendString(key, to: &out)
            Self.appendString(metadata[key]!, to: &out)
        }
        Self.appendVarint(tensors.count, to: &out)
        var previous: String?
        for tensor in tensors {
            Self.appendRecord(tensor, previousName: nameCoding.base(after: previous), to: &out)
            previous = tensor.name
        }
        Self.appendUInt32(CRC32C.checksum(out), to: &out)
        return out
    }

    /// Appends one record (length, body, CRC); `previousName` is `nil` for a plain name, else the
    /// name front coding shares bytes with (`""` for the first record).
    static func appendRecord(_ tensor: SBWTensor, previousName: String? = nil, to out: inout [UInt8]) {
        var body = [UInt8]()
        appendName(tensor.name, previous: previousName, to: &body)
        appendVarint(tensor.shape.count, to: &body)
        for d in tensor.shape { appendVarint(d, to: &body) }
        switch tensor.payload {
        case .quantized(let q):
            body.append(q.dependentQuantization != nil ? 3 : q.channelSteps != nil ? 5 : q.splitLevels != nil ? 6 : 0)
            appendUInt32(q.step.bitPattern, to: &body)
            appendVarint(q.bins, to: &body)
            if let machine = q.dependentQuantization { body.append(machine.rawValue) }
            if let split = q.splitLevels {
                body.append(UInt8(split.fineBits))
                body.append(contentsOf: split.packed())
            }
            if let steps = q.channelSteps {
                appendVarint(steps.channelCount, to: &body)
                body.append(contentsOf: steps.codes)
            }
            body.append(q.coded.kind.tag)
            body.append(contentsOf: q.coded.serialized())
        case .float32(let values):
            body.append(1)
            body.reserveCapacity(body.count + values.count * 4)
            for v in values { appendUInt32(v.bitPattern, to: &body) }
        case .float16(let values):
            body.append(2)
            for v in values { body.append(UInt8(v & 0xFF)); body.append(UInt8(v >> 8)) }
        case .affine8(let a):
            body.append(4)
            appendUInt32(a.offset.bitPattern, to: &body)
            appendUInt32(a.step.bitPattern, to: &body)
            body.append(contentsOf: a.codes)
        }
        appendVarint(body.count, to: &out)
        out.append(contentsOf: body)
        appendUInt32(CRC32C.checksum(body), to: &out)
    }

    static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var v = UInt64(value)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// A record's name field: plain (`previous == nil`) or front coded against `previous`.
    static func appendName(_ name: String, previous: String?, to out: inout [UInt8]) {
        guard let previous else { return appendString(name, to: &out) }
        let shared = zip(name.utf8, previous.utf8).prefix { $0 == $1 }.count
        appendVarint(shared, to: &out)
        let rest = Array(name.utf8.dropFirst(shared))
        appendVarint(rest.count, to: &out)
        out.append(contentsOf: rest)
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        let utf8 = Array(s.utf8)
        appendVarint(utf8.count, to: &out)
        out.append(contentsOf: utf8)
    }

    static func appendUInt32(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(v & 0xFF)); out.append(UInt8((v >> 8) & 0xFF))
        out.append(UInt8((v >> 16) & 0xFF)); out.append(UInt8(v >> 24))
    }

    // MARK: Reading

    /// Parses and validates an `.sbw` byte string (see the type's documentation).
    public init(bytes: [UInt8], limits: Limits = .standard) throws {
        guard bytes.count >= Self.magic.count + 2 + 4, Array(bytes[0..<4]) == Self.magic else {
            throw EntropyCodingError.corrupt("not an .sbw file (missing the \"SBW\" magic bytes); encode one with `subbit encode`")
        }
        let version = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard let nameCoding = NameCoding(rawValue: version) else {
            throw EntropyCodingError.corrupt(".sbw version \(version) is not supported (this build reads versions \(NameCoding.plain.rawValue) and \(NameCoding.frontCoded.rawValue); the file may come from a newer SubBit)")
        }
        let body = bytes.count - 4
        let storedCRC = Self.readUInt32(bytes, at: body)
        guard CRC32C.checksum(bytes[0..<body]) == storedCRC else {
            throw EntropyCodingError.corrupt(".sbw file checksum mismatch: the file is damaged or truncated")
        }
        var cursor = ByteCursor(bytes: bytes, end: body)
        cursor.position = 6
        let metadataCount = try cursor.readVarint("metadata count")
        guard metadataCount <= limits.maxMetadataEntries, metadataCount <= cursor.remaining / 2 else {
            throw EntropyCodingError.corrupt("metadata count \(metadataCount) is implausible for the file size")
        }
        var metadata = [String: String]()
        for _ in 0..<metadataCount {
            let key = try cursor.readString("metadata key")
            metadata[key] = try cursor.readString("metadata value")
        }
        let tensorCount = try cursor.readVarint("tensor count")
        guard tensorCount <= limits.maxTensors, tensorCount <= cursor.remaining / 5 else {
            throw EntropyCodingError.corrupt("tensor count \(tensorCount) is implausible for the file size")
        }
        var tensors = [SBWTensor]()
        var decodedBytes = 0
        var nameBytes = 0
        for index in 0..<tensorCount {
            let length = try cursor.readVarint("record length of tensor \(index)")
            guard length <= cursor.remaining - 4 else {
                throw EntropyCodingError.truncated("record of tensor \(index) needs \(length) bytes but \(max(0, cursor.remaining - 4)) remain")
            }
            let start = cursor.position
            let record = Array(bytes[start..<(start + length)])
            cursor.position += length
            let crc = try cursor.readUInt32("record CRC of tensor \(index)")
            guard CRC32C.checksum(record) == crc else {
                throw EntropyCodingError.corrupt("tensor \(index) fails its CRC-32C check")
            }
            let tensor = try Self.parseRecord(record, index: index, previousName: nameCoding.base(after: tensors.last?.name),
                                              limits: limits)
            if nameCoding == .frontCoded {
                nameBytes += tensor.name.utf8.count
                guard nameBytes <= limits.maxNameBytesPerFile else {
                    throw EntropyCodingError.limitExceeded("the front-coded names up to tensor \(index) add up to \(nameBytes) bytes, over the \(limits.maxNameBytesPerFile)-byte limit per file; the file is damaged or hostile")
                }
            }
            decodedBytes += tensor.elementCount * Limits.decodedBytesPerElement
            guard decodedBytes <= limits.maxDecodedBytesPerFile else {
                throw EntropyCodingError.limitExceeded("the tensors up to \(SBWFile.quoted(tensor.name)) decode to \(decodedBytes) bytes, "
                    + "over the \(limits.maxDecodedBytesPerFile)-byte limit per file; if the file is trusted, raise it with --max-decoded-bytes")
            }
            tensors.append(tensor)
        }
        guard cursor.remaining == 0 else {
            throw EntropyCodingError.corrupt(".sbw file has \(cursor.remaining) unexpected bytes after its last tensor")
        }
        self.metadata = metadata
        self.tensors = tensors
        self.nameCoding = nameCoding
    }

    /// Parses one record; `previousName` is `nil` in a version 1 file, else the name of the record
    /// before (`""` for the first) that this record's front-coded name continues.
    static func parseRecord(_ record: [UInt8], index: Int, previousName: String? = nil, limits: Limits) throws -> SBWTensor {
        var cursor = ByteCursor(bytes: record, end: record.count)
        let name = try previousName.map { try cursor.readFrontCodedName(previous: $0, index: index) }
            ?? cursor.readString("name of tensor \(index)")
        let shown = quoted(name)
        let rank = try cursor.readVarint("rank of tensor \(shown)")
        guard rank <= maxRank else { throw EntropyCodingError.corrupt("tensor \(shown) has rank \(rank) (at most \(maxRank))") }
        var shape = [Int]()
        var elements = 1
        for _ in 0..<rank {
            let d = try cursor.readVarint("dimension of tensor \(shown)")
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, product <= limits.maxElementsPerTensor, d <= limits.maxElementsPerTensor else {
                throw EntropyCodingError.corrupt("tensor \(shown) has more than \(limits.maxElementsPerTensor) elements")
            }
            elements = product
            shape.append(d)
        }
        guard elements <= limits.maxDecodedElementsPerTensor else {
            throw EntropyCodingError.limitExceeded("tensor \(shown) claims \(elements) elements (\(elements.multipliedReportingOverflow(by: Limits.decodedBytesPerElement).partialValue) decoded bytes), "
                + "over the \(limits.maxDecodedBytesPerTensor)-byte limit per tensor; if the file is trusted, raise it with --max-decoded-bytes")
        }
        let kind = try cursor.readByte("kind of tensor \(shown)")
        let rest = { Array(record[cursor.position...]) }
        switch kind {
        case 0, 3, 5, 6:
            let step = Float(bitPattern: try cursor.readUInt32("step of tensor \(shown)"))
            let bins = try cursor.readVarint("bins of tensor \(shown)")
            var split: SplitLevels?
            if kind == 6 {
                let s = Int(try cursor.readByte("fine bits of tensor \(shown)"))
                if let problem = SplitLevels.check(bins: bins, fineBits: s) {
                    throw EntropyCodingError.corrupt("tensor \(shown): \(problem)")
                }
                guard step.isFinite, step > 0, (Float(bins - 1) * step).isFinite else {
                    throw EntropyCodingError.corrupt("tensor \(shown): split levels need a positive finite step whose largest multiple is finite, the record has step \(step)")
                }
                let bytes = SplitLevels.packedByteCount(count: elements, fineBits: s)
                guard bytes <= cursor.remaining else {
                    throw EntropyCodingError.truncated("tensor \(shown): \(bytes) bytes of fine bits lie past the end of the record")
                }
                do {
                    split = try SplitLevels(packed: record[cursor.position..<(cursor.position + bytes)], count: elements, fineBits: s)
                } catch let error as EntropyCodingError {
                    throw error.prefixed("tensor \(shown)")
                }
                cursor.position += bytes
            } else if !BinCount.isValid(bins) {
                throw EntropyCodingError.corrupt("tensor \(shown) has \(bins) bins (must be odd, 1…\(BinCount.maximum))")
            }
            var machine: DQStateMachine?
            if kind == 3 {
                let states = try cursor.readByte("dependent-quantization state machine of tensor \(shown)")
                guard let m = DQStateMachine(rawValue: states) else {
                    throw EntropyCodingError.corrupt("tensor \(shown): dependent quantization with \(states) states is not supported (this build knows \(DQStateMachine.allCases.map { "\($0.stateCount)" }.joined(separator: " and ")))")
                }
                if let problem = SBWQuantizedTensor.checkDependentQuantization(step: step, bins: bins) {
                    throw EntropyCodingError.corrupt("tensor \(shown): \(problem)")
                }
                machine = m
            }
            var channelSteps: ChannelSteps?
            if kind == 5 {
                let channels = try cursor.readVarint("per-channel step count of tensor \(shown)")
                guard rank >= 1, channels == shape[0] else {
                    throw EntropyCodingError.corrupt("tensor \(shown): \(channels) per-channel steps for shape \(shape) (one per entry of dimension 0)")
                }
                guard channels <= cursor.remaining else {
                    throw EntropyCodingError.truncated("tensor \(shown): \(channels) per-channel step codes lie past the end of the record")
                }
                let codes = Array(record[cursor.position..<(cursor.position + channels)])
                cursor.position += channels
                if let problem = ChannelSteps.check(base: step, codes: codes, bins: bins) {
                    throw EntropyCodingError.corrupt("tensor \(shown): \(problem)")
                }
                channelSteps = try ChannelSteps(base: step, codes: codes)
            }
            let tag = try cursor.readByte("codec of tensor \(shown)")
            guard let codec = CodecKind(tag: tag) else { throw EntropyCodingError.corrupt("tensor \(shown) has unknown codec tag \(tag)") }
            let coded: CodedSymbols
            do {
                coded = try CodedSymbols(kind: codec, serialized: rest(), maxSymbolCount: max(elements, 0))
            } catch let error as EntropyCodingError {
                throw error.prefixed("tensor \(shown)")
            }
            let alphabet = split.map { SplitLevels.coarseBins(bins: bins, fineBits: $0.fineBits) } ?? bins
            guard coded.symbolCount == elements, coded.alphabetSize == alphabet else {
                throw EntropyCodingError.corrupt("tensor \(shown): coded stream has \(coded.symbolCount) symbols of \(coded.alphabetSize), shape and bins say \(elements) of \(alphabet)")
            }
            return try SBWTensor(name: name, shape: shape, payload: .quantized(
                SBWQuantizedTensor(step: step, bins: bins, coded: coded, dependentQuantization: machine, channelSteps: channelSteps,
                                   splitLevels: split)))
        case 1, 2:
            let width = kind == 1 ? 4 : 2
            guard cursor.remaining == elements * width else {
                throw EntropyCodingError.corrupt("tensor \(shown): \(cursor.remaining) data bytes for \(elements) values of \(width) bytes")
            }
            let data = rest()
            if kind == 1 {
                let values = (0..<elements).map { Float(bitPattern: readUInt32(data, at: 4 * $0)) }
                return try SBWTensor(name: name, shape: shape, payload: .float32(values))
            }
            let values = (0..<elements).map { UInt16(data[2 * $0]) | UInt16(data[2 * $0 + 1]) << 8 }
            return try SBWTensor(name: name, shape: shape, payload: .float16(values))
        case 4:
            let offset = Float(bitPattern: try cursor.readUInt32("offset of tensor \(shown)"))
            let step = Float(bitPattern: try cursor.readUInt32("step of tensor \(shown)"))
            if let problem = SBWAffine8.check(offset: offset, step: step) {
                throw EntropyCodingError.corrupt("tensor \(shown): \(problem)")
            }
            guard cursor.remaining == elements else {
                throw EntropyCodingError.corrupt("tensor \(shown): \(cursor.remaining) code bytes for \(elements) 8-bit values")
            }
            return try SBWTensor(name: name, shape: shape, payload: .affine8(SBWAffine8(offset: offset, step: step, codes: rest())))
        default:
            throw EntropyCodingError.corrupt("tensor \(shown) has unknown kind \(kind) (this build reads kinds 0…6; the file may come from a newer SubBit)")
        }
    }

    static func readUInt32(_ bytes: [UInt8], at i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }

    /// A bounds-checked reader of the byte-level fields.
    struct ByteCursor {
        let bytes: [UInt8]
        let end: Int
        var position = 0

        init(bytes: [UInt8], end: Int) {
            self.bytes = bytes
            self.end = end
        }

        var remaining: Int { end - position }

        mutating func readByte(_ what: String) throws -> UInt8 {
            guard position < end else { throw EntropyCodingError.truncated("\(what) lies past the end of the data") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func readUInt32(_ what: String) throws -> UInt32 {
            guard remaining >= 4 else { throw EntropyCodingError.truncated("\(what) lies past the end of the data") }
            defer { position += 4 }
            return SBWFile.readUInt32(bytes, at: position)
        }

        mutating func readVarint(_ what: String) throws -> Int {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try readByte(what)
                guard shift < 63 else { throw EntropyCodingError.corrupt("\(what) is an over-long varint") }
                value |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
            }
            guard value <= UInt64(Int.max >> 2) else { throw EntropyCodingError.corrupt("\(what) is out of range") }
            return Int(value)
        }

        /// A front-coded name: the bytes it shares with `previous`, then the rest.
        mutating func readFrontCodedName(previous: String, index: Int) throws -> String {
            let shared = try readVarint("shared name prefix of tensor \(index)")
            let before = previous.utf8.count
            guard shared <= before else {
                throw EntropyCodingError.corrupt("tensor \(index)'s name shares \(shared) bytes with the previous name, which has \(before)")
            }
            let length = try readVarint("name of tensor \(index) length")
            guard length <= remaining else { throw EntropyCodingError.truncated("name of tensor \(index) of \(length) bytes lies past the end of the data") }
            defer { position += length }
            let raw = Array(previous.utf8.prefix(shared)) + bytes[position..<(position + length)]
            let s = String(decoding: raw, as: UTF8.self)
            guard s.utf8.elementsEqual(raw) else { throw EntropyCodingError.corrupt("name of tensor \(index) is not valid UTF-8") }
            return s
        }

        mutating func readString(_ what: String) throws -> String {
            let length = try readVarint("\(what) length")
            guard length <= remaining else { throw EntropyCodingError.truncated("\(what) of \(length) bytes lies past the end of the data") }
            defer { position += length }
            let raw = bytes[position..<(position + length)]
            let s = String(decoding: raw, as: UTF8.self)
            guard s.utf8.elementsEqual(raw) else { throw EntropyCodingError.corrupt("\(what) is not valid UTF-8") }
            return s
        }
    }
}

#if canImport(Foundation)
extension SBWFile {
    /// Reads and parses the file at `url`.
    /// - Throws: a clear error if the file is missing or unreadable, or any parsing error.
    public init(contentsOf url: URL, limits: Limits = .standard) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EntropyCodingError.invalidParameter("cannot read \(url.path): the file does not exist or is unreadable")
        }
        try self.init(bytes: [UInt8](data), limits: limits)
    }

    /// Writes the file atomically (to a temporary file beside it, then renamed into place), so a
    /// failure never leaves a half-written `.sbw`.
    public func write(to url: URL) throws {
        try Data(serialized()).write(to: url, options: .atomic)
    }
}
#endif
