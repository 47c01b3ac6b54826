import Logging
import CoreMetrics
import Foundation
package import LyricaRPC

/// Authenticates every call and enforces the service's `AuthPolicy`: verifies access tokens
/// locally, resolves API keys (cached), lets a service name the user it acts for, checks the
/// method's scope, applies per-user and per-key rate limits, and hands the handler the principal
/// (`context.principal`).
///
/// Metadata: `authorization: Bearer <access token>` or `authorization: ApiKey <secret>`, and
/// from services only, `lyrica-on-behalf-of: <user id>`.
package struct AuthInterceptor: RPCServerInterceptor {
    package static let onBehalfOfKey = "lyrica-on-behalf-of"

    package let policy: AuthPolicy
    package let verifier: AccessTokenVerifier
    package let apiKeys: any ApiKeyResolver
    /// nil: no rate limits (tests of other concerns, tools).
    package let rateLimiter: RateLimiter?
    /// Calls per minute for a user signed in with an access token.
    package let userRateLimitPerMinute: Int
    private let rateLimiterFailures = Counter(label: "auth.rate_limit.unavailable")

    package init(
        policy: AuthPolicy, verifier: AccessTokenVerifier, apiKeys: any ApiKeyResolver, rateLimiter: RateLimiter?,
        userRateLimitPerMinute: Int = 600
    ) {
        self.policy = policy
        self.verifier = verifier
        self.apiKeys = apiKeys
        self.rateLimiter = rateLimiter
        self.userRateLimitPerMinute = userRateLimitPerMinute
    }

    package func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws {
        guard let access = self.policy.access(for: context.method) else {
            throw RPCError(.permissionDenied, "\(context.method.path) has no access rule, so no one may call it")
        }
        let principal = try await self.principal(from: context.metadata)
        switch access {
        case .anyone:
            break
        case .scope(let scope):
            guard let principal else {
                throw RPCError(
                    .unauthenticated,
                    "\(context.method.method) needs credentials: send 'authorization: Bearer <access token>' or 'authorization: ApiKey <key>'")
            }
            guard principal.scopes.contains(scope) else {
                let held = principal.scopes.isEmpty ? "none" : principal.scopes.names.joined(separator: ", ")
                throw RPCError(.permissionDenied, "\(context.method.method) needs the '\(scope.rawValue)' scope; this credential has \(held)")
            }
        case .services:
            guard let principal else {
                throw RPCError(.unauthenticated, "\(context.method.method) is for Lyrica services: send a service token")
            }
            guard principal.isService else {
                throw RPCError(.permissionDenied, "\(context.method.method) is for Lyrica services only")
            }
        }
        if let principal, let limiter = self.rateLimiter {
            do {
                try await limiter.admit(principal, userLimitPerMinute: self.userRateLimitPerMinute)
            } catch let error as RPCError where error.code == .resourceExhausted {
                throw error
            } catch {
                // Redis being down must not take every service down with it: serve, unlimited.
                self.rateLimiterFailures.increment()
                context.logger.debug("Rate limiter unavailable; admitting the call", metadata: ["error": "\(error)"])
            }
        }
        var context = context
        context.principal = principal
        try await next(context)
    }

    /// The caller's principal, nil without credentials; UNAUTHENTICATED for bad ones.
    package func principal(from metadata: Metadata) async throws -> Principal? {
        let onBehalfOf = metadata[Self.onBehalfOfKey]
        guard let authorization = metadata["authorization"] else {
            if onBehalfOf != nil {
                throw RPCError(.unauthenticated, "'\(Self.onBehalfOfKey)' needs a service token in 'authorization'")
            }
            return nil
        }
        var principal: Principal
        if let token = Self.credential(authorization, scheme: "Bearer") {
            principal = try await self.verifier.principal(forToken: token)
        } else if let secret = Self.credential(authorization, scheme: "ApiKey") {
            principal = try await self.apiKeys.principal(forApiKey: secret).principal
        } else {
            throw RPCError(.unauthenticated, "'authorization' must be 'Bearer <access token>' or 'ApiKey <key>'")
        }
        if let onBehalfOf {
            guard principal.isService else {
                throw RPCError(.permissionDenied, "Only a Lyrica service may act on behalf of a user ('\(Self.onBehalfOfKey)')")
            }
            guard let user = UUID(uuidString: onBehalfOf) else {
                throw RPCError(.invalidArgument, "'\(Self.onBehalfOfKey)' must be a user id (UUID), not '\(onBehalfOf)'")
            }
            principal.userID = user
        }
        return principal
    }

    /// The credential after `scheme` (case-insensitive, as HTTP's), nil for another scheme.
    /// Works on UTF-8 bytes: this runs on every call, and tokens are long.
    private static func credential(_ authorization: String, scheme: String) -> String? {
        let bytes = authorization.utf8
        let schemeBytes = scheme.utf8
        guard bytes.count > schemeBytes.count + 1 else { return nil }
        var index = bytes.startIndex
        for expected in schemeBytes {
            // ASCII case folding: set bit 0x20 on letters only.
            let byte = bytes[index]
            let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
            let expectedFolded = (expected >= 0x41 && expected <= 0x5A) ? expected | 0x20 : expected
            guard folded == expectedFolded else { return nil }
            index = bytes.index(after: index)
        }
        guard bytes[index] == UInt8(ascii: " ") else { return nil }
        var rest = bytes[bytes.index(after: index)...]
        while let first = rest.first, first == UInt8(ascii: " ") { rest = rest.dropFirst() }
        while let last = rest.last, last == UInt8(ascii: " ") { rest = rest.dropLast() }
        return rest.isEmpty ? nil : String(Substring(rest))
    }
}
