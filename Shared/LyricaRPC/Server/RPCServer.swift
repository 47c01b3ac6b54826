package import Logging
package import NIOCore
package import NIOPosix
import NIOConcurrencyHelpers
package import ServiceLifecycle

/// A Lyrica RPC server: listens on TCP, serves the given services plus Health and Reflection,
/// and on graceful shutdown stops accepting, sends GOAWAY and drains in-flight calls for up to
/// the grace period. Run it in a `ServiceGroup` (SIGTERM) or call `run()` directly.
package final class RPCServer: Service, Sendable {
    package let configuration: Configuration
    /// The server's health, served by `lyrica.health.v1.Health`; set services' status here.
    package let health: HealthStatus
    private let shared: Shared
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let boundAddress: NIOLockedValueBox<Result<SocketAddress, any Error>?> = .init(nil)
    private let boundWaiters = NIOLockedValueBox<[CheckedContinuation<SocketAddress, any Error>]>([])

    /// - Parameters:
    ///   - services: served with Health and Reflection.
    ///   - interceptors: run around every handler, in order.
    ///   - eventLoopGroup: default `MultiThreadedEventLoopGroup.singleton`.
    package init(
        configuration: Configuration = .defaults, services: [any RPCService],
        interceptors: [any RPCServerInterceptor] = [],
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        let health = HealthStatus()
        var router = RPCRouter()
        for service in services { router.add(service) }
        router.add(HealthService(status: health))
        router.add(ReflectionService(services: router.services))
        for service in router.services { health.set(.serving, for: service.name) }
        self.configuration = configuration
        self.health = health
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.shared = Shared(configuration: configuration, router: router, interceptors: interceptors, logger: logger)
    }

    /// The address the server listens on, once it does (the port, when configured as 0).
    package var listeningAddress: SocketAddress {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let result: Result<SocketAddress, any Error>? = self.boundAddress.withLockedValue { bound in
                    if bound == nil { self.boundWaiters.withLockedValue { $0.append(continuation) } }
                    return bound
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }

    package func run() async throws {
        let shared = self.shared
        let listener: any Channel
        do {
            listener = try await ServerBootstrap(group: self.eventLoopGroup)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ServerConnectionHandler(shared: shared, eventLoop: channel.eventLoop))
                    }
                }
                .bind(host: self.configuration.host, port: self.configuration.port)
                .get()
        } catch {
            self.publishAddress(.failure(RPCError(.unavailable, "Cannot listen on \(self.configuration.host):\(self.configuration.port): \(error)")))
            throw error
        }
        let address = listener.localAddress!
        self.logger.info("Listening", metadata: ["rpc.address": "\(address)", "rpc.services": "\(shared.router.services.map(\.name))"])
        self.publishAddress(.success(address))

        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await listener.closeFuture.get()
                await shared.connections.waitUntilEmpty()
            } onGracefulShutdown: {
                self.beginShutdown(listener: listener)
            }
        } onCancel: {
            listener.close(promise: nil)
            shared.connections.forEach { connection in connection.onLoop { connection.forceClose() } }
        }
        self.logger.info("Stopped")
    }

    /// Stops accepting, asks every connection to drain, and ends stragglers after the grace period.
    private func beginShutdown(listener: any Channel) {
        self.logger.info("Draining", metadata: ["rpc.grace_period": "\(self.configuration.shutdownGracePeriod)"])
        self.shared.beginDraining()
        self.health.markAllNotServing()
        listener.close(promise: nil)
        self.shared.connections.forEach { connection in
            connection.onLoop { connection.beginDraining(reason: "The server is shutting down") }
        }
        let shared = self.shared
        listener.eventLoop.scheduleTask(in: self.configuration.shutdownGracePeriod) {
            shared.connections.forEach { connection in connection.onLoop { connection.forceClose() } }
        }
    }

    private func publishAddress(_ result: Result<SocketAddress, any Error>) {
        self.boundAddress.withLockedValue { $0 = result }
        let waiters = self.boundWaiters.withLockedValue { waiters in
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}

extension RPCServer {
    /// What every connection of one server shares.
    final class Shared: Sendable {
        let configuration: Configuration
        let router: RPCRouter
        let interceptors: [any RPCServerInterceptor]
        let logger: Logger
        let connections = ConnectionRegistry<ServerConnectionHandler>()
        private let draining = NIOLockedValueBox(false)

        init(configuration: Configuration, router: RPCRouter, interceptors: [any RPCServerInterceptor], logger: Logger) {
            self.configuration = configuration
            self.router = router
            self.interceptors = interceptors
            self.logger = logger
        }

        var isDraining: Bool { self.draining.withLockedValue { $0 } }
        func beginDraining() { self.draining.withLockedValue { $0 = true } }
    }
}

/// Live connections, so shutdown can reach them and wait for them to close.
final class ConnectionRegistry<Connection: AnyObject & Sendable>: Sendable {
    private struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = NIOLockedValueBox(State())

    func add(_ connection: Connection) {
        self.state.withLockedValue { $0.connections[ObjectIdentifier(connection)] = connection }
    }

    func remove(_ connection: Connection) {
        let waiters: [CheckedContinuation<Void, Never>] = self.state.withLockedValue { state in
            state.connections[ObjectIdentifier(connection)] = nil
            guard state.connections.isEmpty else { return [] }
            defer { state.emptyWaiters = [] }
            return state.emptyWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func forEach(_ body: (Connection) -> Void) {
        let connections = self.state.withLockedValue { Array($0.connections.values) }
        connections.forEach(body)
    }

    var count: Int { self.state.withLockedValue { $0.connections.count } }

    func waitUntilEmpty() async {
        await withCheckedContinuation { continuation in
            let empty = self.state.withLockedValue { state in
                if state.connections.isEmpty { return true }
                state.emptyWaiters.append(continuation)
                return false
            }
            if empty { continuation.resume() }
        }
    }
}
