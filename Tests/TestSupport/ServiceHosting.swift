package import Foundation
package import LyricaRPC
import NIOCore
package import Testing
package import LyricaService
package import PostgresNIO

/// Runs a service on the kit as `serve` would, against a fresh database and its own Redis key
/// prefix, on ports the system picks; `environment` adds or overrides settings.
package func withServiceHost<Definition: LyricaServiceDefinition, Result: Sendable>(
    _ definition: Definition.Type, environment extra: [String: String] = [:], redisURL: String? = nil,
    _ body: (ServiceHost<Definition>, PostgresClient) async throws -> Result
) async throws -> Result {
    try await withTestDatabase { postgres, databaseURL in
        try await withServiceHost(definition, databaseURL: databaseURL, environment: extra, redisURL: redisURL) { host in
            try await body(host, postgres)
        }
    }
}

/// Runs a service host on an existing database (a restart, or a second replica, of a service
/// `withServiceHost` started), with its own Redis key prefix unless `redisURL` names one.
package func withServiceHost<Definition: LyricaServiceDefinition, Result: Sendable>(
    _ definition: Definition.Type, databaseURL: String, environment extra: [String: String] = [:], redisURL: String? = nil,
    _ body: (ServiceHost<Definition>) async throws -> Result
) async throws -> Result {
    let prefix = "test:\(UUID().uuidString.lowercased()):"
    let redis = try redisURL ?? TestServers.redisURL()
    var values = [
        "DATABASE_URL": databaseURL, "REDIS_URL": redis + (redis.contains("?") ? "&" : "?") + "key_prefix=\(prefix)",
        "RPC_PORT": "0", "ADMIN_PORT": "0",
    ]
    values.merge(extra) { $1 }
    let configuration = try ServiceConfiguration(
        name: Definition.name, rpcPort: 0, adminPort: 0, environment: Environment(values))
    let host = try ServiceHost<Definition>(configuration: configuration, logger: testLogger(Definition.name), signals: false)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await host.run() }
        _ = try await host.server.listeningAddress
        do {
            let result = try await body(host)
            await host.shutDown()
            try await group.waitForAll()
            return result
        } catch {
            await host.shutDown()
            throw error
        }
    }
}

/// Runs `body` with a client for a running service host, closing it afterwards.
package func withClient<Definition: LyricaServiceDefinition, Result: Sendable>(
    _ host: ServiceHost<Definition>, _ body: (RPCClient) async throws -> Result
) async throws -> Result {
    let port = try await host.server.listeningAddress.port!
    return try await withClosing(RPCClient(endpoints: [Endpoint(host: "127.0.0.1", port: port)], logger: testLogger("client")), body)
}

/// Polls `condition` every 50 ms until it holds, recording an issue after `timeout`.
package func eventually(
    _ what: String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("Timed out waiting until \(what)", sourceLocation: sourceLocation)
}

/// A program built beside the tests (`lyrica`, `lyrica-auth`, …).
package func builtExecutable(_ name: String) -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // Swift Testing may run from inside the .xctest bundle on some platforms.
    while directory.pathExtension == "xctest" || directory.lastPathComponent == "MacOS" || directory.lastPathComponent == "Contents" {
        directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent(name)
}
