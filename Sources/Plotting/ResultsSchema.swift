/// The results contract: the CSV files a sweep writes under `Results/<experiment>/` and the
/// plots read. Plotting defines it (the Orchestrator imports Plotting, never the reverse), so
/// the writer and the reader share one list of column names.
///
/// Every file is RFC 4180 CSV (comma separated, `"` quoting, `""` for a quote inside a quoted
/// field, CRLF or LF line ends) with one header row. Numbers are written in plain decimal or
/// exponent notation (`0.81`, `1.5e9`); an empty cell or `NaN` means "not measured". Booleans
/// are `1`/`0` (`true`/`false` are also read). Columns may come in any order and extra
/// columns are ignored, so the writer can add columns without breaking the plots.
///
/// ```swift
/// let runs = try CSVTable(contentsOf: dir.appendingPathComponent(ResultsSchema.Runs.fileName))
/// let bits = try runs.doubles(ResultsSchema.Runs.bitsPerWeightCoded)
/// ```
public enum ResultsSchema {
    /// `runs.csv`: one tidy row per sweep point (one trained or calibrated model, compressed
    /// with one codec configuration and costed with one decoder configuration).
    ///
    /// | column | type, unit | meaning |
    /// | --- | --- | --- |
    /// | `point_id` | string | unique id of the row; `layers.csv` rows refer to it |
    /// | `experiment` | string | experiment name (the spec file's stem) |
    /// | `dataset` | string | dataset name, e.g. `fashion-mnist` |
    /// | `model` | string | model name from the zoo, e.g. `lenet5` |
    /// | `seed` | integer | training seed |
    /// | `lambda` | dimensionless, ≥ 0 | weight λ of the entropy term in `CE + λ·R` |
    /// | `bin_policy` | string | `learned`, or a fixed policy such as `fixed-3` (all layers 3 bins) |
    /// | `codec` | string | `tans`, `rans`, `huffman` or `fixed` |
    /// | `table_log` | integer, log₂ entries | R, table size L = 2^R (tANS/rANS; empty otherwise) |
    /// | `lanes` | integer | P, parallel decoder lanes |
    /// | `port_bits` | bits per cycle | W, width of the weight-memory port feeding the lanes |
    /// | `params` | count | number of quantized weights in the model |
    /// | `top1_float` | percent, 0–100 | top-1 accuracy of the float baseline |
    /// | `top1_quantized` | percent, 0–100 | top-1 accuracy with fake-quantized weights |
    /// | `top1_decoded` | percent, 0–100 | top-1 accuracy with weights decoded from the `.sbw` file |
    /// | `bits_per_weight_entropy` | bits per weight | empirical order-0 entropy, averaged over all weights |
    /// | `bits_per_weight_coded` | bits per weight | the codec's actual size (payload, tables, lane states) / `params` |
    /// | `bits_per_weight_fixed` | bits per weight | fixed-width packing, ⌈log₂ N_l⌉ bits per weight of layer l |
    /// | `bits_per_weight_huffman` | bits per weight | canonical Huffman of the same streams (≥ 1) |
    /// | `bytes_coded` | bytes | size of the `.sbw` file |
    /// | `compression_ratio` | dimensionless | float32 model bytes / `bytes_coded` |
    /// | `decoder_area_um2` | µm² | decoder area (all lanes, tables, bit extraction, dequantizer) |
    /// | `decoder_energy_pj_per_weight` | pJ per weight | energy per decoded weight |
    /// | `decode_cycles` | cycles | cycles to decode the whole model (table loads, ⌈n/P⌉, stalls) |
    /// | `throughput_weights_per_s` | weights per second | decoded weights per second at f_clk |
    /// | `compute_weights_per_cycle` | weights per cycle | weights the compute array consumes per cycle |
    /// | `keeps_up` | boolean | 1 when the decoder delivers at least `compute_weights_per_cycle` |
    /// | `net_area_saved_um2` | µm² | weight-memory area saved minus decoder area (negative: a loss) |
    /// | `train_seconds` | seconds | wall time of training (0 when cached or calibrated) |
    /// | `bits_per_param_file` | bits per parameter | the whole `.sbw` file (every record, header and CRC) × 8 / `params_total` |
    /// | `layout` | string | `split` or `interleaved` lane streams |
    /// | `params_total` | count | every parameter of the model (quantized weights and kept float tensors) |
    /// | `rate_weight` | dimensionless, ≥ 0 | μ of rate–distortion calibration (pretrained models; 0 otherwise) |
    /// | `sharing` | string | decoder tables `replicated` per lane or `shared` |
    /// | `kernels` | string | the kernel family that trained the weights (`KernelFamily`): same family and seed, same bits |
    /// | `sbw_file` | path | the point's coded file, relative to the cache folder: `sbw/xx/<SHA-256>.sbw` |
    /// | `min_layer_sqnr_db` | dB | the lowest SQNR of any quantized layer against the float weights it stands for (pretrained weights, or the latent weights QAT ended with); 0 for a layer pruned to zero |
    /// | `min_sqnr_layer` | string | that layer's name |
    /// | `tech_file` | path | the technology file the decoder columns were costed with (the spec's `decoder.tech`) |
    /// | `tech_sha256` | hex | SHA-256 of that file's bytes: two rows with equal hashes were costed with the same constants |
    /// | `layer_form` | string | `configured` (tANS at `table_log`) or `smallest` (per tensor the smallest of tANS at table logs 5…R and fixed-width); only in sweeps that give it a value other than `configured` (an optional axis) |
    ///
    /// *Coded bits per weight* (`bits_per_weight_coded`, `layers.csv`'s `coded_bits`, `subbit
    /// inspect`'s "coded" column and `subbit train`'s report) always means the same thing: each
    /// quantized layer's stream payload + its table description + its lane states (the layer's
    /// `storedBits`), summed and divided by the quantized weights — without the record framing
    /// (name, shape, step, CRC) and without the kept float tensors, which
    /// `bits_per_param_file` counts. Huffman and fixed-width columns count the same parts.
    public enum Runs {
        public static let fileName = "runs.csv"
        public static let pointID = "point_id"
        public static let experiment = "experiment"
        public static let dataset = "dataset"
        public static let model = "model"
        public static let seed = "seed"
        public static let lambda = "lambda"
        public static let binPolicy = "bin_policy"
        public static let codec = "codec"
        public static let tableLog = "table_log"
        public static let lanes = "lanes"
        public static let portBits = "port_bits"
        public static let params = "params"
        public static let top1Float = "top1_float"
        public static let top1Quantized = "top1_quantized"
        public static let top1Decoded = "top1_decoded"
        public static let bitsPerWeightEntropy = "bits_per_weight_entropy"
        public static let bitsPerWeightCoded = "bits_per_weight_coded"
        public static let bitsPerWeightFixed = "bits_per_weight_fixed"
        public static let bitsPerWeightHuffman = "bits_per_weight_huffman"
        public static let bytesCoded = "bytes_coded"
        public static let compressionRatio = "compression_ratio"
        public static let decoderAreaUM2 = "decoder_area_um2"
        public static let decoderEnergyPJPerWeight = "decoder_energy_pj_per_weight"
        public static let decodeCycles = "decode_cycles"
        public static let throughputWeightsPerS = "throughput_weights_per_s"
        public static let computeWeightsPerCycle = "compute_weights_per_cycle"
        public static let keepsUp = "keeps_up"
        public static let netAreaSavedUM2 = "net_area_saved_um2"
        public static let trainSeconds = "train_seconds"
        public static let bitsPerParamFile = "bits_per_param_file"
        public static let layout = "layout"
        public static let paramsTotal = "params_total"
        public static let rateWeight = "rate_weight"
        public static let sharing = "sharing"
        public static let kernels = "kernels"
        public static let sbwFile = "sbw_file"
        public static let minLayerSQNRdB = "min_layer_sqnr_db"
        public static let minSQNRLayer = "min_sqnr_layer"
        public static let techFile = "tech_file"
        public static let techSHA256 = "tech_sha256"
        /// An optional axis's column: written only by sweeps that give it a non-default value, after the others.
        public static let layerForm = "layer_form"

        /// Every column always written, in the order a writer should emit them.
        public static let columns = [
            pointID, experiment, dataset, model, seed, lambda, binPolicy, codec, tableLog, lanes,
            portBits, params, top1Float, top1Quantized, top1Decoded, bitsPerWeightEntropy,
            bitsPerWeightCoded, bitsPerWeightFixed, bitsPerWeightHuffman, bytesCoded,
            compressionRatio, decoderAreaUM2, decoderEnergyPJPerWeight, decodeCycles,
            throughputWeightsPerS, computeWeightsPerCycle, keepsUp, netAreaSavedUM2, trainSeconds,
            bitsPerParamFile, layout, paramsTotal, rateWeight, sharing, kernels, sbwFile, minLayerSQNRdB, minSQNRLayer,
            techFile, techSHA256,
        ]

        /// The columns that name a configuration: rows equal in all of them are the same point
        /// under different seeds (``SeedSummary``).
        static let configurationColumns = [
            experiment, dataset, model, lambda, binPolicy, rateWeight, codec, tableLog, lanes, layout,
            portBits, sharing, computeWeightsPerCycle, kernels, layerForm,
        ]
    }

    /// `summary.csv`: one row per configuration of `runs.csv` (``Runs/configurationColumns``)
    /// over its seeds — `n`, `seeds`, and for `top1_float`, `top1_decoded`, `top1_change`
    /// (decoded − float, paired by seed, in percentage points), `bits_per_weight_coded` and
    /// `bits_per_param_file` the mean (`_mean`), sample standard deviation (`_sd`) and the
    /// half-width of the 95 % Student-t confidence interval of the mean (`_ci95`; empty for one seed).
    public enum Summary {
        public static let fileName = "summary.csv"
    }

    /// `layers.csv`: one row per layer per sweep point.
    ///
    /// | column | type, unit | meaning |
    /// | --- | --- | --- |
    /// | `point_id` | string | the `runs.csv` row this layer belongs to |
    /// | `experiment`, `dataset`, `model`, `seed`, `lambda`, `bin_policy`, `codec`, `table_log`, `lanes` | as in `runs.csv` | the run key, repeated so the file reads on its own |
    /// | `layer_index` | integer | position of the layer in the model, from 0 |
    /// | `layer` | string | layer name, e.g. `conv1.weight` |
    /// | `shape` | string | weight tensor shape, dimensions joined by `x`, e.g. `64x3x3x3` |
    /// | `params` | count | weights in the layer |
    /// | `bins` | count, odd | N_l = 2K_l + 1 quantization bins (1 = pruned) |
    /// | `step` | weight units | quantization step Δ_l |
    /// | `entropy_bits` | bits | params × empirical entropy of the layer's symbols |
    /// | `coded_bits` | bits | the layer's coded size with the run's codec (payload + table + lane states) |
    /// | `fixed_width_bits` | bits | params × ⌈log₂ bins⌉ |
    /// | `huffman_bits` | bits | canonical Huffman size of the layer's symbols |
    public enum Layers {
        public static let fileName = "layers.csv"
        public static let pointID = Runs.pointID
        public static let experiment = Runs.experiment
        public static let dataset = Runs.dataset
        public static let model = Runs.model
        public static let seed = Runs.seed
        public static let lambda = Runs.lambda
        public static let binPolicy = Runs.binPolicy
        public static let codec = Runs.codec
        public static let tableLog = Runs.tableLog
        public static let lanes = Runs.lanes
        public static let layerIndex = "layer_index"
        public static let layer = "layer"
        public static let shape = "shape"
        public static let params = "params"
        public static let bins = "bins"
        public static let step = "step"
        public static let entropyBits = "entropy_bits"
        public static let codedBits = "coded_bits"
        public static let fixedWidthBits = "fixed_width_bits"
        public static let huffmanBits = "huffman_bits"

        /// Every column, in the order a writer should emit them.
        public static let columns = [
            pointID, experiment, dataset, model, seed, lambda, binPolicy, codec, tableLog, lanes,
            layerIndex, layer, shape, params, bins, step, entropyBits, codedBits, fixedWidthBits,
            huffmanBits,
        ]
    }

    /// `pareto.csv`: the non-dominated rows of `runs.csv` (highest `top1_decoded` for the fewest
    /// `bits_per_weight_coded`, see ``ParetoFrontier``), sorted by increasing bits. Columns have
    /// the meaning and unit they have in ``Runs``. The plots recompute the frontier from
    /// `runs.csv`, so this file is for readers of the results, not an input of Plotting.
    public enum Pareto {
        public static let fileName = "pareto.csv"
        /// Every column, in the order a writer should emit them.
        public static let columns = [
            Runs.pointID, Runs.dataset, Runs.model, Runs.seed, Runs.lambda, Runs.binPolicy,
            Runs.codec, Runs.tableLog, Runs.lanes, Runs.top1Decoded, Runs.bitsPerWeightCoded,
            Runs.compressionRatio,
        ]
    }

    /// The values of `runs.csv`'s `codec` column.
    public enum Codec {
        public static let tans = "tans"
        public static let rans = "rans"
        public static let huffman = "huffman"
        public static let fixedWidth = "fixed"
    }
}
