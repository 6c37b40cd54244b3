import ArgumentParser
import EntropyCoding
import Foundation

/// `subbit inspect`: a table of the tensors of an `.sbw` file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the tensors of an .sbw file: symbols, bins, step, entropy, coded bits per symbol, overhead, lanes, bytes.")

    @Argument(help: "The .sbw file.")
    var file: String

    @OptionGroup var decodeLimits: DecodeLimitOptions

    func run() throws {
        let sbw = try readSBW(path: file, limits: decodeLimits.limits)
        let metadata = sbw.metadata.keys.sorted().map { "\($0)=\(sbw.metadata[$0]!)" }.joined(separator: " ")
        print("\(file): \(sbw.tensors.count) tensor\(sbw.tensors.count == 1 ? "" : "s"), \(sbw.serialized().count) bytes\(metadata.isEmpty ? "" : "; \(metadata)")")
        print("coded b/s: the codec stream (table description + lane states + payload) per symbol, without the record framing; bytes: the whole record (name, shape, step, codec header, payload, CRC); step: Δ of the dequantizer (level × Δ), or per-channel steps as smallest…largest/channels; '+s fine': more than 255 bins, each level's s low bits stored raw beside the coded coarse symbols (counted in coded b/s; entropy is the whole levels')")
        let columns = ["tensor", "shape", "symbols", "bins", "step", "codec", "entropy", "coded b/s", "overhead %", "lanes", "bytes"]
        var rows: [[String]] = []
        var forms: [(name: String, symbols: [UInt8], bins: Int, stored: String, lanes: Int, layout: TANSLayout)] = []
        for tensor in sbw.tensors {
            let shape = tensor.shape.map(String.init).joined(separator: "x")
            let bytes = "\(tensor.storedBits / 8)"
            switch tensor.payload {
            case .quantized(let q):
                let symbols: [UInt8]
                do { symbols = try q.symbols() } catch let error as EntropyCodingError {
                    throw CommandFailure("\(file): tensor \(tensor.name): \(error.description)")
                }
                // Split levels: the entropy of the whole levels; coded bits include the raw fine bits.
                let entropy: Double
                if q.splitLevels != nil {
                    let indices: [UInt16]
                    do { indices = try q.indices() } catch let error as EntropyCodingError {
                        throw CommandFailure("\(file): tensor \(tensor.name): \(error.description)")
                    }
                    var counts = [Int](repeating: 0, count: q.bins)
                    for u in indices { counts[Int(u)] += 1 }
                    entropy = SymbolStatistics.entropy(histogram: counts)
                } else {
                    entropy = SymbolStatistics.entropy(histogram: try SymbolStatistics.histogram(symbols, alphabetSize: q.bins))
                }
                let n = Double(max(1, symbols.count))
                let coded = Double(q.coded.totalBits + q.fineBitCount) / n
                let overhead = entropy > 0 ? String(format: "%.3f", 100 * (coded - entropy) / entropy) : "-"
                var codec = q.coded.kind.rawValue
                var lanes = "-"
                if case .tans(let t) = q.coded {
                    codec += t.counts.map { _ in " R=\(t.tableLog)\(t.escape != nil ? "+esc" : "")" } ?? " (constant)"
                    lanes = t.counts == nil ? "-" : "\(t.lanes) \(t.layout.rawValue)"
                }
                var step = String(format: "%.6g", q.step)
                if let channelSteps = q.channelSteps {
                    let steps = channelSteps.steps
                    step = String(format: "%.4g…%.4g/%dch", steps.min()!, steps.max()!, steps.count)
                }
                switch q.coded {
                case .tans(let t) where t.counts != nil:
                    forms.append((tensor.name, symbols, q.coded.alphabetSize, "tANS R=\(t.tableLog)", t.lanes, t.layout))
                case .fixedWidth:
                    forms.append((tensor.name, symbols, q.coded.alphabetSize, "fixed", 1, .split))
                default: break
                }
                if let machine = q.dependentQuantization { codec += " dq \(machine.stateCount)-state" }
                if let split = q.splitLevels { codec += " +\(split.fineBits) fine" }
                rows.append([tensor.name, shape, "\(symbols.count)", "\(q.bins)", step, codec,
                             String(format: "%.4f", entropy),
                             String(format: "%.4f", coded), overhead, lanes, bytes])
            case .float32, .float16, .affine8:
                let kind: String
                switch tensor.payload {
                case .float32: kind = "float32"
                case .affine8: kind = "8-bit affine"
                default: kind = "float16"
                }
                rows.append([tensor.name, shape, "\(tensor.elementCount)", "-", "-", kind, "-", "-", "-", "-", bytes])
            }
        }
        let widths = columns.indices.map { i in max(columns[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            cells.indices.map { i in
                i == 0 || i == 5 || i == 9 ? cells[i].padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cells[i].count) + cells[i]
            }.joined(separator: "  ")
        }
        print(line(columns))
        for row in rows { print(line(row)) }
        try printStoredForms(forms)
        let parts = SBWByteBreakdown(sbw)
        let perParameter = Double(max(1, parts.parameters))
        print("file: \(parts.totalBits / 8) bytes, \(String(format: "%.4f", Double(parts.totalBits) / perParameter)) bits per parameter over the \(parts.parameters) elements of its tensors")
        let labelWidth = parts.parts.map(\.label.count).max() ?? 0
        for (label, bits) in parts.parts {
            let bytes = String(format: "%.1f", Double(bits) / 8)
            print("  " + label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
                + "  " + String(repeating: " ", count: max(0, 10 - bytes.count)) + bytes + " bytes"
                + String(format: "  %7.4f b/param  %5.1f %%", Double(bits) / perParameter, 100 * Double(bits) / Double(max(1, parts.totalBits))))
        }
    }

    /// When the quantized tensors are stored in more than one form (`--layer-form smallest`),
    /// each one's form and why: its exact coded bits against the other forms up to the file's
    /// largest table log (``StoredFormChoice``).
    func printStoredForms(_ forms: [(name: String, symbols: [UInt8], bins: Int, stored: String, lanes: Int, layout: TANSLayout)]) throws {
        guard Set(forms.map(\.stored)).count > 1 else { return }
        let largest = forms.compactMap { Int($0.stored.split(separator: "=").last ?? "") }.max() ?? TANSCodec.tableLogs.lowerBound
        let lanes = forms.first { $0.stored != "fixed" }?.lanes ?? 1
        let layout = forms.first { $0.stored != "fixed" }?.layout ?? .split
        print("stored forms (per tensor the smallest of tANS at R = 5…\(largest) and fixed-width, by exact coded bits; ≤ : the largest table log ties or wins):")
        let width = forms.map(\.name.count).max() ?? 0
        for form in forms {
            let choice = try StoredFormChoice(form.symbols, alphabetSize: form.bins, tableLog: largest, lanes: lanes, layout: layout)
            let note = choice.chosen.label == form.stored ? "" : " (stored as \(form.stored), not the smallest)"
            print("  " + form.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + choice.reason + note)
        }
    }
}
