package import EchoService
package import Logging
package import LyricaRPC
import NIOCore
import Foundation
import ServiceLifecycle

/// A logger for tests: quiet unless `LYRICA_TEST_LOG` names a level.
package func testLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfoLevel.level
    return logger
}

private enum ProcessInfoLevel {
    static let level: Logger.Level = {
        guard let raw = getenv("LYRICA_TEST_LOG") else { return .critical }
        return Logger.Level(rawValue: String(cString: raw)) ?? .critical
    }()
}

/// A server on 127.0.0.1 with a free port, for the duration of `body`.
package struct RunningServer: Sendable {
    package let server: RPCServer
    package let endpoint: Endpoint
    /// Starts a graceful shutdown (as SIGTERM would).
    package let shutDown: @Sendable () async -> Void

    /// A new client for this server; close it when done.
    package func makeClient(configuration: RPCClient.Configuration = .defaults) -> RPCClient {
        RPCClient(endpoints: [self.endpoint], configuration: configuration, logger: testLogger("client"))
    }
}

/// Runs a server (Echo by default) on a free port around `body`, then shuts it down gracefully
/// and waits until it has stopped.
package func withRunningServer<Result: Sendable>(
    services: [any RPCService] = [EchoService()],
    interceptors: [any RPCServerInterceptor] = [],
    configure: (inout RPCServer.Configuration) -> Void = { _ in },
    _ body: (RunningServer) async throws -> Result
) async throws -> Result {
    var configuration = RPCServer.Configuration.defaults
    configure(&configuration)
    let server = RPCServer(configuration: configuration, services: services, interceptors: interceptors, logger: testLogger("server"))
    let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], cancellationSignals: [], logger: testLogger("group"))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let address = try await server.listeningAddress
            let running = RunningServer(
                server: server, endpoint: Endpoint(host: "127.0.0.1", port: address.port!),
                shutDown: { await group.triggerGracefulShutdown() })
            let result = try await body(running)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            throw error
        }
    }
}

/// Runs `body` with a client for `endpoint`, closing it afterwards.
package func withClient<Result: Sendable>(
    _ running: RunningServer, configuration: RPCClient.Configuration = .defaults,
    _ body: (RPCClient) async throws -> Result
) async throws -> Result {
    try await withClosing(running.makeClient(configuration: configuration), body)
}

/// Runs `body` with `client`, closing it afterwards whether or not `body` throws.
package func withClosing<Result: Sendable>(_ client: RPCClient, _ body: (RPCClient) async throws -> Result) async throws -> Result {
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}
