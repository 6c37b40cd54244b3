/// The per-layer view of one sweep point (chosen by ``OperatingPointSelection``), shared by the
/// `layer-memory` and `bins-per-layer` plots.
struct LayerView {
    var description: String
    var names: [String]
    var params: [Double]
    var bins: [Double]
    var fixedWidthBits: [Double]
    var codedBits: [Double]

    var count: Int { names.count }

    init(_ results: ResultsSet, point: String?) throws {
        let layers = try results.layers()
        // Chosen on means over seeds (unless a point is requested by id); its first seed's layers are shown.
        let runs = point == nil ? try SeedSummary.means(try results.runs()) : try results.runs()
        let L = ResultsSchema.Layers.self
        let layerPoint = try layers.strings(L.pointID)
        let chosen = try OperatingPointSelection.select(runs: runs, layerPoints: Set(layerPoint), requested: point,
                                               degenerate: Set(try OperatingPointSelection.degeneratePoints(runs: results.runs(), layers: layers).keys))
        let id = try chosen.map { try runs.strings(ResultsSchema.Runs.pointID)[$0] }
        description = chosen.map { OperatingPointSelection.describe(runs: runs, row: $0) }
            ?? "no point of \(ResultsSchema.Runs.fileName) has rows in \(ResultsSchema.Layers.fileName)"

        let names = try layers.strings(L.layer)
        let params = try layers.doubles(L.params)
        let bins = try layers.doubles(L.bins)
        let fixed = try layers.doubles(L.fixedWidthBits)
        let coded = try layers.doubles(L.codedBits)
        var rows = layerPoint.indices.filter { id != nil && layerPoint[$0] == id }
        if layers.hasColumn(L.layerIndex) {
            // A missing index sorts last (NaN would make the ordering inconsistent).
            let order = try layers.doubles(L.layerIndex).map { $0.isNaN ? Double.infinity : $0 }
            rows.sort { (order[$0], $0) < (order[$1], $1) }
        }
        self.names = rows.map { names[$0] }
        self.params = rows.map { params[$0] }
        self.bins = rows.map { bins[$0] }
        fixedWidthBits = rows.map { fixed[$0] }
        codedBits = rows.map { coded[$0] }
    }

    /// Layer names as tick labels: a suffix every name shares (`.weight`) is dropped, and
    /// long names keep their (more specific) tail.
    var tickNames: [String] {
        let suffix = ".weight"
        let dropSuffix = !names.isEmpty && names.allSatisfy { $0.hasSuffix(suffix) && $0.count > suffix.count }
        return names.map { full in
            let name = dropSuffix ? String(full.dropLast(suffix.count)) : full
            return name.count > LayerView.maxNameLength ? "…" + String(name.suffix(LayerView.maxNameLength - 1)) : name
        }
    }

    static let maxNameLength = 20
    /// At most this many layer names are written under the axis; more would overlap.
    static let maxTicks = 40
    /// Beyond this many layers the names stand upright (90°): at 45° the first ones would run
    /// off the left edge and neighbours would overlap.
    static let maxSlantedTicks = 12
    /// Horizontal room one character of a 45°-slanted 9-pt tick label takes in the PNGs,
    /// measured, with some slack.
    static let characterPixels = 8.5

    /// Every `tickStride`-th layer gets its name under the axis.
    var tickStride: Int { max(1, (count + LayerView.maxTicks - 1) / LayerView.maxTicks) }

    var tickRotation: Int { count > LayerView.maxSlantedTicks ? 90 : 45 }

    var longestTick: Double { Double(tickNames.map(\.count).max() ?? 0) }

    /// Height (screen fraction of a canvas `height` pixels high) the rotated names need,
    /// plus the tics and the axis title.
    func labelMargin(height: Int) -> Double {
        // Upright names measure about 6.5 px per character; slanted ones come out taller than
        // their 45° projection, so they use the larger measured figure.
        let perCharacter = tickRotation == 90 ? 6.5 : LayerView.characterPixels * 0.72
        let pixels = longestTick * perCharacter + 50
        return min(0.45, max(0.13, pixels / Double(height)))
    }

    /// Left margin (screen fraction) so the first slanted name stays on the canvas.
    func leftMargin(width: Int, minimum: Double) -> Double {
        guard tickRotation == 45 else { return minimum }
        return max(minimum, (longestTick * LayerView.characterPixels * 0.72 - 20) / Double(width))
    }

    /// The axis title under the names, placed on the canvas bottom: gnuplot positions an
    /// `xlabel` from its own (larger) estimate of rotated tick labels, which can push it off
    /// the canvas. `left` and `right` are the panel's screen margins.
    func axisTitle(left: Double, right: Double) -> String {
        "unset xlabel\nset label 20 \"layer\" at screen \(gnuplotNumber((left + right) / 2)), screen 0.02 center\n"
    }

    /// The `set xtics` options for the layer names.
    var tickOptions: String { "rotate by \(tickRotation) right font small" }

    /// The `using` column that writes the name of every `tickStride`-th layer (column 1 holds
    /// the layer position, column 2 the name).
    var xticColumn: String {
        tickStride == 1 ? "xtic(2)" : "xtic(int($1) % \(tickStride) == 0 ? strcol(2) : \"\")"
    }

    /// The x range: one slot per layer.
    var xRangeCommand: String {
        "set xrange [-0.6:\(gnuplotNumber(Double(max(count, 1)) - 0.4))]\n"
    }
}

/// Total of the finite values.
func finiteSum(_ values: [Double]) -> Double { values.filter(\.isFinite).reduce(0, +) }
