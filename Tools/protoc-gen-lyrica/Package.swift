// swift-tools-version:6.1
// The stub generator and the pinned protoc-gen-swift, kept out of the main package so that a
// normal build (and CI) never compiles them: generated code is committed.
import PackageDescription

let package = Package(
    name: "protoc-gen-lyrica",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0")
    ],
    targets: [
        .executableTarget(
            name: "protoc-gen-lyrica",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        )
    ]
)
