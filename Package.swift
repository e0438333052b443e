// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "hubtop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hubtop", targets: ["hubtop"]),
        // For the benchmark package in Benchmarks/.
        .library(name: "HubtopCore", targets: ["HubtopCore"]),
        .library(name: "HubtopServer", targets: ["HubtopServer"]),
        .library(name: "HubtopIO", targets: ["HubtopIO"]),
        .library(name: "HubtopTUI", targets: ["HubtopTUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // HMAC-SHA256 for GitHub's signed webhooks (postgres-nio builds it already).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // Pure core: payload decoding, event model, store and queries. No I/O.
        .target(
            name: "HubtopCore",
            dependencies: [.product(name: "DequeModule", package: "swift-collections")]
        ),
        // The server: listening, guards, routes, the handler and its delivery pipeline, health, metrics.
        .target(
            name: "HubtopServer",
            dependencies: [
                "HubtopCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Outbound I/O and files: the journal, the HTTP client (registry, forward, notify, re-send,
        // `send`), `--on-event`'s commands, headless output.
        .target(
            name: "HubtopIO",
            dependencies: [
                "HubtopCore", "HubtopServer",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Team mode: deliveries committed to PostgreSQL in groups, dashboards following by LISTEN.
        .target(
            name: "HubtopDatabase",
            dependencies: [
                "HubtopCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // ncursesw plus static inline wrappers for the macros and globals Swift cannot import.
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW"),
        // What the dashboard and the executable share with the operating system: files written
        // privately (exports, the clipboard file), signals, threads of their own.
        .target(name: "HubtopSystem", dependencies: ["HubtopCore"]),
        // Dashboard: cell buffer, panes, layout, keymap, update loop, curses backend.
        .target(name: "HubtopTUI", dependencies: ["HubtopCore", "HubtopSystem", "CNCursesW"]),
        .executableTarget(
            name: "hubtop",
            dependencies: [
                "HubtopCore", "HubtopServer", "HubtopIO", "HubtopTUI", "HubtopDatabase", "HubtopSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libFuzzer target for the decoder: built only by Fuzz/run.sh, with -sanitize=fuzzer.
        .executableTarget(
            name: "HubtopFuzz",
            dependencies: ["HubtopCore"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .testTarget(name: "HubtopCoreTests", dependencies: ["HubtopCore", "HubtopTestSupport"]),
        // Helpers the test targets share (a free loopback port, a real registry and a gate before it).
        .target(
            name: "HubtopTestSupport", dependencies: ["HubtopCore", "HubtopServer", "HubtopIO"], path: "Tests/HubtopTestSupport"),
        .testTarget(
            name: "HubtopListenerTests",
            dependencies: [
                "HubtopCore", "HubtopServer", "HubtopIO", "HubtopTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "HubtopDatabaseTests", dependencies: ["HubtopCore", "HubtopDatabase", "HubtopTestSupport"]),
        // Screens/ holds the recorded screens of ScreenTests, read by path.
        .testTarget(
            name: "HubtopTUITests", dependencies: ["HubtopCore", "HubtopSystem", "HubtopTUI", "HubtopTestSupport"], exclude: ["Screens"]),
        // Drives the real binary: headless over HTTP, and the dashboard inside tmux.
        .testTarget(
            name: "HubtopEndToEndTests",
            dependencies: ["hubtop", "HubtopServer", "HubtopIO", "HubtopCore", "HubtopTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
