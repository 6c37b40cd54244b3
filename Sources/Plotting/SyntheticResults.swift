import Foundation
import SeededRandom

/// A seeded generator of plausible results CSVs, for tests and for `subbit bench plot`.
///
/// It models a sweep without training anything: each layer's weights follow a discretized
/// Laplace distribution over its bins whose spread shrinks as λ grows (the entropy term piling
/// weights into the zero bin), the entropy and the Huffman size are computed exactly from those
/// probabilities, tANS pays a table-size-dependent overhead plus its header, accuracy falls as
/// the entropy falls, and the decoder numbers follow a simple lanes × table-size area model.
/// The numbers are shaped like real ones but are NOT results: never put them in a report.
///
/// ```swift
/// var sweep = SyntheticResults()
/// sweep.lambdas = [0, 0.01, 0.1]
/// try sweep.write(to: resultsFolder)   // runs.csv and layers.csv
/// ```
public struct SyntheticResults: Sendable {
    /// One weight tensor of the synthetic model.
    public struct Layer: Sendable {
        public var name: String
        public var shape: [Int]
        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }
        public var params: Int { shape.reduce(1, *) }
    }

    public var experiment = "synthetic"
    public var dataset = "fashion-mnist"
    public var model = "lenet5"
    public var layers: [Layer] = [
        Layer(name: "conv1.weight", shape: [6, 1, 5, 5]),
        Layer(name: "conv2.weight", shape: [16, 6, 5, 5]),
        Layer(name: "fc1.weight", shape: [120, 256]),
        Layer(name: "fc2.weight", shape: [84, 120]),
        Layer(name: "fc3.weight", shape: [10, 84]),
    ]
    public var lambdas: [Double] = [0, 0.01, 0.1]
    /// `learned`, or `fixed-N` for N bins in every layer.
    public var binPolicies = ["learned", "fixed-3", "fixed-15"]
    public var seeds = [0]
    public var tableLogs = [8, 11]
    public var lanes = [1, 4, 16]
    public var portBits = 64
    public var computeWeightsPerCycle = 4
    /// Seed of the noise added to accuracies and spreads.
    var noiseSeed: UInt64 = 0x5B_B17

    public init() {}

    /// A 500-point sweep (5 λ × 5 bin policies × 4 table logs × 5 lane counts), the size
    /// `subbit bench plot` renders.
    public static var benchmark: SyntheticResults {
        var s = SyntheticResults()
        s.experiment = "bench-plot"
        s.lambdas = [0, 0.001, 0.01, 0.1, 1]
        s.binPolicies = ["learned", "fixed-3", "fixed-5", "fixed-15", "fixed-255"]
        s.tableLogs = [6, 8, 10, 12]
        s.lanes = [1, 2, 4, 8, 16]
        return s
    }

    /// The number of `runs.csv` rows.
    public var pointCount: Int {
        lambdas.count * binPolicies.count * seeds.count * tableLogs.count * lanes.count
    }

    /// Writes `runs.csv` and `layers.csv` into `directory` (created if needed).
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (runs, layerRows) = tables()
        try runs.write(to: directory.appendingPathComponent(ResultsSchema.Runs.fileName))
        try layerRows.write(to: directory.appendingPathComponent(ResultsSchema.Layers.fileName))
    }

    /// The two tables, following ``ResultsSchema``.
    public func tables() -> (runs: CSVTable, layers: CSVTable) {
        var rng = SplitMix64(seed: noiseSeed)
        var runRows: [[String]] = []
        var layerRows: [[String]] = []
        let totalParams = layers.reduce(0) { $0 + $1.params }
        for seed in seeds {
            let floatTop1 = 91.2 + 0.3 * rng.nextSigned()
            for policy in binPolicies {
                for lambda in lambdas {
                    let trained = trainedLayers(policy: policy, lambda: lambda, rng: &rng)
                    let entropyPerWeight = trained.reduce(0) { $0 + $1.entropy * Double($1.params) } / Double(totalParams)
                    let fixedBits = trained.reduce(0) { $0 + $1.fixedBits }
                    let huffmanBits = trained.reduce(0) { $0 + $1.huffmanBits }
                    // Fewer bits of information in the weights cost accuracy; coarse fixed
                    // policies cost a little more at the same entropy.
                    let coarse = policy == "fixed-3" ? 1.35 : 1.0
                    let drop = 0.2 + 10 * Foundation.exp(-5 * entropyPerWeight) * coarse + 0.12 * abs(rng.nextSigned())
                    let top1 = floatTop1 - drop
                    let trainSeconds = 40 + 20 * rng.nextUnit()
                    for tableLog in tableLogs {
                        for laneCount in lanes {
                            let id = String(format: "p%04d", runRows.count)
                            let coded = trained.map { codedBits($0, tableLog: tableLog, lanes: laneCount) }
                            let codedTotal = coded.reduce(0, +)
                            let hw = decoderCost(trained: trained, codedBits: coded, fixedBits: fixedBits,
                                                 tableLog: tableLog, lanes: laneCount)
                            let bytes = (codedTotal / 8).rounded(.up) + 96
                            runRows.append([
                                id, experiment, dataset, model, String(seed), "\(lambda)", policy,
                                ResultsSchema.Codec.tans, String(tableLog), String(laneCount), String(portBits),
                                String(totalParams), fmt(floatTop1), fmt(top1), fmt(top1),
                                fmt(entropyPerWeight), fmt(codedTotal / Double(totalParams)),
                                fmt(fixedBits / Double(totalParams)), fmt(huffmanBits / Double(totalParams)),
                                fmt(bytes), fmt(4 * Double(totalParams) / bytes), fmt(hw.area), fmt(hw.energy),
                                fmt(hw.cycles), fmt(hw.throughput), String(computeWeightsPerCycle),
                                hw.keepsUp ? "1" : "0", fmt(hw.netSaved), fmt(trainSeconds),
                            ])
                            for (l, layer) in trained.enumerated() {
                                layerRows.append([
                                    id, experiment, dataset, model, String(seed), "\(lambda)", policy,
                                    ResultsSchema.Codec.tans, String(tableLog), String(laneCount), String(l),
                                    layer.name, layer.shape.map(String.init).joined(separator: "x"),
                                    String(layer.params), String(layer.bins), fmt(layer.step),
                                    fmt(layer.entropy * Double(layer.params)), fmt(coded[l]),
                                    fmt(layer.fixedBits), fmt(layer.huffmanBits),
                                ])
                            }
                        }
                    }
                }
            }
        }
        // The columns up to `train_seconds`, which the rows above fill.
        let runColumns = Array(ResultsSchema.Runs.columns.prefix { $0 != ResultsSchema.Runs.bitsPerParamFile })
        return (CSVTable(header: runColumns, rows: runRows, source: ResultsSchema.Runs.fileName),
                CSVTable(header: ResultsSchema.Layers.columns, rows: layerRows, source: ResultsSchema.Layers.fileName))
    }

    // MARK: - The model behind the numbers

    struct TrainedLayer {
        var name: String
        var shape: [Int]
        var params: Int
        var bins: Int
        var step: Double
        var entropy: Double
        var fixedBits: Double
        var huffmanBits: Double
    }

    func trainedLayers(policy: String, lambda: Double, rng: inout SplitMix64) -> [TrainedLayer] {
        layers.map { layer in
            let n = layer.params
            let bins: Int
            if policy.hasPrefix("fixed-"), let fixed = Int(policy.dropFirst(6)) {
                bins = fixed
            } else {
                // Learned precision: larger layers and larger λ end with fewer bins.
                // It keeps at least 3 bins: pruning a whole layer would break the network.
                let k = 3.2 - 2 * Foundation.sqrt(lambda) - 0.35 * Foundation.log2(Double(n) / 1000) + 0.4 * rng.nextSigned()
                bins = 2 * Int(min(127, max(1, k.rounded()))) + 1
            }
            let k = (bins - 1) / 2
            // Spread of the weights in steps: shrinks as λ grows.
            let spread = (0.45 * Double(k) + 0.25) / (1 + 10 * lambda) * (1 + 0.1 * rng.nextSigned())
            var p = (-k...k).map { Foundation.exp(-Double(abs($0)) / max(spread, 0.02)) }
            let total = p.reduce(0, +)
            p = p.map { $0 / total }
            let entropy = p.reduce(0) { $1 > 0 ? $0 - $1 * Foundation.log2($1) : $0 }
            let width = bins > 1 ? Int(Foundation.ceil(Foundation.log2(Double(bins)))) : 0
            return TrainedLayer(
                name: layer.name, shape: layer.shape, params: n, bins: bins,
                step: 0.08 / Double(max(k, 1)), entropy: entropy,
                fixedBits: Double(n * width),
                huffmanBits: Double(n) * SyntheticResults.huffmanLength(p))
        }
    }

    /// Payload with the tANS approximation loss of an L = 2^R table, plus the header
    /// (normalized counts and one final state per lane).
    func codedBits(_ layer: TrainedLayer, tableLog: Int, lanes: Int) -> Double {
        let L = Double(1 << tableLog)
        let payload = Double(layer.params) * (layer.entropy * 1.002 + 0.4 * Double(layer.bins) / L * 0.1)
        let header = Double(layer.bins * (tableLog + 1) + lanes * tableLog)
        return payload + header
    }

    struct DecoderCost {
        var area: Double, energy: Double, cycles: Double, throughput: Double
        var keepsUp: Bool, netSaved: Double
    }

    func decoderCost(trained: [TrainedLayer], codedBits: [Double], fixedBits: Double,
                     tableLog: Int, lanes: Int) -> DecoderCost {
        let L = Double(1 << tableLog)
        let entryBits = Double(8 + 4 + tableLog)
        let area = Double(lanes) * (L * entryBits * 0.35 + 900 + 45 * Double(tableLog)) + 2 * Double(portBits) * 5
        let energy = 0.12 + 0.0009 * Foundation.sqrt(L) + 0.02 * Double(tableLog)
        var cycles = 0.0
        for (layer, bits) in zip(trained, codedBits) {
            let load = L * entryBits / Double(portBits)
            let compute = (Double(layer.params) / Double(lanes)).rounded(.up)
            let memory = (bits / Double(portBits)).rounded(.up)
            cycles += load + max(compute, memory)
        }
        let params = Double(trained.reduce(0) { $0 + $1.params })
        let perCycle = params / cycles
        let saved = (fixedBits - codedBits.reduce(0, +)) * 0.3
        return DecoderCost(area: area, energy: energy, cycles: cycles, throughput: perCycle * 1e9,
                           keepsUp: perCycle >= Double(computeWeightsPerCycle), netSaved: saved - area)
    }

    /// Expected canonical-Huffman code length: the sum of the internal node weights of the
    /// Huffman tree (at least 1 bit per symbol when there are two or more symbols).
    static func huffmanLength(_ probabilities: [Double]) -> Double {
        var weights = probabilities.filter { $0 > 0 }.sorted()
        guard weights.count > 1 else { return 0 }
        var total = 0.0
        while weights.count > 1 {
            let merged = weights[0] + weights[1]
            weights.removeFirst(2)
            total += merged
            let at = weights.firstIndex(where: { $0 > merged }) ?? weights.count
            weights.insert(merged, at: at)
        }
        return max(1, total)
    }

    func fmt(_ x: Double) -> String { "\((x * 1e6).rounded() / 1e6)" }
}

extension SplitMix64 {
    /// Uniform in [-1, 1).
    mutating func nextSigned() -> Double { 2 * nextUnit() - 1 }
}
