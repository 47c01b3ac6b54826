package import Foundation
package import LyricaRPC

/// Who makes a call, as the auth interceptor established it: a user (with a token or an API
/// key), or a service, possibly acting for a user.
package struct Principal: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case user
        /// A Lyrica service, named, e.g. `generation`.
        case service(String)
    }

    package var kind: Kind
    /// The user: the caller, or the one a service acts for (nil for a service acting for no one).
    package var userID: UUID?
    package var scopes: Set<Scope>
    /// Set when the credential is an API key.
    package var apiKeyID: UUID?
    /// The sign-in session (refresh-token family) of a user's access token.
    package var sessionID: String?
    /// Per-key limits of an API key; users have the service-wide per-user limit.
    package var rateLimit: RateLimit?

    package init(
        kind: Kind, userID: UUID?, scopes: Set<Scope>, apiKeyID: UUID? = nil, sessionID: String? = nil,
        rateLimit: RateLimit? = nil
    ) {
        self.kind = kind
        self.userID = userID
        self.scopes = scopes
        self.apiKeyID = apiKeyID
        self.sessionID = sessionID
        self.rateLimit = rateLimit
    }

    package var isService: Bool {
        if case .service = self.kind { true } else { false }
    }

    package var serviceName: String? {
        if case .service(let name) = self.kind { name } else { nil }
    }
}

/// Calls allowed per minute and per day.
package struct RateLimit: Sendable, Equatable {
    package var perMinute: Int
    package var perDay: Int?

    package init(perMinute: Int, perDay: Int? = nil) {
        self.perMinute = perMinute
        self.perDay = perDay
    }
}

enum PrincipalKey: RPCContextKey {
    typealias Value = Principal
}

extension RPCContext {
    /// Who makes this call; nil for public methods called without credentials.
    package var principal: Principal? {
        get { self.values[PrincipalKey.self] }
        set { self.values[PrincipalKey.self] = newValue }
    }

    /// The user this call is made by or for; UNAUTHENTICATED without one.
    package func requireUser() throws(RPCError) -> UUID {
        guard let user = self.principal?.userID else {
            throw RPCError(.unauthenticated, "This method needs a signed-in user: send 'authorization: Bearer <access token>'")
        }
        return user
    }
}
