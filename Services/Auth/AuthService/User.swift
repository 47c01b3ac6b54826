package import Foundation
package import LyricaService

/// An account as stored.
package struct User: Sendable, Equatable {
    package var id: UUID
    package var email: String
    package var username: String
    package var fullName: String?
    package var passwordHash: String
    package var scopes: Set<Scope>
    package var isActive: Bool
    package var isVerified: Bool
    package var createdAt: Date
    package var updatedAt: Date
    package var lastLoginAt: Date?
}

/// An account's preferences as stored; `defaultStructure` is a JSON object's text.
package struct Preferences: Sendable, Equatable {
    package var preferredGenres: [String] = []
    package var preferredMoods: [String] = []
    package var defaultStructure = "{}"
    package var language = "en"
    package var theme = "light"
    package var notificationsEnabled = true
    package var updatedAt = Date(timeIntervalSince1970: 0)

    package init() {}
}
