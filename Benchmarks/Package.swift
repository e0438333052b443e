// swift-tools-version:6.1
// Benchmarks for hubtop, kept out of the main package so that its build and CI stay lean.
//   swift package --package-path Benchmarks --allow-writing-to-package-directory benchmark
//   Benchmarks/figures.sh                                     (the figures and ratios)
import PackageDescription

let package = Package(
    name: "hubtop-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "hubtop", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Realistic payloads and stores shared by the suites and the figures tool.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "HubtopCore", package: "hubtop"),
                .product(name: "HubtopTUI", package: "hubtop"),
            ]
        ),
        // Prints each figure of issue #6 beside its target and a baseline measured in the same run.
        .executableTarget(
            name: "HubtopFigures",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "HubtopCore", package: "hubtop"),
                .product(name: "HubtopServer", package: "hubtop"),
                .product(name: "HubtopIO", package: "hubtop"),
                .product(name: "HubtopTUI", package: "hubtop"),
            ]
        ),
        .executableTarget(
            name: "HubtopBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HubtopCore", package: "hubtop"),
                .product(name: "HubtopTUI", package: "hubtop"),
            ],
            path: "Benchmarks/HubtopBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
