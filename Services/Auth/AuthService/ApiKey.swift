package import Foundation
package import LyricaService

/// An API key as stored (never its secret).
package struct ApiKey: Sendable, Equatable {
    package var id: UUID
    package var userID: UUID
    package var name: String
    package var prefix: String
    package var scopes: Set<Scope>
    package var rateLimitPerMinute: Int
    package var rateLimitPerDay: Int
    package var isActive: Bool
    package var createdAt: Date
    package var expiresAt: Date?
    package var lastUsedAt: Date?
    package var usageCount: Int

    /// Active and not expired at `now`.
    package func isUsable(at now: Date) -> Bool {
        self.isActive && (self.expiresAt.map { $0 > now } ?? true)
    }
}
