package import LyricaRPC
package import LyricaRedis
package import PostgresNIO
import Logging

/// One dependency `/readyz` checks; throwing means not ready, with the error as the reason.
package protocol ReadinessCheck: Sendable {
    var name: String { get }
    func check() async throws
}

/// PostgreSQL answers `SELECT 1`.
package struct PostgresReadiness: ReadinessCheck {
    package let client: PostgresClient
    package var name: String { "postgres" }
    package init(client: PostgresClient) { self.client = client }

    package func check() async throws {
        let rows = try await self.client.query("SELECT 1", logger: Logger(label: "lyrica.readiness"))
        for try await _ in rows {}
    }
}

/// Redis answers `PING`.
package struct RedisReadiness: ReadinessCheck {
    package let client: RedisClient
    package var name: String { "redis" }
    package init(client: RedisClient) { self.client = client }

    package func check() async throws {
        let reply = try await self.client.send(["PING"])
        guard reply == .status("PONG") else { throw RPCError(.unavailable, "Redis answered \(reply)") }
    }
}

/// A downstream Lyrica service reports SERVING through its Health service.
package struct ServiceReadiness: ReadinessCheck {
    package let name: String
    package let client: RPCClient
    package init(name: String, client: RPCClient) {
        self.name = name
        self.client = client
    }

    package func check() async throws {
        let response = try await Lyrica_Health_V1_Health.Client(wrapping: self.client).check(.init(), options: CallOptions(timeout: .seconds(2)))
        guard response.status == .serving else { throw RPCError(.unavailable, "\(self.name) is \(response.status)") }
    }
}
