package import Foundation
package import Logging
import LyricaPostgres
import LyricaRPC
package import LyricaService
package import PostgresNIO

/// All SQL for accounts and their preferences. Deleting an account records `user.deleted` in
/// the outbox in the same transaction, so other services hear of every deletion that committed.
package struct UserStore: Sendable {
    package let postgres: PostgresClient
    package let outbox: Outbox

    package init(postgres: PostgresClient, outbox: Outbox = Outbox(schema: "auth")) {
        self.postgres = postgres
        self.outbox = outbox
    }

    private typealias Row = (UUID, String, String, String?, String, [String], Bool, Bool, Date, Date, Date?)
    private static let columns = "id, email, username, full_name, password_hash, scopes, is_active, is_verified, created_at, updated_at, last_login_at"

    /// Creates the account and its default preferences. Throws `emailTaken` or `usernameTaken`.
    package func create(email: String, username: String, passwordHash: String, fullName: String?, logger: Logger) async throws -> User {
        try await self.mappingUniqueViolations {
            try await self.postgres.transaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO auth.users (email, username, password_hash, full_name)
                    VALUES (\(email), \(username), \(passwordHash), \(fullName))
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
                guard let user = try await Self.first(rows) else { throw RPCError(.internalError, "INSERT returned no row") }
                try await connection.query("INSERT INTO auth.user_preferences (user_id) VALUES (\(user.id))", logger: logger)
                return user
            }
        }
    }

    package func user(id: UUID, logger: Logger) async throws -> User? {
        try await Self.first(try await self.postgres.query("SELECT \(unescaped: Self.columns) FROM auth.users WHERE id = \(id)", logger: logger))
    }

    /// By email (any case) or username (any case).
    package func user(login: String, logger: Logger) async throws -> User? {
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: Self.columns) FROM auth.users
            WHERE email = lower(\(login)) OR lower(username) = lower(\(login))
            LIMIT 1
            """, logger: logger)
        return try await Self.first(rows)
    }

    /// Stamps a successful login, replacing the hash when it was made with old parameters;
    /// returns the account as it now is.
    package func recordLogin(id: UUID, rehashed: String?, logger: Logger) async throws -> User? {
        try await Self.first(
            try await self.postgres.query(
                """
                UPDATE auth.users SET last_login_at = now(), password_hash = coalesce(\(rehashed), password_hash)
                WHERE id = \(id)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger))
    }

    /// Changes the fields given; nil leaves a field alone (`fullName: .some(nil)` clears it).
    package func updateProfile(
        id: UUID, email: String?, username: String?, fullName: String??, logger: Logger
    ) async throws -> User? {
        let clearName = fullName.map { $0 == nil } ?? false
        let newName = fullName ?? nil
        return try await self.mappingUniqueViolations {
            try await Self.first(
                try await self.postgres.query(
                    """
                    UPDATE auth.users SET
                        email = coalesce(\(email), email),
                        username = coalesce(\(username), username),
                        full_name = CASE WHEN \(clearName) THEN NULL ELSE coalesce(\(newName), full_name) END,
                        updated_at = now()
                    WHERE id = \(id)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger))
        }
    }

    package func updatePasswordHash(id: UUID, hash: String, logger: Logger) async throws {
        try await self.postgres.query("UPDATE auth.users SET password_hash = \(hash), updated_at = now() WHERE id = \(id)", logger: logger)
    }

    /// Deletes the account (its preferences and API keys go with it) and records `user.deleted`.
    /// Returns false if it did not exist.
    package func delete(id: UUID, logger: Logger) async throws -> Bool {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query("DELETE FROM auth.users WHERE id = \(id) RETURNING id", logger: logger)
            var deleted = false
            for try await _ in rows { deleted = true }
            guard deleted else { return false }
            let payload = #"{"user_id":"\#(id.uuidString.lowercased())"}"#
            try await self.outbox.enqueue(Event(topic: "user.deleted", payload: payload, source: "auth"), on: connection, logger: logger)
            return true
        }
    }

    // MARK: Preferences

    private typealias PreferencesRow = ([String], [String], String, String, String, Bool, Date)
    private static let preferenceColumns =
        "preferred_genres, preferred_moods, default_structure::text, language, theme, notifications_enabled, updated_at"

    package func preferences(userID: UUID, logger: Logger) async throws -> Preferences? {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.preferenceColumns) FROM auth.user_preferences WHERE user_id = \(userID)", logger: logger)
        return try await Self.firstPreferences(rows)
    }

    /// Writes every field of `preferences` (the handler merged the changes in).
    package func savePreferences(_ preferences: Preferences, userID: UUID, logger: Logger) async throws -> Preferences? {
        let rows = try await self.postgres.query(
            """
            UPDATE auth.user_preferences SET
                preferred_genres = \(preferences.preferredGenres), preferred_moods = \(preferences.preferredMoods),
                default_structure = \(preferences.defaultStructure)::jsonb, language = \(preferences.language),
                theme = \(preferences.theme), notifications_enabled = \(preferences.notificationsEnabled), updated_at = now()
            WHERE user_id = \(userID)
            RETURNING \(unescaped: Self.preferenceColumns)
            """, logger: logger)
        return try await Self.firstPreferences(rows)
    }

    // MARK: Rows

    private static func first(_ rows: PostgresRowSequence) async throws -> User? {
        for try await row in rows.decode(Row.self) {
            let (id, email, username, fullName, hash, scopes, active, verified, created, updated, lastLogin) = row
            return User(
                id: id, email: email, username: username, fullName: fullName, passwordHash: hash,
                scopes: Set(scopes.compactMap(Scope.init(rawValue:))), isActive: active, isVerified: verified,
                createdAt: created, updatedAt: updated, lastLoginAt: lastLogin)
        }
        return nil
    }

    private static func firstPreferences(_ rows: PostgresRowSequence) async throws -> Preferences? {
        for try await (genres, moods, structure, language, theme, notifications, updated) in rows.decode(PreferencesRow.self) {
            var preferences = Preferences()
            preferences.preferredGenres = genres
            preferences.preferredMoods = moods
            preferences.defaultStructure = structure
            preferences.language = language
            preferences.theme = theme
            preferences.notificationsEnabled = notifications
            preferences.updatedAt = updated
            return preferences
        }
        return nil
    }

    /// Unique violations on the account's own constraints become `emailTaken` / `usernameTaken`.
    private func mappingUniqueViolations<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            switch error.serverInfo?[.constraintName] {
            case "users_email_key": throw AuthError.emailTaken
            case "users_username_key": throw AuthError.usernameTaken
            default: throw error
            }
        }
    }
}
