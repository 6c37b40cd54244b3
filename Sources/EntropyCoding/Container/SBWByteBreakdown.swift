/// Where the bytes of an `.sbw` file go: coded weights (payload, and the tables and lane states
/// that decode it), kept tensors' raw values, tensor names, metadata, and the framing around them
/// (magic, version, counts, record lengths, shapes, kinds, steps, bin counts, codec tags, byte
/// padding of the coded streams, CRCs). The parts add up to the file exactly.
///
/// ```swift
/// let parts = SBWByteBreakdown(file)
/// parts.totalBits == file.serialized().count * 8                    // true
/// Double(parts.keptValueBits) / Double(parts.parameters)           // kept values, bits per parameter
/// ```
/// - Complexity: O(file size): each record is serialized once to measure it.
public struct SBWByteBreakdown: Sendable, Equatable, Hashable {
    /// Bits of the quantized tensors' coded payloads (``CodedSymbols/payloadBits``).
    public var weightPayloadBits = 0
    /// Bits of their codec headers: table descriptions, lane offsets and states, escape tables
    /// (``CodedSymbols/headerBits``).
    public var weightTableBits = 0
    /// Bits of the kept tensors' values: raw float32 / float16, or 8-bit codes with their
    /// offset and step (``SBWAffine8``).
    public var keptValueBits = 0
    /// Bits of the tensor names as stored: length prefix and UTF-8, or in a front-coded file the
    /// shared-prefix count, length prefix and the bytes not shared (``SBWFile/NameCoding``).
    public var nameBits = 0
    /// Bits of the metadata section (entry count, keys and values with their length prefixes).
    public var metadataBits = 0
    /// Everything else (see the type's documentation).
    public var framingBits = 0
    /// Per-channel step codes (record kind 5: channel count and one byte per channel).
    public var channelStepBits = 0
    /// How the file stores its names (the label of ``nameBits`` says it).
    public var nameCoding = SBWFile.NameCoding.plain
    /// The file's size in bits.
    public var totalBits = 0
    /// Elements of the file's tensors (quantized and kept; integer tensors carried in the
    /// metadata by the model codec are not counted).
    public var parameters = 0

    public init(_ file: SBWFile) {
        nameCoding = file.nameCoding
        var scratch = [UInt8]()
        SBWFile.appendVarint(file.metadata.count, to: &scratch)
        for (key, value) in file.metadata {
            SBWFile.appendString(key, to: &scratch)
            SBWFile.appendString(value, to: &scratch)
        }
        metadataBits = scratch.count * 8
        var recordBits = 0
        var previous: String?
        for tensor in file.tensors {
            parameters += tensor.elementCount
            let sharedWith = file.nameCoding.base(after: previous)
            scratch.removeAll(keepingCapacity: true)
            SBWFile.appendRecord(tensor, previousName: sharedWith, to: &scratch)
            recordBits += scratch.count * 8
            scratch.removeAll(keepingCapacity: true)
            SBWFile.appendName(tensor.name, previous: sharedWith, to: &scratch)
            nameBits += scratch.count * 8
            previous = tensor.name
            switch tensor.payload {
            case .quantized(let q):
                weightPayloadBits += q.coded.payloadBits
                weightTableBits += q.coded.headerBits
                channelStepBits += q.channelSteps?.storedBits ?? 0
            case .float32, .float16, .affine8:
                keptValueBits += tensor.codedBits
            }
        }
        scratch.removeAll(keepingCapacity: true)
        SBWFile.appendVarint(file.tensors.count, to: &scratch)
        // magic (4), version (2), metadata, tensor count, records, file CRC (4).
        totalBits = (4 + 2 + 4 + scratch.count) * 8 + metadataBits + recordBits
        framingBits = totalBits - weightPayloadBits - weightTableBits - keptValueBits - nameBits - metadataBits - channelStepBits
    }

    /// The parts in file-reading order with a label each: what `subbit inspect` prints.
    public var parts: [(label: String, bits: Int)] {
        [("coded weights: payload", weightPayloadBits),
         ("coded weights: tables, lane states", weightTableBits),
         ("kept tensors: values", keptValueBits),
         (nameCoding == .frontCoded ? "tensor names (front-coded)" : "tensor names", nameBits),
         ("metadata", metadataBits),
         ("framing: lengths, shapes, steps, CRCs, header", framingBits)]
            + (channelStepBits > 0 ? [("per-channel step codes", channelStepBits)] : [])
    }
}
