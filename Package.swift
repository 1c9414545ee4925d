// swift-tools-version:6.1
//
// segment: customer segmentation of the Arvato/AZDIAS data as a command-line batch tool.
//
// Layout (see README.md):
//   Modules/COpenBLAS   system library: OpenBLAS (CBLAS) and LAPACKE through a module map
//   SegmentKit          all the work, pure Swift, imports no C
//   SegmentBLAS         the ONLY module that imports COpenBLAS; an OpenBLAS/LAPACKE backend
//   segment             the executable (swift-argument-parser), one file per subcommand
import PackageDescription

let package = Package(
    name: "segment",
    products: [
        .executable(name: "segment", targets: ["segment"]),
        .library(name: "SegmentKit", targets: ["SegmentKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            path: "Modules/COpenBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(
            name: "SegmentKit",
            path: "Sources/SegmentKit"
        ),
        .target(
            name: "SegmentBLAS",
            dependencies: ["SegmentKit", "COpenBLAS"],
            path: "Sources/SegmentBLAS"
        ),
        .executableTarget(
            name: "segment",
            dependencies: [
                "SegmentKit",
                "SegmentBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/segment"
        ),
        // libFuzzer targets (make fuzz); built normally they replay inputs given as arguments.
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        .executableTarget(name: "fuzz-csv", dependencies: ["SegmentKit", "FuzzSupport"], path: "Sources/fuzz-csv"),
        .executableTarget(name: "fuzz-summary", dependencies: ["SegmentKit", "FuzzSupport"], path: "Sources/fuzz-summary"),
        .testTarget(
            name: "SegmentKitTests",
            dependencies: ["SegmentKit"],
            path: "Tests/SegmentKitTests"
        ),
        .testTarget(
            name: "segmentTests",
            dependencies: ["segment", "SegmentKit", "SegmentBLAS",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/segmentTests"
        ),
        .testTarget(
            name: "SegmentBLASTests",
            dependencies: ["SegmentKit", "SegmentBLAS"],
            path: "Tests/SegmentBLASTests"
        ),
    ]
)
