import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One connection slot to one endpoint: connects on demand, shares a connect in progress, and
/// after a failure backs off exponentially (with jitter) before it tries again. While backing
/// off it fails calls at once, so a dead endpoint costs callers nothing.
final class Subchannel: Sendable {
    enum State {
        case idle
        case connecting(EventLoopFuture<ClientConnectionHandler>)
        case ready(ClientConnectionHandler)
        case backingOff(until: NIODeadline, attempt: Int, lastError: String)
        case shutDown
    }

    let endpoint: Endpoint
    private let configuration: RPCClient.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State.idle)
    /// Consecutive failed attempts, for the backoff.
    private let failures = NIOLockedValueBox(0)

    init(endpoint: Endpoint, configuration: RPCClient.Configuration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// The connection if it is up; never waits.
    var readyConnection: ClientConnectionHandler? {
        self.state.withLockedValue { state in
            if case .ready(let connection) = state { return connection }
            return nil
        }
    }

    /// A ready connection, connecting first if needed. Throws UNAVAILABLE at once while backing off.
    func connection() async throws -> ClientConnectionHandler {
        enum Step { case ready(ClientConnectionHandler), wait(EventLoopFuture<ClientConnectionHandler>), fail(RPCError) }
        let step: Step = self.state.withLockedValue { state in
            switch state {
            case .ready(let connection): return .ready(connection)
            case .connecting(let future): return .wait(future)
            case .shutDown: return .fail(RPCError(.unavailable, "The client is closed"))
            case .backingOff(let until, _, let lastError) where NIODeadline.now() < until:
                return .fail(RPCError(.unavailable, "\(self.endpoint) is unreachable (\(lastError)); retrying in \((until - .now()).nanoseconds / 1_000_000) ms"))
            case .idle, .backingOff:
                let future = self.connect()
                state = .connecting(future)
                return .wait(future)
            }
        }
        switch step {
        case .ready(let connection): return connection
        case .fail(let error): throw error
        case .wait(let future):
            do {
                return try await future.get()
            } catch let error as RPCError {
                throw error
            } catch {
                throw RPCError(.unavailable, "Cannot connect to \(self.endpoint): \(error)")
            }
        }
    }

    private func connect() -> EventLoopFuture<ClientConnectionHandler> {
        let eventLoop = self.eventLoopGroup.next()
        let configuration = self.configuration
        let endpoint = self.endpoint
        let logger = self.logger
        let future = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = ClientConnectionHandler(
                        endpoint: endpoint, configuration: configuration, eventLoop: channel.eventLoop, logger: logger
                    ) { [weak self] connection, event in
                        self?.connectionChanged(connection, event)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .flatMapThrowing { channel in
                try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self)
            }
        future.whenComplete { result in
            let failures: Int = self.failures.withLockedValue { failures in
                if case .success = result { failures = 0 } else { failures += 1 }
                return failures
            }
            self.state.withLockedValue { state in
                guard case .connecting = state else { return }  // shut down meanwhile
                switch result {
                case .success(let connection):
                    state = .ready(connection)
                case .failure(let error):
                    let delay = configuration.backoff.delay(forAttempt: failures)
                    logger.debug("Connect failed", metadata: ["rpc.endpoint": "\(endpoint)", "error": "\(error)", "retry_in_ms": "\(delay.nanoseconds / 1_000_000)"])
                    state = .backingOff(until: .now() + delay, attempt: failures, lastError: "\(error)")
                }
            }
            if case .success(let connection) = result, self.isShutDown { connection.link.onLoop { connection.link.close() } }
        }
        return future
    }

    /// The connection went away or is going: the next call connects anew.
    private func connectionChanged(_ connection: ClientConnectionHandler, _ event: ClientConnectionHandler.Event) {
        self.state.withLockedValue { state in
            if case .ready(let current) = state, current === connection { state = .idle }
        }
    }

    private var isShutDown: Bool {
        self.state.withLockedValue { if case .shutDown = $0 { true } else { false } }
    }

    /// Closes the connection; in-flight calls fail with UNAVAILABLE.
    func shutDown() -> EventLoopFuture<Void>? {
        let connection: ClientConnectionHandler? = self.state.withLockedValue { state in
            defer { state = .shutDown }
            if case .ready(let connection) = state { return connection }
            return nil
        }
        guard let connection else { return nil }
        let promise = connection.eventLoop.makePromise(of: Void.self)
        connection.link.onLoop {
            connection.link.close()
            promise.succeed()
        }
        return promise.futureResult
    }
}
