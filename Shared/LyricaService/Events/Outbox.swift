package import Foundation
package import Logging
import LyricaRPC
package import LyricaPostgres
package import PostgresNIO

/// Writes events into the producing service's outbox, inside the caller's transaction: the event
/// exists if and only if the change it describes committed.
package struct Outbox: Sendable {
    /// The service's schema, which holds `outbox` and `processed_events`.
    package let schema: String

    package init(schema: String) {
        self.schema = schema
    }

    /// The outbox tables, applied with their own ledger (`<schema>.event_migrations`) beside the
    /// service's own migrations.
    package static func migrations() throws -> [Migration] {
        try Migration.load(bundle: .module, owner: "the outbox")
    }

    package func migrationRunner(client: PostgresClient) throws -> MigrationRunner {
        try MigrationRunner(client: client, schema: self.schema, migrations: try Self.migrations(), ledger: "event_migrations")
    }

    /// Records `event` on `connection`, which must be inside the transaction of the change.
    package func enqueue(_ event: Event, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: self.schema).outbox (event_id, topic, payload, occurred_at)
            VALUES (\(event.id), \(event.topic), \(event.payload), \(event.occurredAt))
            """, logger: logger)
    }

    /// Events not yet published, oldest first (for tests and `migrate status`-style tooling).
    package func unpublishedCount(client: PostgresClient, logger: Logger) async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM \(unescaped: self.schema).outbox WHERE published_at IS NULL", logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
