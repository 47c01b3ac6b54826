import Foundation
package import Logging
import LyricaRPC
package import LyricaService

/// Resolves API keys from the store: behind Authenticate for other services, and directly for
/// the auth service's own interceptor.
package struct ApiKeyAuthenticator: ApiKeyResolver {
    package let store: ApiKeyStore
    package let logger: Logger
    /// How long callers may reuse an answer. Default 30 s: a revoked key stops working within it.
    package let cacheFor: Duration

    package init(store: ApiKeyStore, logger: Logger, cacheFor: Duration = .seconds(30)) {
        self.store = store
        self.logger = logger
        self.cacheFor = cacheFor
    }

    package func principal(forApiKey secret: String) async throws -> ResolvedApiKey {
        guard secret.hasPrefix(ApiKeySecret.prefix), let key = try await self.store.use(keyHash: Secrets.sha256Hex(secret), logger: self.logger)
        else { throw AuthError.apiKeyInvalid.rpcError }
        let principal = Principal(
            kind: .user, userID: key.userID, scopes: key.scopes, apiKeyID: key.id,
            rateLimit: RateLimit(perMinute: key.rateLimitPerMinute, perDay: key.rateLimitPerDay))
        return ResolvedApiKey(principal: principal, cacheFor: self.cacheFor)
    }
}

/// The form of API key secrets: `lyk_` and 32 random bytes; the first 8 characters are shown.
package enum ApiKeySecret {
    package static let prefix = "lyk_"
    package static func make() -> String { Secrets.random(prefix: Self.prefix) }
    package static func displayPrefix(of secret: String) -> String { String(secret.prefix(8)) }
}
