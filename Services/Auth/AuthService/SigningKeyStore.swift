import Crypto
package import Foundation
package import Logging
import LyricaPostgres
import LyricaRPC
import LyricaService
package import PostgresNIO

/// An Ed25519 key that signs (while current) and verifies (until it retires) access tokens.
package struct SigningKey: Sendable, Equatable {
    package var keyID: String
    package var privateKey: [UInt8]
    package var publicKey: [UInt8]
    package var createdAt: Date
    /// nil while current.
    package var retiresAt: Date?
}

/// All SQL for signing keys: every auth replica signs with the same current key, and a rotation
/// keeps the previous key verifying until tokens it signed have expired.
package struct SigningKeyStore: Sendable {
    package let postgres: PostgresClient

    package init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    /// Keys that still verify, the current one first; creates the first key if there is none.
    package func publishedKeys(logger: Logger) async throws -> [SigningKey] {
        let keys = try await self.load(logger: logger)
        if keys.contains(where: { $0.retiresAt == nil }) { return keys }
        try await self.insertKeyIfNoneIsCurrent(logger: logger)
        return try await self.load(logger: logger)
    }

    /// Makes a new current key; the previous one retires after `retireAfter`. Long-retired keys
    /// are deleted. Returns the new key's id.
    @discardableResult
    package func rotate(retireAfter: Duration, logger: Logger) async throws -> String {
        let (keyID, insert) = try Self.newKeyInsert()
        let retireSeconds = Int(retireAfter.components.seconds)
        try await self.postgres.transaction(logger: logger) { connection in
            try await connection.query(
                """
                UPDATE auth.signing_keys SET retires_at = now() + make_interval(secs => \(retireSeconds))
                WHERE retires_at IS NULL
                """, logger: logger)
            try await connection.query(insert, logger: logger)
            try await connection.query(
                "DELETE FROM auth.signing_keys WHERE retires_at < now() - interval '1 day'", logger: logger)
        }
        logger.info("Rotated the token signing key", metadata: ["auth.key_id": "\(keyID)"])
        return keyID
    }

    private func load(logger: Logger) async throws -> [SigningKey] {
        let rows = try await self.postgres.query(
            """
            SELECT key_id, private_key, public_key, created_at, retires_at FROM auth.signing_keys
            WHERE retires_at IS NULL OR retires_at > now()
            ORDER BY (retires_at IS NULL) DESC, created_at DESC
            """, logger: logger)
        var keys: [SigningKey] = []
        for try await (keyID, privateKey, publicKey, created, retires) in rows.decode((String, Data, Data, Date, Date?).self) {
            keys.append(
                SigningKey(keyID: keyID, privateKey: Array(privateKey), publicKey: Array(publicKey), createdAt: created, retiresAt: retires))
        }
        return keys
    }

    /// Replicas starting together race here; the unique index on the current key lets one win.
    private func insertKeyIfNoneIsCurrent(logger: Logger) async throws {
        try await self.postgres.query(try Self.newKeyInsert().query, logger: logger)
    }

    /// A fresh key and the statement that stores it (doing nothing if another is current).
    private static func newKeyInsert() throws -> (keyID: String, query: PostgresQuery) {
        let key = Curve25519.Signing.PrivateKey()
        let keyID = Self.newKeyID()
        return try (
            keyID,
            """
            INSERT INTO auth.signing_keys (key_id, private_key, public_key)
            VALUES (\(keyID), \(key.rawRepresentation), \(key.publicKey.rawRepresentation))
            ON CONFLICT DO NOTHING
            """
        )
    }

    /// Date and randomness: sortable by eye, unique in practice, e.g. `2026-11-21.q3Vx8a2L`.
    private static func newKeyID() -> String {
        let day = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        var generator = SystemRandomNumberGenerator()
        let random = (0..<6).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "\(day).\(Base64URL.encode(random))"
    }
}
