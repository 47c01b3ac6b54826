package import Foundation
package import JWTKit

/// The payload of a Lyrica access token. `sub` is a user id, or `service:<name>` for a service;
/// `kind` says which, and only the auth service's IssueServiceToken ever writes `service`.
package struct AccessTokenClaims: JWTPayload, Equatable {
    package static let issuer = "lyrica-auth"
    package static let audience = "lyrica"

    package var issuer: IssuerClaim
    package var audience: AudienceClaim
    package var subject: SubjectClaim
    package var expiration: ExpirationClaim
    package var issuedAt: IssuedAtClaim
    package var id: IDClaim
    /// Space-separated scopes, as OAuth writes them.
    package var scope: String
    /// `user` or `service`.
    package var kind: String
    /// The sign-in session (refresh-token family) of a user token.
    package var sessionID: String?

    enum CodingKeys: String, CodingKey {
        case issuer = "iss", audience = "aud", subject = "sub", expiration = "exp", issuedAt = "iat", id = "jti"
        case scope, kind, sessionID = "sid"
    }

    package init(
        subject: String, kind: String, scopes: Set<Scope>, sessionID: String?, issuedAt: Date, lifetime: Duration
    ) {
        // Whole seconds: NumericDate may hold fractions, but many verifiers expect integers.
        let issuedAt = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
        self.issuer = IssuerClaim(value: Self.issuer)
        self.audience = AudienceClaim(value: [Self.audience])
        self.subject = SubjectClaim(value: subject)
        self.issuedAt = IssuedAtClaim(value: issuedAt)
        self.expiration = ExpirationClaim(value: issuedAt.addingTimeInterval(lifetime.seconds))
        self.id = IDClaim(value: UUID().uuidString.lowercased())
        self.scope = scopes.names.joined(separator: " ")
        self.kind = kind
        self.sessionID = sessionID
    }

    /// Called by jwt-kit once the signature checks out.
    package func verify(using algorithm: some JWTAlgorithm) async throws {
        try self.expiration.verifyNotExpired()
        guard self.issuer.value == Self.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: self.issuer, reason: "issuer is not \(Self.issuer)")
        }
        try self.audience.verifyIntendedAudience(includes: Self.audience)
    }

    /// The principal the token stands for; nil when its claims do not make sense together.
    package var principal: Principal? {
        guard case .success(let scopes) = Scope.parse(self.scope.split(separator: " ").map(String.init)) else { return nil }
        switch self.kind {
        case "user":
            guard let user = UUID(uuidString: self.subject.value) else { return nil }
            return Principal(kind: .user, userID: user, scopes: scopes, sessionID: self.sessionID)
        case "service":
            guard self.subject.value.hasPrefix("service:") else { return nil }
            let name = String(self.subject.value.dropFirst("service:".count))
            guard !name.isEmpty else { return nil }
            return Principal(kind: .service(name), userID: nil, scopes: scopes)
        default:
            return nil
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    package var seconds: TimeInterval {
        let (seconds, attoseconds) = self.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
