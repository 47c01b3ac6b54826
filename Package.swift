// swift-tools-version:6.1
import PackageDescription

/// Every target: Swift 6 language mode and the upcoming features the style guide asks for.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let swiftProtobuf = Target.Dependency.product(name: "SwiftProtobuf", package: "swift-protobuf")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Lyrica",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lyrica", targets: ["lyrica"]),
        .executable(name: "lyrica-echo", targets: ["EchoServer"]),
        .executable(name: "lyrica-auth", targets: ["AuthServer"]),
        .executable(name: "lyrica-lyrics", targets: ["LyricsServer"]),
        .executable(name: "lyrica-retrieval", targets: ["RetrievalServer"]),
        .executable(name: "lyrica-generation", targets: ["GenerationServer"]),
        .executable(name: "lyrica-feedback", targets: ["FeedbackServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The RPC runtime: framing, connections, server, client, status, streaming, health, reflection.
        .target(
            name: "LyricaRPC",
            dependencies: [
                nioCore, nioPosix, swiftProtobuf, logging, serviceLifecycle,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            path: "Shared/LyricaRPC",
            swiftSettings: strictSettings
        ),
        // PostgreSQL: configuration from DATABASE_URL, migrations, transactions, error mapping.
        .target(
            name: "LyricaPostgres",
            dependencies: [
                "LyricaRPC", logging,
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/LyricaPostgres",
            swiftSettings: strictSettings
        ),
        // hiredis from Debian's libhiredis-dev.
        .systemLibrary(name: "CHiredis", path: "Shared/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // Redis on hiredis: a pool whose blocking calls run on its own threads, scripts, streams.
        .target(
            name: "LyricaRedis",
            dependencies: [
                "LyricaRPC", "CHiredis", logging, nioPosix, serviceLifecycle,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/LyricaRedis",
            swiftSettings: strictSettings
        ),
        // The bootstrap every service uses: configuration, logging, metrics and the admin port,
        // interceptors, lifecycle, the serve/migrate/healthcheck command, events (outbox + streams).
        .target(
            name: "LyricaService",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", logging, serviceLifecycle, argumentParser, nioCore, nioPosix,
                swiftProtobuf,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/LyricaService",
            resources: [.copy("Events/Migrations")],
            swiftSettings: strictSettings
        ),
        // Generated messages and service stubs; never edited by hand (Tools/generate-protos.sh).
        .target(
            name: "LyricaProtos",
            dependencies: ["LyricaRPC", nioCore, swiftProtobuf],
            path: "Shared/LyricaProtos",
            swiftSettings: strictSettings
        ),
        // The Echo test service, as a library so tests and benchmarks can serve it in-process.
        .target(
            name: "EchoService",
            dependencies: ["LyricaRPC", "LyricaProtos", swiftProtobuf],
            path: "Services/Echo/EchoService",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "EchoServer",
            dependencies: [
                "EchoService", "LyricaRPC", "LyricaService", argumentParser,
            ],
            path: "Services/Echo/EchoServer",
            swiftSettings: strictSettings
        ),
        // argon2 from Debian's libargon2-dev.
        .systemLibrary(name: "CArgon2", path: "Shared/CArgon2", providers: [.apt(["libargon2-dev"])]),
        // The auth service: accounts, passwords, tokens, API keys, login throttling.
        .target(
            name: "AuthService",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", "LyricaService", "CArgon2",
                logging, nioCore, nioPosix, swiftProtobuf,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Auth/AuthService",
            resources: [.copy("Migrations")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "AuthServer",
            dependencies: ["AuthService", "LyricaService", argumentParser],
            path: "Services/Auth/AuthServer",
            swiftSettings: strictSettings
        ),
        // The lyrics service: songs, sections, revisions, publishing, search, view counts.
        .target(
            name: "LyricsService",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", "LyricaService",
                logging, nioCore, swiftProtobuf, argumentParser, serviceLifecycle,
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Services/Lyrics/LyricsService",
            resources: [.copy("Migrations")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "LyricsServer",
            dependencies: ["LyricsService", "LyricaService", argumentParser],
            path: "Services/Lyrics/LyricsServer",
            swiftSettings: strictSettings
        ),
        // The feedback service: ratings, likes, summaries, popular songs, taste profiles.
        .target(
            name: "FeedbackService",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", "LyricaService",
                logging, nioCore, swiftProtobuf, argumentParser, serviceLifecycle,
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Services/Feedback/FeedbackService",
            resources: [.copy("Migrations")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FeedbackServer",
            dependencies: ["FeedbackService", "LyricaService", argumentParser],
            path: "Services/Feedback/FeedbackServer",
            swiftSettings: strictSettings
        ),
        // Songcraft without I/O: the lexicon (CMU pronouncing dictionary, WordNet), the planner's
        // rules, the built-in composer and the critic's measurements.
        .target(
            name: "Verse",
            path: "Services/Generation/Verse",
            swiftSettings: strictSettings
        ),
        // The generation service: agents (planner, researcher, writer, critic, refiner, finaliser)
        // run as durable jobs, progress streamed from Redis, model backends.
        .target(
            name: "GenerationService",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", "LyricaService", "Verse",
                logging, nioCore, nioPosix, swiftProtobuf, serviceLifecycle, argumentParser,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Services/Generation/GenerationService",
            resources: [.copy("Migrations")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "GenerationServer",
            dependencies: ["GenerationService", "LyricaService", argumentParser],
            path: "Services/Generation/GenerationServer",
            swiftSettings: strictSettings
        ),
        // The composer and critic over 100 fixed prompts: rhyme accuracy, syllable deviation, copying, latency.
        .executableTarget(
            name: "VerseBenchmark",
            dependencies: ["Verse", "LyricaText", argumentParser],
            path: "Tests/Benchmarks/VerseBenchmark",
            swiftSettings: strictSettings
        ),
        // all-MiniLM-L6-v2's speed and retrieval quality against the hashing embedder.
        .executableTarget(
            name: "EmbeddingBenchmark",
            dependencies: ["Embedding", argumentParser],
            path: "Tests/Benchmarks/EmbeddingBenchmark",
            swiftSettings: strictSettings
        ),
        // Text processing shared by the services: chunking (syllables and rhymes to come).
        .target(
            name: "LyricaText",
            path: "Shared/LyricaText",
            swiftSettings: strictSettings
        ),
        // BLAS for the MiniLM embedder's matrix products.
        .systemLibrary(name: "COpenBLAS", path: "Shared/COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        // Embedders for retrieval: MiniLM in process, the built-in hashing embedder, OpenAI-compatible endpoints.
        .target(
            name: "Embedding",
            dependencies: [
                "COpenBLAS", nioCore, nioPosix, .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Services/Retrieval/Embedding",
            swiftSettings: strictSettings
        ),
        // Dot products chosen at load time for the CPU (AVX-512, AVX2+FMA or portable).
        .target(name: "CVectorKernels", path: "Services/Retrieval/VectorKernels"),
        // The retrieval service's in-process HNSW vector index (cosine, filters, snapshots).
        .target(
            name: "VectorIndex",
            dependencies: ["CVectorKernels", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Services/Retrieval/VectorIndex",
            swiftSettings: strictSettings
        ),
        // The retrieval service: documents, chunks, embeddings, the index following PostgreSQL.
        .target(
            name: "RetrievalService",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", "LyricaService", "LyricaText", "Embedding", "VectorIndex",
                logging, nioCore, nioPosix, swiftProtobuf, argumentParser, serviceLifecycle,
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Retrieval/RetrievalService",
            resources: [.copy("Migrations")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "RetrievalServer",
            dependencies: ["RetrievalService", "LyricaService", argumentParser],
            path: "Services/Retrieval/RetrievalServer",
            swiftSettings: strictSettings
        ),
        // The vector index benchmark (recall, QPS, filters; Tests/Benchmarks/vector-bench.sh).
        .executableTarget(
            name: "VectorBenchmark",
            dependencies: ["VectorIndex"],
            path: "Tests/Benchmarks/VectorBenchmark",
            swiftSettings: strictSettings
        ),
        // The `lyrica` CLI: call, list, describe, bench.
        .executableTarget(
            name: "lyrica",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaText", argumentParser, logging, nioCore, nioPosix, swiftProtobuf,
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tools/lyrica",
            swiftSettings: strictSettings
        ),
        // Token verification in the auth interceptor (Tests/Benchmarks/auth-bench.sh runs it).
        .executableTarget(
            name: "AuthBenchmark",
            dependencies: ["LyricaRPC", "LyricaService", logging, .product(name: "JWTKit", package: "jwt-kit")],
            path: "Tests/Benchmarks/AuthBenchmark",
            swiftSettings: strictSettings
        ),
        // Fuzz entry point for the frame decoder (see README: built with -sanitize=fuzzer, not by CI).
        .executableTarget(
            name: "FrameDecoderFuzzer",
            dependencies: ["LyricaRPC", nioCore],
            path: "Tests/Fuzz/FrameDecoderFuzzer",
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "EchoService", "LyricaPostgres", "LyricaRedis", "LyricaService",
                nioCore, nioPosix, logging, serviceLifecycle, swiftProtobuf,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LyricaRPCTests",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "EchoService", "TestSupport", nioCore, nioPosix, swiftProtobuf, logging,
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/LyricaRPCTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LyricaStoreTests",
            dependencies: [
                "LyricaRPC", "LyricaPostgres", "LyricaRedis", "TestSupport", logging,
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/LyricaStoreTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LyricaServiceTests",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", "LyricaService", "TestSupport", "EchoService", logging,
                nioCore, nioPosix, serviceLifecycle, swiftProtobuf,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/LyricaServiceTests",
            swiftSettings: strictSettings
        ),
        // A running auth service for the tests of every service that checks credentials.
        .target(
            name: "AuthTestSupport",
            dependencies: [
                "AuthService", "LyricaRPC", "LyricaProtos", "LyricaService", "TestSupport", swiftProtobuf, nioCore,
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/AuthTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AuthServiceTests",
            dependencies: [
                "AuthService", "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", "LyricaService", "TestSupport", "EchoService",
                "AuthTestSupport",
                logging, nioCore, nioPosix, serviceLifecycle, swiftProtobuf,
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/AuthServiceTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LyricsServiceTests",
            dependencies: [
                "LyricsService", "AuthService", "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis", "LyricaService",
                "TestSupport", "AuthTestSupport", logging, nioCore, swiftProtobuf,
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/LyricsServiceTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RetrievalServiceTests",
            dependencies: [
                "RetrievalService", "AuthService", "VectorIndex", "LyricaRPC", "LyricaProtos", "LyricaPostgres", "LyricaRedis",
                "LyricaService", "Embedding", "TestSupport", "AuthTestSupport", logging, nioCore, nioPosix, swiftProtobuf,
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/RetrievalServiceTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GenerationServiceTests",
            dependencies: [
                "GenerationService", "LyricsService", "RetrievalService", "FeedbackService", "AuthService", "LyricaRPC", "LyricaProtos",
                "LyricaService",
                "TestSupport", "AuthTestSupport", nioCore, nioPosix, swiftProtobuf,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/GenerationServiceTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FeedbackServiceTests",
            dependencies: [
                "FeedbackService", "LyricsService", "AuthService", "LyricaRPC", "LyricaProtos", "LyricaRedis", "LyricaService",
                "TestSupport", "AuthTestSupport", nioCore, swiftProtobuf,
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/FeedbackServiceTests",
            swiftSettings: strictSettings
        ),
        // The five services as deployed, each its own process from the built executables.
        .testTarget(
            name: "SuiteTests",
            dependencies: [
                "LyricaRPC", "LyricaProtos", "LyricaService", "TestSupport", nioCore, swiftProtobuf,
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/SuiteTests",
            swiftSettings: strictSettings
        ),
        // Deploy/: Kubernetes, compose and systemd files parsed and cross-checked.
        .testTarget(
            name: "DeployTests",
            path: "Tests/DeployTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VerseTests",
            dependencies: ["Verse"],
            path: "Tests/VerseTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LyricaTextTests",
            dependencies: ["LyricaText"],
            path: "Tests/LyricaTextTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EmbeddingTests",
            dependencies: ["Embedding"],
            path: "Tests/EmbeddingTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VectorIndexTests",
            dependencies: ["VectorIndex"],
            path: "Tests/VectorIndexTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LyricaCLITests",
            dependencies: ["LyricaRPC", "LyricaProtos", "EchoService", "TestSupport", nioPosix],
            path: "Tests/LyricaCLITests",
            swiftSettings: strictSettings
        ),
    ]
)
