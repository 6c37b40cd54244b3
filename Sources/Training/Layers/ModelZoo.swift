/// Builders for the models SubBit trains, for 28×28×1 inputs and 10 classes.
///
/// - `mlp`: 784-300-100-10 with ReLU (LeCun et al. 1998's 300-100 net).
/// - `lenet5`: conv 6@5×5 (pad 2) → BN → ReLU → max pool → conv 16@5×5 → BN → ReLU →
///   max pool → fc 120 → fc 84 → fc 10. Batch norm after each convolution makes it train
///   to ≥ 99 % (MNIST) in a few epochs without tuning.
/// - `resnet20`: He et al.'s CIFAR ResNet-20 on 28×28×1: conv 16@3×3 → 3 stages × 3 basic
///   blocks (16, 32, 64 channels; stride 2 entering stages 2 and 3; option-A shortcuts) →
///   global average pool → fc 10; 0.27 M parameters.
///
/// Weights are He-normal from `Xoshiro256(seed:)`, so a seed fixes the initial model.
///
/// ```swift
/// let net = ModelZoo.make(.resnet20, seed: 7)
/// net.parameterCount   // 272_474
/// ```
public enum ModelZoo {
    public static func make(_ architecture: Architecture, seed: UInt64) -> Model {
        var rng = Xoshiro256(seed: seed)
        switch architecture {
        case .mlp: return mlp(rng: &rng)
        case .lenet5: return lenet5(rng: &rng)
        case .resnet20: return resnet20(rng: &rng)
        }
    }

    static func mlp(rng: inout Xoshiro256) -> Model {
        let fc1 = Linear(784, 300, rng: &rng)
        fc1.needsInputGradient = false
        let net = Sequential([
            ("flatten", Flatten()),
            ("fc1", fc1), ("relu1", ReLU()),
            ("fc2", Linear(300, 100, rng: &rng)), ("relu2", ReLU()),
            ("fc3", Linear(100, 10, rng: &rng)),
        ])
        return Model(architecture: .mlp, inputShape: [1, 28, 28], network: net)
    }

    static func lenet5(rng: inout Xoshiro256) -> Model {
        let conv1 = Conv2d(1, 6, kernelSize: 5, padding: 2, rng: &rng)
        conv1.needsInputGradient = false
        let net = Sequential([
            ("conv1", conv1), ("bn1", BatchNorm2d(6, fusedReLU: true)), ("pool1", MaxPool2d(kernelSize: 2)),
            ("conv2", Conv2d(6, 16, kernelSize: 5, rng: &rng)), ("bn2", BatchNorm2d(16, fusedReLU: true)),
            ("pool2", MaxPool2d(kernelSize: 2)),
            ("flatten", Flatten()),
            ("fc1", Linear(400, 120, rng: &rng)), ("relu3", ReLU()),
            ("fc2", Linear(120, 84, rng: &rng)), ("relu4", ReLU()),
            ("fc3", Linear(84, 10, rng: &rng)),
        ])
        return Model(architecture: .lenet5, inputShape: [1, 28, 28], network: net)
    }

    static func resnet20(rng: inout Xoshiro256) -> Model {
        let conv1 = Conv2d(1, 16, kernelSize: 3, padding: 1, rng: &rng)
        conv1.needsInputGradient = false
        var children: [(String, Layer)] = [("conv1", conv1), ("bn1", BatchNorm2d(16, fusedReLU: true))]
        var channels = 16
        var previous: BasicBlock?
        for (stage, width) in [16, 32, 64].enumerated() {
            var blocks: [(String, Layer)] = []
            for i in 0..<3 {
                let stride = (i == 0 && stage > 0) ? 2 : 1
                let block = BasicBlock(channels, width, stride: stride, rng: &rng)
                // An identity block after another block applies that block's final ReLU backward
                // as it stores its input gradient (saves a pass over the maps; same bits).
                if let previous, stride == 1 && channels == width {
                    block.masksGradientByInput = true
                    previous.gradientArrivesMasked = true
                }
                blocks.append(("\(i)", block))
                previous = block
                channels = width
            }
            children.append(("layer\(stage + 1)", Sequential(blocks)))
        }
        children.append(("avgpool", GlobalAvgPool2d()))
        children.append(("fc", Linear(64, 10, rng: &rng)))
        return Model(architecture: .resnet20, inputShape: [1, 28, 28], network: Sequential(children))
    }
}
