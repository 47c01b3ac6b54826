package import Foundation
package import Logging
package import PostgresNIO

/// Applies a service's numbered migrations to its own schema: in order, each in a transaction,
/// recorded with its checksum in `<schema>.schema_migrations`, under an advisory lock so that
/// replicas starting together apply each migration once. A landed migration that was edited
/// stops the run with `MigrationError.edited`.
package struct MigrationRunner: Sendable {
    package let client: PostgresClient
    /// The service's schema, e.g. `auth`; migrations run with it first on the search path.
    package let schema: String
    package let migrations: [Migration]
    /// The table (in `schema`) recording what was applied. Default `schema_migrations`; shared
    /// parts of the kit (the event outbox) keep their own ledger beside the service's.
    package let ledger: String

    package init(
        client: PostgresClient, schema: String, migrations: [Migration], ledger: String = "schema_migrations"
    ) throws(MigrationError) {
        for name in [schema, ledger] where name.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) == nil {
            throw MigrationError.invalidSchemaName(name)
        }
        self.client = client
        self.schema = schema
        self.migrations = migrations
        self.ledger = ledger
    }

    /// What `migrate status` prints: each known migration and whether (and when) it was applied.
    package struct Status: Sendable, Equatable {
        package let version: Int
        package let name: String
        package let appliedAt: Date?
        package let checksumMatches: Bool
    }

    /// Applies every pending migration; returns those it applied (none when up to date).
    @discardableResult
    package func apply(logger: Logger) async throws -> [Migration] {
        try await self.withMigrationLock(logger: logger) { connection in
            let applied = try await self.appliedChecksums(connection, logger: logger)
            try self.verify(applied, logger: logger)
            var done: [Migration] = []
            for migration in self.migrations where applied[migration.version] == nil {
                try await self.apply(migration, on: connection, logger: logger)
                done.append(migration)
            }
            return done
        }
    }

    package func status(logger: Logger) async throws -> [Status] {
        try await self.client.withConnection { connection in
            try await self.createBookkeeping(connection, logger: logger)
            var rows: [Int: (String, Date)] = [:]
            let query: PostgresQuery = "SELECT version, checksum, applied_at FROM \(unescaped: self.table)"
            for try await (version, checksum, appliedAt) in try await connection.query(query, logger: logger)
                .decode((Int, String, Date).self)
            {
                rows[version] = (checksum, appliedAt)
            }
            return self.migrations.map { migration in
                let row = rows[migration.version]
                return Status(
                    version: migration.version, name: migration.name, appliedAt: row?.1,
                    checksumMatches: row.map { $0.0 == migration.checksum } ?? true)
            }
        }
    }

    private var table: String { "\(self.schema).\(self.ledger)" }

    /// Holds a session advisory lock keyed by the schema for the whole run.
    private func withMigrationLock<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await self.client.withConnection { connection in
            let key = Self.lockKey("\(self.schema).\(self.ledger)")
            try await connection.query("SELECT pg_advisory_lock(\(key))", logger: logger)
            do {
                try await self.createBookkeeping(connection, logger: logger)
                let result = try await body(connection)
                try await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
                throw error
            }
        }
    }

    private func createBookkeeping(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: self.schema)", logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: self.table) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
    }

    private func appliedChecksums(_ connection: PostgresConnection, logger: Logger) async throws -> [Int: (name: String, checksum: String)] {
        var applied: [Int: (name: String, checksum: String)] = [:]
        let rows = try await connection.query("SELECT version, name, checksum FROM \(unescaped: self.table)", logger: logger)
        for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
            applied[version] = (name, checksum)
        }
        return applied
    }

    private func verify(_ applied: [Int: (name: String, checksum: String)], logger: Logger) throws {
        let known = Dictionary(uniqueKeysWithValues: self.migrations.map { ($0.version, $0) })
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                logger.warning("The database has a migration this build does not know; a newer version ran here",
                               metadata: ["migration.version": "\(version)", "migration.name": "\(record.name)"])
                continue
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError.edited(version: version, name: migration.name, recorded: record.checksum, current: migration.checksum)
            }
        }
    }

    private func apply(_ migration: Migration, on connection: PostgresConnection, logger: Logger) async throws {
        do {
            try await connection.query("BEGIN", logger: logger)
            try await connection.query("SET LOCAL search_path TO \(unescaped: self.schema), public", logger: logger)
            for statement in SQLStatements.split(migration.sql) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                "INSERT INTO \(unescaped: self.table) (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                logger: logger)
            try await connection.query("COMMIT", logger: logger)
            logger.info("Applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)", "db.schema": "\(self.schema)"])
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            let reason = (error as? PSQLError).map { $0.serverInfo?[.message] ?? "\($0.code)" } ?? "\(error)"
            throw MigrationError.failed(version: migration.version, name: migration.name, reason: reason)
        }
    }

    /// A stable 63-bit key per schema (FNV-1a), so every replica locks the same one.
    static func lockKey(_ schema: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "lyrica.migrations.\(schema)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash & 0x7fff_ffff_ffff_ffff)
    }
}
