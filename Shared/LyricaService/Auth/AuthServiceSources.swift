import NIOCore
import SwiftProtobuf
import Foundation
package import LyricaProtos
package import LyricaRPC

/// Public keys from the auth service's GetPublicKeys.
package struct AuthServicePublicKeys: PublicKeySource {
    package let client: RPCClient

    package init(client: RPCClient) {
        self.client = client
    }

    package func verificationKeys() async throws -> [VerificationKey] {
        let response = try await Lyrica_Auth_V1_AuthService.Client(wrapping: self.client).getPublicKeys(
            .init(), options: CallOptions(timeout: .seconds(5), maxAttempts: 3))
        return response.keys.map { VerificationKey(keyID: $0.keyID, publicKey: Array($0.publicKey)) }
    }
}

/// API keys resolved by the auth service's Authenticate (this service calls as itself).
package struct AuthServiceApiKeys: ApiKeyResolver {
    package let client: RPCClient

    package init(client: RPCClient) {
        self.client = client
    }

    package func principal(forApiKey secret: String) async throws -> ResolvedApiKey {
        let response: Lyrica_Auth_V1_AuthenticateResponse
        do {
            response = try await Lyrica_Auth_V1_AuthService.Client(wrapping: self.client).authenticate(
                .with { $0.apiKey = secret }, options: CallOptions(timeout: .seconds(5), maxAttempts: 2))
        } catch let error as RPCError where error.code == .permissionDenied || error.code == .failedPrecondition {
            throw RPCError(.unavailable, "This service cannot check API keys: it has no service identity (set SERVICE_SECRET)")
        }
        guard let principal = Principal(response.principal) else {
            throw RPCError(.unauthenticated, "The API key resolved to no usable principal")
        }
        return ResolvedApiKey(principal: principal, cacheFor: .seconds(Int64(max(response.cacheSeconds, 0))))
    }
}

extension Principal {
    /// From the wire; nil when the message is incomplete.
    package init?(_ message: Lyrica_Auth_V1_Principal) {
        guard case .success(let scopes) = Scope.parse(message.scopes) else { return nil }
        let rateLimit = message.rateLimitPerMinute > 0
            ? RateLimit(perMinute: Int(message.rateLimitPerMinute), perDay: message.rateLimitPerDay > 0 ? Int(message.rateLimitPerDay) : nil)
            : nil
        switch message.kind {
        case .user:
            guard let user = UUID(uuidString: message.userID) else { return nil }
            self.init(
                kind: .user, userID: user, scopes: scopes, apiKeyID: UUID(uuidString: message.apiKeyID), rateLimit: rateLimit)
        case .service:
            guard !message.service.isEmpty else { return nil }
            self.init(kind: .service(message.service), userID: UUID(uuidString: message.userID), scopes: scopes)
        default:
            return nil
        }
    }

    /// For the wire.
    package var message: Lyrica_Auth_V1_Principal {
        .with {
            switch self.kind {
            case .user: $0.kind = .user
            case .service(let name):
                $0.kind = .service
                $0.service = name
            }
            $0.userID = self.userID?.uuidString.lowercased() ?? ""
            $0.scopes = self.scopes.names
            $0.apiKeyID = self.apiKeyID?.uuidString.lowercased() ?? ""
            $0.rateLimitPerMinute = Int32(self.rateLimit?.perMinute ?? 0)
            $0.rateLimitPerDay = Int32(self.rateLimit?.perDay ?? 0)
        }
    }
}
