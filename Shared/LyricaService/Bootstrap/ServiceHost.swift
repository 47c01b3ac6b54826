package import Logging
package import LyricaPostgres
package import LyricaRPC
package import LyricaRedis
package import PostgresNIO
package import ServiceLifecycle
import Prometheus
import UnixSignals
import NIOConcurrencyHelpers

/// Runs one service: its stores, migrations (on start, by default), RPC server with the kit's
/// interceptors, admin port, clients and background work, in one `ServiceGroup` started in
/// dependency order and stopped in reverse on SIGTERM/SIGINT (the RPC server drains first).
package final class ServiceHost<Definition: LyricaServiceDefinition>: Sendable {
    package let configuration: ServiceConfiguration
    package let server: RPCServer
    package let admin: AdminServer?
    package let runtime: ServiceRuntime
    private let group: ServiceGroup

    package init(configuration: ServiceConfiguration, logger: Logger, signals: Bool = true) throws {
        let postgres = Definition.usesPostgres
            ? PostgresClient(configuration: try PostgresClient.Configuration(databaseURL: configuration.databaseURL), backgroundLogger: logger)
            : nil
        let redis = Definition.usesRedis ? RedisClient(configuration: try RedisConfiguration(url: configuration.redisURL), logger: logger) : nil
        let runtime = ServiceRuntime(configuration: configuration, logger: logger, postgres: postgres, redis: redis)
        let parts = try Definition.makeParts(runtime)
        let server = RPCServer(
            configuration: configuration.server, services: parts.rpcServices,
            interceptors: [
                TraceContextInterceptor(), RequestLoggingInterceptor(),
                MetricsInterceptor(factory: PrometheusMetricsFactory(registry: ObservabilityBootstrap.registry)),
            ] + parts.interceptors,
            logger: logger)
        var checks: [any ReadinessCheck] = []
        if let postgres { checks.append(PostgresReadiness(client: postgres)) }
        if let redis { checks.append(RedisReadiness(client: redis)) }
        checks += runtime.clients.map { ServiceReadiness(name: $0.0, client: $0.1) }
        checks += parts.readiness
        let admin = configuration.adminPort.map { port in
            AdminServer(host: configuration.adminHost, port: port, registry: ObservabilityBootstrap.registry, checks: checks, logger: logger)
        }
        var services: [any Service] = []
        if let postgres { services.append(postgres) }
        if let redis { services.append(redis) }
        services += runtime.clients.map(\.1) as [any Service]
        if let admin { services.append(admin) }
        let migrate = configuration.migrateOnStart && Definition.usesPostgres
        // Background work (outbox relays, consumers) starts once the schema is current, too.
        let migrated = StartGate()
        services.append(PreludeService(server) {
            if migrate, let postgres { try await Self.migrate(postgres: postgres, logger: logger) }
            migrated.open()
        })
        services += parts.background.map { service in PreludeService(service) { try await migrated.wait() } }
        var group = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: signals ? [.sigterm, .sigint] : [], cancellationSignals: [], logger: logger)
        // A part that ignores shutdown must not keep the process alive: past the drain and a
        // margin, shutdown turns into cancellation, and a part ignoring that too ends the process.
        group.maximumGracefulShutdownDuration = Duration(configuration.server.shutdownGracePeriod) + Self.shutdownMargin
        group.maximumCancellationDuration = Self.shutdownMargin
        self.group = ServiceGroup(configuration: group)
        self.configuration = configuration
        self.server = server
        self.admin = admin
        self.runtime = runtime
    }

    /// How long, past the RPC drain, the other parts have to stop, and then to honour cancellation.
    static var shutdownMargin: Duration { .seconds(10) }

    package func run() async throws {
        try await self.group.run()
    }

    /// As SIGTERM would.
    package func shutDown() async {
        await self.group.triggerGracefulShutdown()
    }

    /// Applies the service's migrations (and the outbox's, if it uses events).
    package static func migrate(postgres: PostgresClient, logger: Logger) async throws {
        if Definition.usesEvents {
            try await Outbox(schema: Definition.name).migrationRunner(client: postgres).apply(logger: logger)
        }
        try await MigrationRunner(client: postgres, schema: Definition.name, migrations: try Definition.migrations()).apply(logger: logger)
    }
}

/// Runs `prelude` (migrations) before `service`, so the server only listens once the schema is current.
struct PreludeService: Service {
    let service: any Service
    let prelude: @Sendable () async throws -> Void

    init(_ service: any Service, prelude: @escaping @Sendable () async throws -> Void) {
        self.service = service
        self.prelude = prelude
    }

    func run() async throws {
        do {
            try await self.prelude()
        } catch is CancellationError {
            return  // stopped before it started: nothing ran, so there is nothing to stop
        }
        try await self.service.run()
    }
}

/// Opens once. Waiting polls: it must also end on cancellation and graceful shutdown, which a
/// bare continuation would not notice, and start-up is the only time anyone waits.
final class StartGate: Sendable {
    private let isOpen = NIOLockedValueBox(false)

    func open() {
        self.isOpen.withLockedValue { $0 = true }
    }

    /// Returns once open; throws `CancellationError` if the service stops first.
    func wait() async throws {
        while !self.isOpen.withLockedValue({ $0 }) {
            await sleepUnlessShuttingDown(.milliseconds(20))
            if !self.isOpen.withLockedValue({ $0 }) && (Task.isCancelled || Task.isShuttingDownGracefully) { throw CancellationError() }
        }
    }
}
