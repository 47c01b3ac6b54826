package import ArgumentParser
package import LyricaPostgres
package import LyricaRPC
package import ServiceLifecycle

/// What a service tells the kit about itself; the kit does the rest (configuration, stores,
/// migrations, admin port, interceptors, lifecycle, the `serve`/`migrate`/`healthcheck` command).
package protocol LyricaServiceDefinition: Sendable {
    /// Short name: `auth`, `lyrics`, …; also its schema and local database suffix.
    static var name: String { get }
    static var defaultRPCPort: Int { get }
    static var defaultAdminPort: Int { get }
    /// Whether it needs PostgreSQL (`DATABASE_URL`) and Redis (`REDIS_URL`). Default true.
    static var usesPostgres: Bool { get }
    static var usesRedis: Bool { get }
    /// Whether it writes or reads events (adds the outbox tables). Default false.
    static var usesEvents: Bool { get }
    /// Its numbered migrations, applied to its own schema.
    static func migrations() throws -> [Migration]
    /// Builds its handlers and background work from the runtime's shared parts.
    static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts
    /// Subcommands of its own beside serve, migrate and healthcheck. Default none.
    static var commands: [any ParsableCommand.Type] { get }
}

extension LyricaServiceDefinition {
    package static var usesPostgres: Bool { true }
    package static var usesRedis: Bool { true }
    package static var usesEvents: Bool { false }
    package static func migrations() throws -> [Migration] { [] }
    package static var commands: [any ParsableCommand.Type] { [] }
}

/// A service's own parts, run by the kit in its service group.
package struct ServiceParts: Sendable {
    package var rpcServices: [any RPCService]
    /// Run after the kit's tracing, logging and metrics interceptors.
    package var interceptors: [any RPCServerInterceptor]
    /// Long-running work: event relays and consumers, sweepers.
    package var background: [any Service]
    /// Extra `/readyz` checks (the kit adds PostgreSQL, Redis and every client it made).
    package var readiness: [any ReadinessCheck]

    package init(
        rpcServices: [any RPCService], interceptors: [any RPCServerInterceptor] = [], background: [any Service] = [],
        readiness: [any ReadinessCheck] = []
    ) {
        self.rpcServices = rpcServices
        self.interceptors = interceptors
        self.background = background
        self.readiness = readiness
    }
}
