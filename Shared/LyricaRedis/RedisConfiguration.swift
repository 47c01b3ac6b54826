import Foundation
package import LyricaRPC

/// Where Redis is and how the pool behaves.
package struct RedisConfiguration: Sendable {
    package var host: String = "127.0.0.1"
    package var port: Int = 6379
    package var password: String?
    package var database: Int = 0
    /// Connections (and threads: hiredis blocks) at most. Default 16.
    package var maxConnections: Int = 16
    /// Time to connect. Default 2 s.
    package var connectTimeout: Duration = .seconds(2)
    /// Time a command may take (blocking reads add their own block time). Default 5 s.
    package var commandTimeout: Duration = .seconds(5)
    /// Prefix for every key this client names through the helpers (tests use their own). Default "".
    package var keyPrefix: String = ""

    package init() {}

    /// Reads a `REDIS_URL`: `redis://[:PASSWORD@]HOST[:PORT][/DB]`, with `?pool_max=N` and
    /// `&key_prefix=P` (several deployments, or tests, sharing one Redis).
    package init(url: String) throws(ConfigurationError) {
        guard let components = URLComponents(string: url), components.scheme == "redis", let host = components.host, !host.isEmpty else {
            throw ConfigurationError("REDIS_URL '\(url)' is not redis://[:password@]host[:port][/db]")
        }
        self.init()
        self.host = host
        self.port = components.port ?? 6379
        self.password = components.password?.removingPercentEncoding
        let path = components.path.drop { $0 == "/" }
        if !path.isEmpty {
            guard let database = Int(path), database >= 0 else {
                throw ConfigurationError("REDIS_URL database '\(path)' must be a number")
            }
            self.database = database
        }
        if let poolMax = components.queryItems?.first(where: { $0.name == "pool_max" })?.value {
            guard let value = Int(poolMax), value > 0 else { throw ConfigurationError("REDIS_URL pool_max '\(poolMax)' must be a positive integer") }
            self.maxConnections = value
        }
        if let prefix = components.queryItems?.first(where: { $0.name == "key_prefix" })?.value {
            self.keyPrefix = prefix
        }
    }
}
