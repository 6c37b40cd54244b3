// swift-tools-version:6.0
import PackageDescription

// Module map (DESIGN.md): nothing imports upward.
//   subbit ─► Orchestrator ─► Training ─► Quantization ─► ModelIO
//                  │   └─► DecoderHardware ─► EntropyCoding
//                  └─► Plotting
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
        .target(name: "EntropyCoding", dependencies: ["CCodecKernels"]),
        .target(name: "ModelIO", dependencies: ["CZlib"]),
        .target(name: "Quantization", dependencies: ["EntropyCoding", "ModelIO"]),
        .target(name: "Training", dependencies: ["CBLAS", "CKernels", "EntropyCoding", "ModelIO", "Quantization"]),
        .target(
            name: "DecoderHardware",
            dependencies: ["EntropyCoding", .product(name: "Yams", package: "Yams")]),
        .target(name: "Plotting"),
        .target(name: "Fuzzing", dependencies: ["EntropyCoding", "ModelIO", "Quantization"]),
        .target(
            name: "Orchestrator",
            dependencies: [
                "Training", "Quantization", "DecoderHardware", "EntropyCoding", "ModelIO", "Plotting",
                .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "subbit",
            dependencies: [
                "EntropyCoding", "ModelIO", "Quantization", "Training", "DecoderHardware", "Plotting",
                "Orchestrator", "Fuzzing", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "EntropyCodingTests", dependencies: ["EntropyCoding"]),
        .testTarget(name: "ModelIOTests", dependencies: ["ModelIO"]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "EntropyCoding", "ModelIO"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "CKernels", "ModelIO", "Quantization"]),
        .testTarget(name: "DecoderHardwareTests", dependencies: ["DecoderHardware", "EntropyCoding"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "EntropyCoding", "ModelIO", "Quantization"]),
        .testTarget(name: "OrchestratorTests", dependencies: ["Orchestrator", "ModelIO", "Training", "DecoderHardware"]),
        .testTarget(
            name: "SubBitCLITests",
            dependencies: ["EntropyCoding", "ModelIO", "Quantization", "Plotting"]),
    ]
)
