package import AuthService
import Foundation
import NIOCore
package import LyricaProtos
package import LyricaRPC
package import LyricaService
package import PostgresNIO
import SwiftProtobuf
package import Testing
import TestSupport

/// A running auth service (the real ServiceHost, PostgreSQL, Redis) and a client over TCP.
package struct AuthHarness: Sendable {
    package static let masterSecret = "test-master-secret-0123456789abcdef-0123456789"
    package static let password = "a long enough passphrase"

    package let host: ServiceHost<AuthDefinition>
    package let postgres: PostgresClient
    package let client: RPCClient

    package var auth: Lyrica_Auth_V1_AuthService.Client { .init(wrapping: self.client) }

    /// `host:port` of the running service, for other services' `AUTH_ENDPOINTS`.
    package func endpoint() async throws -> String {
        "127.0.0.1:\(try await self.host.server.listeningAddress.port!)"
    }

    /// What another service in the test needs to call auth as `service`.
    package func environment(forService service: String) async throws -> [String: String] {
        [
            "AUTH_ENDPOINTS": try await self.endpoint(),
            "SERVICE_SECRET": ServiceSecret.derive(service: service, masterSecret: Self.masterSecret),
        ]
    }

    /// Registers a fresh account.
    package func register(password: String = Self.password) async throws -> Lyrica_Auth_V1_RegisterResponse {
        let name = "user_" + UUID().uuidString.prefix(8).lowercased()
        return try await self.auth.register(
            .with {
                $0.email = "\(name)@example.com"
                $0.username = name
                $0.password = password
            })
    }

    /// Signs in with a login (email or username) and password.
    package func login(_ login: String, password: String = Self.password) async throws -> Lyrica_Auth_V1_LoginResponse {
        try await self.auth.login(
            .with {
                $0.login = login
                $0.password = password
            })
    }

    /// A new account holding the admin scope too; its access token.
    package func admin() async throws -> String {
        let registered = try await self.register()
        try await self.postgres.query(
            "UPDATE auth.users SET scopes = ARRAY['read', 'write', 'generate', 'admin'] WHERE id = \(UUID(uuidString: registered.user.id)!)",
            logger: testLogger())
        return try await self.login(registered.user.username).tokens.accessToken
    }

    /// Creates an API key for the account `token` signs in.
    package func createApiKey(
        token: String, scopes: [String] = ["read"], configure: (inout Lyrica_Auth_V1_CreateApiKeyRequest) -> Void = { _ in }
    ) async throws -> Lyrica_Auth_V1_CreateApiKeyResponse {
        var request = Lyrica_Auth_V1_CreateApiKeyRequest.with {
            $0.name = "test key"
            $0.scopes = scopes
        }
        configure(&request)
        return try await self.auth.createApiKey(request, options: Self.bearer(token))
    }

    /// Options carrying `authorization` (and other metadata).
    package static func bearer(_ token: String, _ extra: [(String, String)] = []) -> CallOptions {
        CallOptions(metadata: Metadata([("authorization", "Bearer \(token)")] + extra))
    }

    package static func apiKey(_ secret: String) -> CallOptions {
        CallOptions(metadata: ["authorization": "ApiKey \(secret)"])
    }
}

/// Runs the auth service with cheap test hashing (argon2id at 8 MiB, one pass) and a master
/// secret, plus `environment`; `redisURL` may name a shared key prefix (`?key_prefix=`) so other
/// services in the test see its events.
package func withAuthService<Result: Sendable>(
    environment: [String: String] = [:], redisURL: String? = nil, _ body: (AuthHarness) async throws -> Result
) async throws -> Result {
    var values = [
        "ARGON2_MEMORY_KIB": "8192", "ARGON2_ITERATIONS": "1", "SERVICE_MASTER_SECRET": AuthHarness.masterSecret,
    ]
    values.merge(environment) { $1 }
    return try await withServiceHost(AuthDefinition.self, environment: values, redisURL: redisURL) { host, postgres in
        let port = try await host.server.listeningAddress.port!
        let client = RPCClient(endpoints: [Endpoint(host: "127.0.0.1", port: port)], logger: testLogger("client"))
        do {
            let result = try await body(AuthHarness(host: host, postgres: postgres, client: client))
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }
}

/// Expects `body` to fail with `code`, and the message to contain `fragment`; returns the error.
@discardableResult
package func expectFailure(
    _ code: RPCError.Code, _ fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> RPCError? {
    do {
        try await body()
        Issue.record("Expected \(code.name), but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as RPCError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        if let fragment {
            #expect(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("Expected an RPCError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
