package import Logging
package import LyricaRPC
import NIOCore

/// What every Lyrica service reads from its environment (flags override). Defaults suit a local run.
///
/// Keys: `RPC_HOST` (127.0.0.1), `RPC_PORT` (the service's port, e.g. 7102 for lyrics), `ADMIN_HOST`
/// (127.0.0.1), `ADMIN_PORT` (the service's admin port, e.g. 9102; 0 picks one; `off` disables it),
/// `DATABASE_URL` (postgres://lyrica_<name>:lyrica_<name>@127.0.0.1:55432/lyrica_<name>), `REDIS_URL`
/// (redis://127.0.0.1:56379), `LOG_LEVEL` (info), `LOG_FORMAT` (text or json), `SHUTDOWN_GRACE` (30s),
/// `MIGRATE_ON_START` (true), `SERVICE_SECRET` (this service's identity towards the others; unset:
/// none), `USER_RATE_LIMIT_PER_MINUTE` (600 calls per user per minute, across services), and for
/// each service called, `<NAME>_ENDPOINTS`.
package struct ServiceConfiguration: Sendable {
    package var name: String
    package var server: RPCServer.Configuration
    package var adminHost: String
    /// nil: no admin port.
    package var adminPort: Int?
    package var databaseURL: String
    package var redisURL: String
    package var logLevel: Logger.Level
    package var logFormat: LogFormat
    package var migrateOnStart: Bool
    /// This service's secret for IssueServiceToken (`lyrica-auth service-secret <name>` prints it).
    package var serviceSecret: String?
    package var userRateLimitPerMinute: Int
    package var environment: Environment

    package enum LogFormat: String, Sendable { case text, json }

    package init(name: String, rpcPort: Int, adminPort: Int, environment: Environment = Environment()) throws(ConfigurationError) {
        self.name = name
        self.environment = environment
        var server = RPCServer.Configuration.defaults
        server.host = environment.string("RPC_HOST") ?? "127.0.0.1"
        server.port = try environment.int("RPC_PORT", in: 0...65535) ?? rpcPort
        if let grace = try environment.duration("SHUTDOWN_GRACE") { server.shutdownGracePeriod = TimeAmount(grace) }
        if let frame = try environment.int("RPC_MAX_FRAME_BYTES", in: 1024...(256 << 20)) { server.maxFrameSize = frame }
        self.server = server
        self.adminHost = environment.string("ADMIN_HOST") ?? "127.0.0.1"
        self.adminPort = environment.string("ADMIN_PORT") == "off" ? nil : (try environment.int("ADMIN_PORT", in: 0...65535) ?? adminPort)
        self.databaseURL = environment.string("DATABASE_URL") ?? "postgres://lyrica_\(name):lyrica_\(name)@127.0.0.1:55432/lyrica_\(name)?sslmode=disable"
        self.redisURL = environment.string("REDIS_URL") ?? "redis://127.0.0.1:56379"
        let level = try environment.choice("LOG_LEVEL", Logger.Level.allCases.map(\.rawValue)) ?? "info"
        self.logLevel = Logger.Level(rawValue: level)!
        self.logFormat = LogFormat(rawValue: try environment.choice("LOG_FORMAT", ["text", "json"]) ?? "text")!
        let migrate = try environment.choice("MIGRATE_ON_START", ["true", "false", "1", "0"]) ?? "true"
        self.migrateOnStart = migrate == "true" || migrate == "1"
        self.serviceSecret = environment.string("SERVICE_SECRET").flatMap { $0.isEmpty ? nil : $0 }
        self.userRateLimitPerMinute = try environment.int("USER_RATE_LIMIT_PER_MINUTE", in: 1...10_000_000) ?? 600
    }

    /// The endpoints of a service this one calls: `<NAME>_ENDPOINTS`, else its local default.
    package func endpoints(of service: String, defaultPort: Int) throws(ConfigurationError) -> [Endpoint] {
        try self.environment.endpoints("\(service.uppercased())_ENDPOINTS") ?? [Endpoint(host: "127.0.0.1", port: defaultPort)]
    }
}
