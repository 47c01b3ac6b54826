import Foundation
package import Logging
package import LyricaPostgres
package import LyricaRedis
package import PostgresNIO

/// The servers `Deploy/local/test.sh` started: tests need them and fail loudly without them.
package enum TestServers {
    package static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["LYRICA_TEST_POSTGRES_URL"] else {
            throw ConfigurationErrorForTests("LYRICA_TEST_POSTGRES_URL is not set: run the tests with Deploy/local/test.sh, which starts PostgreSQL")
        }
        return url
    }

    package static func redisURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["LYRICA_TEST_REDIS_URL"] else {
            throw ConfigurationErrorForTests("LYRICA_TEST_REDIS_URL is not set: run the tests with Deploy/local/test.sh, which starts Redis")
        }
        return url
    }
}

package struct ConfigurationErrorForTests: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a running `PostgresClient`.
package func withPostgresClient<Result: Sendable>(
    url: String, _ body: (PostgresClient) async throws -> Result
) async throws -> Result {
    let client = PostgresClient(configuration: try PostgresClient.Configuration(databaseURL: url), backgroundLogger: testLogger("postgres"))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

/// A fresh, empty database for one test (dropped afterwards), with a client and its URL.
package func withTestDatabase<Result: Sendable>(
    _ body: (PostgresClient, String) async throws -> Result
) async throws -> Result {
    let adminURL = try TestServers.postgresURL()
    let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await withPostgresClient(url: adminURL) { admin in
        try await admin.query("CREATE DATABASE \(unescaped: name)", logger: testLogger())
    }
    var components = URLComponents(string: adminURL)!
    components.path = "/" + name
    // Small pools: dozens of tests run at once, each with a few services, on one PostgreSQL.
    components.queryItems = (components.queryItems ?? []).filter { $0.name != "pool_max" } + [URLQueryItem(name: "pool_max", value: "4")]
    let url = components.string!
    do {
        let result = try await withPostgresClient(url: url) { client in try await body(client, url) }
        try await dropDatabase(name, adminURL: adminURL)
        return result
    } catch {
        try? await dropDatabase(name, adminURL: adminURL)
        throw error
    }
}

private func dropDatabase(_ name: String, adminURL: String) async throws {
    try await withPostgresClient(url: adminURL) { admin in
        try await admin.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: testLogger())
    }
}

/// A Redis client on the test server whose keys all carry a prefix of their own.
package func withTestRedis<Result: Sendable>(
    url: String? = nil, configure: (inout RedisConfiguration) -> Void = { _ in },
    _ body: (RedisClient) async throws -> Result
) async throws -> Result {
    var configuration = try RedisConfiguration(url: url ?? TestServers.redisURL())
    configuration.keyPrefix = "test:\(UUID().uuidString):"
    configure(&configuration)
    let client = RedisClient(configuration: configuration, logger: testLogger("redis"))
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

/// A redis-server of a test's own, so the test can stop and restart it.
package final class RedisServerProcess: @unchecked Sendable {
    package let port: Int
    private let directory: URL
    private var process: Process?

    package init() throws {
        self.port = try TestPorts.unused()
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("lyrica-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
    }

    package var url: String { "redis://127.0.0.1:\(self.port)" }

    /// Starts the server (append-only persistence on) and waits until it answers.
    package func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = [
            "--port", "\(self.port)", "--bind", "127.0.0.1", "--dir", self.directory.path, "--appendonly", "yes",
            "--appendfsync", "always", "--save", "",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        // Generous: at the start of a full run dozens of tests start servers at once.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                self.process = nil
                throw ConfigurationErrorForTests("redis-server on port \(self.port) exited with status \(process.terminationStatus)")
            }
            if (try? await withTestRedis(url: self.url, { try await $0.send(["PING"]) })) == .status("PONG") { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw ConfigurationErrorForTests("redis-server on port \(self.port) did not start")
    }

    /// Kills the server (SIGKILL: a crash, and the child may have inherited SIGTERM blocked) and
    /// waits for it to exit. `appendfsync always` keeps every acknowledged write.
    package func stop() {
        guard let process = self.process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        self.stop()
        try? FileManager.default.removeItem(at: self.directory)
    }
}
