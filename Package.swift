// swift-tools-version:6.0
import PackageDescription

// Module graph (`A <- B`: A uses B; README.md, Architecture):
//   CKernels: vectorized C kernels (Adam, batch gather), dispatched per CPU at run time; shortest float text
//   CStopSignal: the SIGTERM/SIGINT/SIGUSR1 handler (a C sigaction handler setting an atomic flag)
//   CFileIO: O_DIRECT, which Swift's Glibc module does not export (direct checkpoint writes)
//   TandemFormats <- CSHA256 (SHA-256 with the x86 SHA instructions): SHA-256, safetensors, protobuf, JSON quoting
//   TandemTensor <- CBLAS, CKernels (float text)
//   TandemComm <- CMPI, TandemTensor
//   TandemData, TandemMetrics, TandemOptim <- TandemTensor (Data and Optim also CKernels);  TandemModel <- TandemTensor, CBLAS
//   (TandemData, TandemMetrics, TandemModel, TandemReport, TandemArtifact, TandemServe, TandemTrain, TandemRecord and tandem also <- TandemFormats)
//   TandemReport <- TandemTensor, TandemMetrics
//   TandemParallel <- TandemTensor, TandemComm, TandemModel (grid, shards, tensor-parallel layers, pipeline)
//   TandemArtifact <- TandemTensor, TandemData, TandemMetrics, TandemModel (no MPI)
//   TandemServe <- TandemArtifact, TandemData, TandemTensor, CKernels (JSON numbers) (HTTP, Hummingbird)
//   TandemTrain <- TandemTensor, TandemComm, CKernels (row prefetch), TandemData, TandemMetrics, TandemModel, TandemOptim, TandemParallel,
//                  CBLAS, CStopSignal, CFileIO (no TandemReport, no TandemArtifact: training writes no result format)
//   TandemRecord <- TandemTrain, TandemReport, TandemArtifact (what a run writes; init_from loading)
//   TandemSweep <- TandemTrain, TandemRecord (and the modules below them);  tandem (CLI) <- TandemTrain, TandemRecord,
//                  TandemReport, TandemArtifact, TandemSweep, TandemServe
// The modules a training step runs through (TandemModel, TandemOptim, TandemParallel, TandemTrain)
// are built for release without Swift's dynamic exclusivity checks: every step read and modified
// class state (the pipeline's slots and row offsets, the step's parts, the trainer's state, the
// optimizer's step count) through `swift_beginAccess` / `swift_endAccess`, 0.4-0.7 us of a 13 us
// small step (faster in 22 of 28 alternating pairs). The checks only report two overlapping
// accesses to one variable on one thread, a programming error, and debug builds (every `swift
// test`) keep them, so the test suite still catches one; results do not depend on them.
let stepModuleSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "tandem",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .target(name: "CKernels"),
        .target(name: "CSHA256"),
        .target(name: "CStopSignal"),
        .target(name: "CFileIO"),
        .target(name: "TandemFormats", dependencies: ["CSHA256"]),
        .target(name: "TandemTensor", dependencies: ["CBLAS", "CKernels"]),
        .target(name: "TandemComm", dependencies: ["CMPI", "TandemTensor"]),
        .target(name: "TandemData", dependencies: ["TandemTensor", "TandemFormats", "CKernels"]),
        .target(name: "TandemMetrics", dependencies: ["TandemTensor", "TandemFormats"]),
        .target(name: "TandemReport", dependencies: ["TandemTensor", "TandemFormats", "TandemMetrics"]),
        .target(name: "TandemArtifact", dependencies: ["TandemTensor", "TandemFormats", "TandemData", "TandemMetrics", "TandemModel"]),
        .target(name: "TandemServe", dependencies: [
            "CKernels", "TandemArtifact", "TandemData", "TandemFormats", "TandemTensor",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .target(name: "TandemModel", dependencies: ["TandemTensor", "TandemFormats", "CBLAS"], swiftSettings: stepModuleSettings),
        .target(name: "TandemOptim", dependencies: ["TandemTensor", "CKernels"], swiftSettings: stepModuleSettings),
        .target(name: "TandemParallel", dependencies: ["TandemTensor", "TandemComm", "TandemModel"], swiftSettings: stepModuleSettings),
        .target(name: "TandemTrain", dependencies: [
            "TandemTensor", "TandemFormats", "TandemComm", "TandemData", "TandemMetrics", "TandemModel", "TandemOptim", "TandemParallel", "CBLAS", "CKernels", "CStopSignal", "CFileIO",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: stepModuleSettings),
        .target(name: "TandemRecord", dependencies: [
            "TandemTrain", "TandemReport", "TandemArtifact", "TandemMetrics", "TandemModel", "TandemTensor", "TandemFormats",
        ]),
        .target(name: "TandemSweep", dependencies: [
            "TandemTrain", "TandemRecord", "TandemComm", "TandemMetrics", "TandemTensor", "TandemData", "TandemModel",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "tandem", dependencies: [
            "TandemTrain", "TandemFormats", "TandemRecord", "TandemReport", "TandemArtifact", "TandemSweep", "TandemServe",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "TestSupport", dependencies: ["TandemTensor"], path: "Tests/TestSupport"),
        .testTarget(name: "TandemTensorTests", dependencies: ["TandemTensor", "CKernels", "TestSupport"]),
        .testTarget(name: "TandemFormatsTests", dependencies: ["TandemFormats", "TandemTensor", "TestSupport"]),
        .testTarget(name: "TandemDataTests", dependencies: ["TandemData", "TestSupport"]),
        .testTarget(name: "TandemMetricsTests", dependencies: ["TandemMetrics", "TestSupport"]),
        .testTarget(name: "TandemArtifactTests", dependencies: ["TandemFormats", "TandemArtifact", "TestSupport"]),
        .testTarget(name: "TandemReportTests", dependencies: ["TandemReport", "TestSupport"]),
        .testTarget(name: "TandemModelTests", dependencies: ["TandemFormats", "TandemModel", "TestSupport"]),
        .testTarget(name: "TandemOptimTests", dependencies: ["TandemOptim", "CKernels", "TestSupport"]),
        .testTarget(name: "TandemTrainTests", dependencies: ["TandemFormats", "TandemTrain", "TandemRecord", "TandemArtifact", "TestSupport"]),
        .testTarget(name: "TandemParallelTests", dependencies: ["TandemParallel", "TandemModel", "TestSupport"]),
        .testTarget(name: "TandemSweepTests", dependencies: ["TandemSweep", "TandemTrain", "TestSupport"]),
        .testTarget(name: "TandemServeTests", dependencies: [
            "TandemServe", "TandemArtifact", "TandemData", "TandemModel", "TandemTensor", "TestSupport",
        ]),
    ]
)
