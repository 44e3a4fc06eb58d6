// swift-tools-version:6.0
import PackageDescription

import Foundation

// The numeric modules are optimized even in debug builds: unoptimized SIMD code runs
// about 60 times slower, which would make the training tests take hours. On x86-64
// they target Haswell-class CPUs (AVX2, 2013 on), which cuts the serial element-wise
// part of a step by about a fifth; GANTRY_PORTABLE=1 builds for the x86-64 baseline.
var numericSettings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#if arch(x86_64)
if ProcessInfo.processInfo.environment["GANTRY_PORTABLE"] == nil {
    numericSettings.append(.unsafeFlags(["-target-cpu", "haswell"]))
}
#endif

// Layout: thin C shims, then libraries that each hold one concern, then the
// `gantry` executable that wires them together (docs/architecture.md).
let package = Package(
    name: "gantry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gantry", targets: ["gantry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries. On macOS the CBLAS API comes from Accelerate.
        .systemLibrary(
            name: "CGantryBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CGantryZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CGantryCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        .systemLibrary(
            name: "CGantryPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),

        .target(
            name: "Linalg",
            dependencies: [
                .target(name: "CGantryBLAS", condition: .when(platforms: [.linux])),
            ],
            swiftSettings: numericSettings + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // Convolutional building blocks (shapes, im2col, layers with explicit caches).
        .target(name: "Layers", dependencies: ["Linalg"], swiftSettings: numericSettings),
        .target(name: "GAN", dependencies: ["Linalg", "Layers"], swiftSettings: numericSettings),
        .target(name: "ModelExport", dependencies: ["GAN", "Layers", "Linalg"]),
        .target(
            name: "MNIST",
            dependencies: [
                "CGantryZlib",
                "CGantryCurl",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "HTTPServer"),
        // Serves the routes scripts/bench-http.sh measures with wrk.
        .executableTarget(name: "http-bench-server", dependencies: ["HTTPServer"]),
        // The service, in layers the compiler holds apart (docs/architecture.md):
        // GantryAPI and GantryStores each see GantryJobs, never each other; only
        // GantryService, the daemon's wiring, sees them all.
        // The job domain: jobs, their config and files, the store protocols, the scheduler.
        .target(
            name: "GantryJobs",
            dependencies: [
                "Linalg", "GAN", "MNIST",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libpq, wrapped: connections, rows, a pool and LISTEN.
        .target(name: "PostgresClient", dependencies: ["CGantryPQ"]),
        // The job stores: SQLite through GRDB, PostgreSQL through PostgresClient.
        .target(
            name: "GantryStores",
            dependencies: [
                "GantryJobs", "PostgresClient", "GAN",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP API: routes, handlers, views, errors, auth, metrics, the dashboard.
        .target(
            name: "GantryAPI",
            dependencies: [
                "GantryJobs", "HTTPServer", "Linalg", "GAN", "MNIST", "ModelExport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The OpenAPI document (a link to docs/openapi.json) and the dashboard's files
            // are compiled into the binary: still one file to install. The dashboard's
            // files are real JavaScript, CSS and HTML that tools read (scripts/check-dashboard).
            resources: [.embedInCode("Resources/openapi.json")]
                + ["index.html", "style.css", "icon.svg", "app.js", "api.js", "dom.js", "pgm.js", "chart.js", "jobs.js", "job-form.js", "job.js"]
                    .map { Resource.embedInCode("Dashboard/Files/\($0)") }
        ),
        // The daemon: its config, the store it chooses, everything wired together.
        .target(
            name: "GantryService",
            dependencies: [
                "GantryJobs", "GantryStores", "GantryAPI",
                "Linalg", "MNIST", "HTTPServer",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "gantry",
            dependencies: [
                "Linalg", "GAN", "MNIST", "GantryService", "ModelExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "Linalg", "GantryTestSupport"]),
        .testTarget(name: "GANTests", dependencies: ["GAN", "Layers", "Linalg", "MNIST", "GantryTestSupport"]),
        .testTarget(name: "MNISTTests", dependencies: ["MNIST", "GantryTestSupport"]),
        .testTarget(name: "ModelExportTests", dependencies: ["ModelExport", "GAN", "Layers", "Linalg", "GantryTestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "GantryTestSupport"]),
        .testTarget(name: "GantryServiceTests", dependencies: [
            "GantryJobs", "PostgresClient", "GantryStores", "GantryAPI", "GantryService", "GAN", "HTTPServer", "MNIST", "ModelExport",
            "GantryTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Shared by the test targets that run the `gantry` binary as a child.
        .target(name: "GantryTestSupport", path: "Tests/GantryTestSupport"),
        .testTarget(name: "EndToEndTests", dependencies: ["gantry", "GantryTestSupport"]),
        .testTarget(name: "DeploymentTests", dependencies: ["gantry", "GantryTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
