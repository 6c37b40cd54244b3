// swift-tools-version:6.0
import PackageDescription

// Module map (DESIGN.md): nothing imports upward.
//   subbit ─► Orchestrator ─► Training ─► Quantization ─► ModelIO
//                  │   └─► DecoderHardware ─► EntropyCoding
//                  └─► Plotting
// SeededRandom (one SplitMix64) and StrictYAML (specs' and technology files' reader) sit below
// them; TestSupport serves the test targets.
let package = Package(
    name: "SubBit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "subbit", targets: ["subbit"]),
        .library(name: "EntropyCoding", targets: ["EntropyCoding"]),
        .library(name: "ModelIO", targets: ["ModelIO"]),
        .library(name: "Quantization", targets: ["Quantization"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "DecoderHardware", targets: ["DecoderHardware"]),
        .library(name: "Plotting", targets: ["Plotting"]),
        .library(name: "Orchestrator", targets: ["Orchestrator"]),
        .library(name: "Fuzzing", targets: ["Fuzzing"]),
        .library(name: "StrictYAML", targets: ["StrictYAML"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // AVX2 + FMA convolution kernels, selected at run time (Training's DirectConvolution).
        .target(name: "CKernels"),
        // AVX2 tANS lane kernels, selected at run time (EntropyCoding's TANSKernelSet).
        .target(name: "CCodecKernels"),
        // The one seeded generator (SplitMix64) every module draws reproducible randomness from.
        .target(name: "SeededRandom"),
        // Strictly read YAML (typed values, unknown keys refused, errors at file:line:column):
        // experiment specs and technology files.
        .target(name: "StrictYAML", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "EntropyCoding", dependencies: ["CCodecKernels", "SeededRandom"]),
        .target(name: "ModelIO", dependencies: ["CZlib"]),
        .target(name: "Quantization", dependencies: ["EntropyCoding", "ModelIO"]),
        .target(name: "Training", dependencies: ["CBLAS", "CKernels", "EntropyCoding", "ModelIO", "Quantization", "SeededRandom"]),
        .target(
            name: "DecoderHardware",
            dependencies: ["EntropyCoding", "ModelIO", "SeededRandom", "StrictYAML", .product(name: "Yams", package: "Yams")]),
        .target(name: "Plotting", dependencies: ["SeededRandom"]),
        .target(name: "Fuzzing", dependencies: ["EntropyCoding", "ModelIO", "Quantization", "SeededRandom"]),
        .target(
            name: "Orchestrator",
            dependencies: [
                "Training", "Quantization", "DecoderHardware", "EntropyCoding", "ModelIO", "Plotting", "StrictYAML",
                .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "subbit",
            dependencies: [
                "EntropyCoding", "ModelIO", "Quantization", "Training", "DecoderHardware", "Plotting",
                "Orchestrator", "Fuzzing", "StrictYAML", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Shared by the test targets: the seeded generator's test draws and temporary folders.
        .target(name: "TestSupport", dependencies: ["SeededRandom"], path: "Tests/TestSupport"),
        .testTarget(name: "EntropyCodingTests", dependencies: ["TestSupport", "EntropyCoding"]),
        .testTarget(name: "ModelIOTests", dependencies: ["TestSupport", "ModelIO"]),
        .testTarget(name: "QuantizationTests", dependencies: ["TestSupport", "Quantization", "EntropyCoding", "ModelIO"]),
        .testTarget(name: "TrainingTests", dependencies: ["TestSupport", "Training", "CKernels", "ModelIO", "Quantization"]),
        .testTarget(name: "DecoderHardwareTests", dependencies: ["TestSupport", "DecoderHardware", "EntropyCoding", "StrictYAML"]),
        .testTarget(name: "PlottingTests", dependencies: ["TestSupport", "Plotting"]),
        .testTarget(name: "StrictYAMLTests", dependencies: ["StrictYAML", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "FuzzingTests", dependencies: ["TestSupport", "Fuzzing", "EntropyCoding", "ModelIO", "Quantization"]),
        .testTarget(name: "OrchestratorTests", dependencies: ["TestSupport", "Orchestrator", "ModelIO", "Training", "DecoderHardware", "StrictYAML"]),
        .testTarget(
            name: "SubBitCLITests",
            dependencies: ["TestSupport", "EntropyCoding", "ModelIO", "Quantization", "Plotting"]),
    ]
)
