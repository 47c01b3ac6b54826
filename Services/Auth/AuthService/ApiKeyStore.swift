package import Foundation
package import Logging
import LyricaPostgres
import LyricaRPC
package import LyricaService
package import PostgresNIO

/// All SQL for API keys. Keys are found by the SHA-256 of their secret: the secret has 256 bits
/// of entropy, so a fast hash is as safe as a slow one and lets every call be checked cheaply.
package struct ApiKeyStore: Sendable {
    package let postgres: PostgresClient

    package init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    private typealias Row = (UUID, UUID, String, String, [String], Int32, Int32, Bool, Date, Date?, Date?, Int64)
    private static let columns = """
        id, user_id, name, key_prefix, scopes, rate_limit_per_minute, rate_limit_per_day, is_active, created_at,
        expires_at, last_used_at, usage_count
        """
    /// The same, of the table aliased `k`.
    private static let columnsOfK = SQLColumns.qualified(Self.columns, by: "k")

    package func create(
        userID: UUID, name: String, keyHash: String, prefix: String, scopes: Set<Scope>, perMinute: Int, perDay: Int,
        expiresAt: Date?, logger: Logger
    ) async throws -> ApiKey {
        let rows = try await self.postgres.query(
            """
            INSERT INTO auth.api_keys (user_id, name, key_hash, key_prefix, scopes, rate_limit_per_minute, rate_limit_per_day, expires_at)
            VALUES (\(userID), \(name), \(keyHash), \(prefix), \(scopes.names), \(Int32(perMinute)), \(Int32(perDay)), \(expiresAt))
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        guard let key = try await Self.all(rows).first else { throw RPCError(.internalError, "INSERT returned no row") }
        return key
    }

    /// The user's keys, newest first; revoked and expired ones only if asked.
    package func keys(userID: UUID, includeInactive: Bool, logger: Logger) async throws -> [ApiKey] {
        try await Self.all(
            try await self.postgres.query(
                """
                SELECT \(unescaped: Self.columns) FROM auth.api_keys
                WHERE user_id = \(userID)
                  AND (\(includeInactive) OR (is_active AND (expires_at IS NULL OR expires_at > now())))
                ORDER BY created_at DESC, id
                """, logger: logger))
    }

    /// Deactivates one of the user's keys; nil if the user has no such key.
    package func revoke(id: UUID, userID: UUID, logger: Logger) async throws -> ApiKey? {
        try await Self.all(
            try await self.postgres.query(
                """
                UPDATE auth.api_keys SET is_active = false, revoked_at = coalesce(revoked_at, now())
                WHERE id = \(id) AND user_id = \(userID)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
        ).first
    }

    /// The usable key with this hash, counting the use; nil if none. Its owner must be active.
    package func use(keyHash: String, logger: Logger) async throws -> ApiKey? {
        try await Self.all(
            try await self.postgres.query(
                """
                UPDATE auth.api_keys k SET last_used_at = now(), usage_count = usage_count + 1
                FROM auth.users u
                WHERE k.key_hash = \(keyHash) AND k.is_active AND (k.expires_at IS NULL OR k.expires_at > now())
                  AND u.id = k.user_id AND u.is_active
                RETURNING \(unescaped: Self.columnsOfK)
                """, logger: logger)
        ).first
    }

    private static func all(_ rows: PostgresRowSequence) async throws -> [ApiKey] {
        var keys: [ApiKey] = []
        for try await row in rows.decode(Row.self) {
            let (id, user, name, prefix, scopes, perMinute, perDay, active, created, expires, lastUsed, usage) = row
            keys.append(
                ApiKey(
                    id: id, userID: user, name: name, prefix: prefix, scopes: Set(scopes.compactMap(Scope.init(rawValue:))),
                    rateLimitPerMinute: Int(perMinute), rateLimitPerDay: Int(perDay), isActive: active, createdAt: created,
                    expiresAt: expires, lastUsedAt: lastUsed, usageCount: Int(usage)))
        }
        return keys
    }
}
