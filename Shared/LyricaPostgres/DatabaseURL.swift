import Foundation
package import LyricaRPC
package import PostgresNIO

extension PostgresClient.Configuration {
    /// Reads a `DATABASE_URL`: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require&pool_max=N]`.
    /// Defaults: port 5432, `sslmode=disable` on loopback and `require` elsewhere, pool of 20.
    package init(databaseURL: String) throws(ConfigurationError) {
        guard let components = URLComponents(string: databaseURL),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw ConfigurationError("DATABASE_URL '\(Self.redacted(databaseURL))' is not a postgres:// URL (postgres://user:password@host:5432/database)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigurationError("DATABASE_URL '\(Self.redacted(databaseURL))' has no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ConfigurationError("DATABASE_URL '\(Self.redacted(databaseURL))' has no user name")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw ConfigurationError("DATABASE_URL '\(Self.redacted(databaseURL))' names no database (…/database)")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1"
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? (loopback ? "disable" : "require") {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw ConfigurationError("DATABASE_URL sslmode '\(other)' is not one of disable, prefer, require")
        }
        self.init(
            host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: components.password?.removingPercentEncoding, database: database, tls: tls)
        if let poolMax = query["pool_max"] {
            guard let value = Int(poolMax), value > 0 else {
                throw ConfigurationError("DATABASE_URL pool_max '\(poolMax)' must be a positive integer")
            }
            self.options.maximumConnections = value
        }
    }

    /// The URL with its password replaced, for messages and logs.
    package static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "(unparseable)"
    }
}
