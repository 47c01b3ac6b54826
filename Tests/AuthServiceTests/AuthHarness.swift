import AuthService
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import PostgresNIO
import SwiftProtobuf
import Testing
import TestSupport

/// A running auth service (the real ServiceHost, PostgreSQL, Redis) and a client over TCP.
struct AuthHarness: Sendable {
    static let masterSecret = "test-master-secret-0123456789abcdef-0123456789"
    static let password = "a long enough passphrase"

    let host: ServiceHost<AuthDefinition>
    let postgres: PostgresClient
    let client: RPCClient

    var auth: Lyrica_Auth_V1_AuthService.Client { .init(wrapping: self.client) }

    /// Registers a fresh account.
    func register(password: String = Self.password) async throws -> Lyrica_Auth_V1_RegisterResponse {
        let name = "user_" + UUID().uuidString.prefix(8).lowercased()
        return try await self.auth.register(
            .with {
                $0.email = "\(name)@example.com"
                $0.username = name
                $0.password = password
            })
    }

    /// Signs in with a login (email or username) and password.
    func login(_ login: String, password: String = Self.password) async throws -> Lyrica_Auth_V1_LoginResponse {
        try await self.auth.login(
            .with {
                $0.login = login
                $0.password = password
            })
    }

    /// Creates an API key for the account `token` signs in.
    func createApiKey(
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
    static func bearer(_ token: String, _ extra: [(String, String)] = []) -> CallOptions {
        CallOptions(metadata: Metadata([("authorization", "Bearer \(token)")] + extra))
    }

    static func apiKey(_ secret: String) -> CallOptions {
        CallOptions(metadata: ["authorization": "ApiKey \(secret)"])
    }
}

/// Runs the auth service with cheap test hashing (argon2id at 8 MiB, one pass) and a master
/// secret, plus `environment`.
func withAuthService<Result: Sendable>(
    environment: [String: String] = [:], _ body: (AuthHarness) async throws -> Result
) async throws -> Result {
    var values = [
        "ARGON2_MEMORY_KIB": "8192", "ARGON2_ITERATIONS": "1", "SERVICE_MASTER_SECRET": AuthHarness.masterSecret,
    ]
    values.merge(environment) { $1 }
    return try await withServiceHost(AuthDefinition.self, environment: values) { host, postgres in
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
func expectFailure(
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
