package import Logging
package import LyricaRPC
package import LyricaRedis
import NIOConcurrencyHelpers
package import PostgresNIO

/// The shared parts a service builds on: its configuration, logger, stores, and clients for the
/// services it calls (each also checked by `/readyz` and closed on shutdown).
package final class ServiceRuntime: Sendable {
    package let configuration: ServiceConfiguration
    package let logger: Logger
    private let _postgres: PostgresClient?
    private let _redis: RedisClient?
    private let madeClients = NIOLockedValueBox<[(String, RPCClient)]>([])
    /// What this service sends on its outgoing calls: its service token and the user it acts for.
    package let credentials: ServiceCredentials

    init(configuration: ServiceConfiguration, logger: Logger, postgres: PostgresClient?, redis: RedisClient?) {
        self.configuration = configuration
        self.logger = logger
        self._postgres = postgres
        self._redis = redis
        self.credentials = ServiceCredentials(service: configuration.name, secret: configuration.serviceSecret, logger: logger)
    }

    /// The service's PostgreSQL client (only for definitions that use PostgreSQL).
    package var postgres: PostgresClient {
        guard let client = self._postgres else { preconditionFailure("\(self.configuration.name) does not declare usesPostgres") }
        return client
    }

    /// The service's Redis client (only for definitions that use Redis).
    package var redis: RedisClient {
        guard let client = self._redis else { preconditionFailure("\(self.configuration.name) does not declare usesRedis") }
        return client
    }

    /// A client for another service, from `<NAME>_ENDPOINTS` (else its local default port), that
    /// sends this service's credentials. One per service: asking again returns the same client.
    package func client(for service: String, defaultPort: Int) throws -> RPCClient {
        if let made = self.madeClients.withLockedValue({ $0.first { $0.0 == service }?.1 }) { return made }
        let endpoints = try self.configuration.endpoints(of: service, defaultPort: defaultPort)
        var configuration = RPCClient.Configuration.defaults
        configuration.credentials = self.credentials
        let client = RPCClient(endpoints: endpoints, configuration: configuration, logger: self.logger)
        if service == "auth" { self.credentials.use(authClient: client) }
        self.madeClients.withLockedValue { $0.append((service, client)) }
        return client
    }

    var clients: [(String, RPCClient)] { self.madeClients.withLockedValue { $0 } }
}
