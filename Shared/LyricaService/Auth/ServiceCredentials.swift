import Foundation
import NIOCore
import SwiftProtobuf
package import Logging
package import LyricaProtos
package import LyricaRPC
import NIOConcurrencyHelpers

/// The credentials a service sends on its outgoing calls: its own short-lived service token
/// (from the auth service's IssueServiceToken, renewed before it expires) and, when the call is
/// made while serving a user, `lyrica-on-behalf-of` with that user's id.
///
/// Without a secret, the service has no identity of its own; it then forwards the calling user's
/// `authorization` unchanged, so downstream services still see who asked.
package final class ServiceCredentials: CallCredentials {
    package let service: String
    private let secret: String?
    private let authClient = NIOLockedValueBox<RPCClient?>(nil)
    private let token: ServiceTokenCache

    package init(service: String, secret: String?, logger: Logger) {
        self.service = service
        self.secret = secret
        self.token = ServiceTokenCache(logger: logger)
    }

    /// The client that reaches the auth service (made after these credentials, since it uses them).
    package func use(authClient: RPCClient) {
        self.authClient.withLockedValue { $0 = authClient }
    }

    package var hasIdentity: Bool { self.secret != nil }

    package func metadata(for method: MethodDescriptor, current: RPCContext?) async throws -> Metadata {
        // Asking for the token must not need the token.
        if method.path == Lyrica_Auth_V1_AuthService.Method.issueServiceToken.path { return [:] }
        guard let secret = self.secret else {
            guard let authorization = current?.metadata["authorization"] else { return [:] }
            return ["authorization": authorization]
        }
        guard let client = self.authClient.withLockedValue({ $0 }) else {
            throw RPCError(.failedPrecondition, "\(self.service) has no auth client to obtain its service token from")
        }
        var metadata: Metadata = ["authorization": "Bearer " + (try await self.token.token(service: self.service, secret: secret, client: client))]
        if let user = current?.principal?.userID {
            metadata[AuthInterceptor.onBehalfOfKey] = user.uuidString.lowercased()
        }
        return metadata
    }

    /// Asks for a token now (tests, and a first check at start-up).
    package func currentToken() async throws -> String {
        guard let secret = self.secret, let client = self.authClient.withLockedValue({ $0 }) else {
            throw RPCError(.failedPrecondition, "\(self.service) has no service secret (SERVICE_SECRET)")
        }
        return try await self.token.token(service: self.service, secret: secret, client: client)
    }
}

/// One service token at a time, renewed by one caller when 80 % of its life has passed.
private actor ServiceTokenCache {
    private let logger: Logger
    private var current: (token: String, renewAt: Date, expiresAt: Date)?

    init(logger: Logger) {
        self.logger = logger
    }

    func token(service: String, secret: String, client: RPCClient) async throws -> String {
        let now = Date()
        if let current, current.renewAt > now { return current.token }
        do {
            let response = try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).issueServiceToken(
                .with {
                    $0.service = service
                    $0.secret = secret
                }, options: CallOptions(timeout: .seconds(5)))
            let expiresAt = response.expiresAt.date
            let renewAt = now.addingTimeInterval(expiresAt.timeIntervalSince(now) * 0.8)
            self.current = (response.accessToken, renewAt, expiresAt)
            return response.accessToken
        } catch {
            // A token still valid outlives a brief auth outage.
            if let current, current.expiresAt > now.addingTimeInterval(5) {
                self.logger.warning("Could not renew the service token; using the current one", metadata: ["error": "\(error)"])
                return current.token
            }
            throw error
        }
    }
}
