// swift-tools-version:6.1
//
// segment: customer segmentation of the Arvato/AZDIAS data as a command-line batch tool.
//
// Modules by layer; each depends only on the ones above it in this list, and the compiler keeps it
// so (see README.md, "Layout"):
//   Modules/COpenBLAS   system library: OpenBLAS (CBLAS) and LAPACKE through a module map
//   SegmentCore         Matrix, the backend protocol and the pure-Swift backend, the kernels layer
//                       (row blocks, distance steps, column scans), seeded random numbers, atomic files
//   SegmentData         feature schemas (summary file, DIAS xlsx), CSV and xlsx readers, the embedded facts
//   SegmentModels       estimators -> fitted models: cleaning recipe, imputer, scaler, PCA, k-means, sweep
//   SegmentAnalysis     the pipeline as a composition of those steps, comparison, profiles
//   SegmentReports      HTML/SVG, Markdown, JSON, CSV and .npy writers
//   SegmentSynthetic    the seeded stand-in generator and the checker (Core and Data only)
//   SegmentBLAS         the ONLY module that imports COpenBLAS: the OpenBLAS/LAPACKE backend
//   Modules/CMPI        system library: Open MPI's C interface through a module map (pkg-config ompi-c)
//   SegmentMPI          the ONLY module that imports CMPI: the processes of an mpirun as a ProcessGroup
//   segment             the user commands (swift-argument-parser), one file each
//   segment-bench       the benchmarks, out of the shipped binary
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "segment",
    products: [
        .executable(name: "segment", targets: ["segment"]),
        .executable(name: "segment-bench", targets: ["segment-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The zip container of the DIAS .xlsx files: written with ZIPFoundation (the generator);
        // read through our bounds-checked directory walk and zlib's inflate by way of CompressNIO
        // (ZIPFoundation's reader hangs or traps on some corrupt archives: see ZipDirectory.swift).
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            path: "Modules/COpenBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(
            name: "CMPI",
            path: "Modules/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        .target(name: "SegmentCore"),
        .target(name: "SegmentData", dependencies: ["SegmentCore", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                                                    .product(name: "CompressNIO", package: "compress-nio")]),
        .target(name: "SegmentModels", dependencies: ["SegmentCore", "SegmentData"]),
        .target(name: "SegmentAnalysis", dependencies: ["SegmentCore", "SegmentData", "SegmentModels"]),
        .target(name: "SegmentReports",
                dependencies: ["SegmentCore", "SegmentData", "SegmentModels", "SegmentAnalysis"]),
        .target(name: "SegmentSynthetic", dependencies: ["SegmentCore", "SegmentData"]),
        .target(name: "SegmentBLAS", dependencies: ["SegmentCore", "COpenBLAS"]),
        .target(name: "SegmentMPI", dependencies: ["SegmentCore", "CMPI"]),
        .executableTarget(
            name: "segment",
            dependencies: ["SegmentCore", "SegmentData", "SegmentModels", "SegmentAnalysis",
                           "SegmentReports", "SegmentSynthetic", "SegmentBLAS", "SegmentMPI", argumentParser]
        ),
        .executableTarget(
            name: "segment-bench",
            dependencies: ["SegmentCore", "SegmentData", "SegmentModels", "SegmentAnalysis",
                           "SegmentReports", "SegmentSynthetic", "SegmentBLAS", argumentParser]
        ),
        // libFuzzer targets (make fuzz); built normally they replay inputs given as arguments.
        .target(name: "FuzzSupport"),
        .executableTarget(name: "fuzz-csv", dependencies: ["SegmentCore", "SegmentData", "FuzzSupport"]),
        .executableTarget(name: "fuzz-summary", dependencies: ["SegmentData", "FuzzSupport"]),
        .executableTarget(name: "fuzz-xlsx", dependencies: ["SegmentData", "FuzzSupport"]),
        .executableTarget(name: "fuzz-model", dependencies: ["SegmentCore", "SegmentData", "SegmentAnalysis", "FuzzSupport"]),
        // One test target per module; the pure-Swift ones need no OpenBLAS. SegmentTestSupport holds
        // the fixtures several of them share and the test bodies written once for every backend.
        .target(name: "SegmentTestSupport",
                dependencies: ["SegmentCore", "SegmentData", "SegmentModels", "SegmentAnalysis", "SegmentSynthetic"],
                path: "Tests/SegmentTestSupport"),
        .testTarget(name: "SegmentCoreTests", dependencies: ["SegmentCore", "SegmentTestSupport"]),
        .testTarget(name: "SegmentDataTests", dependencies: ["SegmentCore", "SegmentData", "SegmentTestSupport"]),
        .testTarget(name: "SegmentModelsTests",
                    dependencies: ["SegmentCore", "SegmentData", "SegmentModels", "SegmentTestSupport"]),
        .testTarget(name: "SegmentAnalysisTests",
                    dependencies: ["SegmentCore", "SegmentData", "SegmentModels", "SegmentAnalysis",
                                   "SegmentSynthetic", "SegmentTestSupport"]),
        .testTarget(name: "SegmentReportsTests", dependencies: ["SegmentCore", "SegmentReports", "SegmentTestSupport"]),
        .testTarget(name: "SegmentSyntheticTests",
                    dependencies: ["SegmentCore", "SegmentData", "SegmentSynthetic", "SegmentTestSupport"]),
        .testTarget(name: "SegmentBLASTests",
                    dependencies: ["SegmentCore", "SegmentData", "SegmentModels", "SegmentAnalysis",
                                   "SegmentSynthetic", "SegmentBLAS", "SegmentTestSupport"]),
        .testTarget(name: "segmentTests",
                    dependencies: ["segment", "segment-bench", "SegmentCore", "SegmentData", "SegmentModels", "SegmentAnalysis",
                                   "SegmentReports", "SegmentSynthetic", "SegmentBLAS", "SegmentTestSupport",
                                   argumentParser]),
    ]
)
