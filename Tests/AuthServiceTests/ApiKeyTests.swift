import AuthService
import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import SwiftProtobuf
import Testing

@Suite("Auth: API keys, scopes and rate limits", .timeLimit(.minutes(1)))
struct ApiKeyTests {
    @Test("A key's secret is shown once, works as a credential, and is listed without it")
    func apiKeyLifecycle() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            let created = try await harness.createApiKey(token: registered.tokens.accessToken)
            #expect(created.secret.hasPrefix("lyk_"))
            #expect(created.secret.hasPrefix(created.key.prefix))
            #expect(created.key.rateLimitPerMinute == 60)
            #expect(created.key.rateLimitPerDay == 1000)
            let me = try await harness.auth.getMe(.init(), options: AuthHarness.apiKey(created.secret))
            #expect(me.user.id == registered.user.id)
            let listed = try await harness.auth.listApiKeys(.init(), options: AuthHarness.bearer(registered.tokens.accessToken)).keys
            #expect(listed.map(\.id) == [created.key.id])
            #expect(listed[0].usageCount == 1)
            let text = try listed[0].jsonString()
            #expect(!text.contains(created.secret))
        }
    }

    @Test("A revoked key stops working at once and is listed only with include_inactive")
    func revokedKeyRefused() async throws {
        try await withAuthService { harness in
            let token = try await harness.register().tokens.accessToken
            let created = try await harness.createApiKey(token: token)
            _ = try await harness.auth.getMe(.init(), options: AuthHarness.apiKey(created.secret))
            let revoked = try await harness.auth.revokeApiKey(.with { $0.id = created.key.id }, options: AuthHarness.bearer(token)).key
            #expect(!revoked.isActive)
            await expectFailure(.unauthenticated, "revoked") {
                _ = try await harness.auth.getMe(.init(), options: AuthHarness.apiKey(created.secret))
            }
            #expect(try await harness.auth.listApiKeys(.init(), options: AuthHarness.bearer(token)).keys.isEmpty)
            let all = try await harness.auth.listApiKeys(.with { $0.includeInactive = true }, options: AuthHarness.bearer(token)).keys
            #expect(all.map(\.id) == [created.key.id])
        }
    }

    @Test("Revoking another user's key is NOT_FOUND")
    func revokeOthersKey() async throws {
        try await withAuthService { harness in
            let owner = try await harness.register().tokens.accessToken
            let other = try await harness.register().tokens.accessToken
            let created = try await harness.createApiKey(token: owner)
            await expectFailure(.notFound) {
                _ = try await harness.auth.revokeApiKey(.with { $0.id = created.key.id }, options: AuthHarness.bearer(other))
            }
        }
    }

    @Test("An expired key is refused")
    func expiredKeyRefused() async throws {
        try await withAuthService { harness in
            let token = try await harness.register().tokens.accessToken
            let created = try await harness.createApiKey(token: token) {
                $0.expiresAt = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(1))
            }
            try await Task.sleep(for: .milliseconds(1500))
            await expectFailure(.unauthenticated) {
                _ = try await harness.auth.getMe(.init(), options: AuthHarness.apiKey(created.secret))
            }
        }
    }

    @Test("Scopes are enforced per method, naming the scope that is missing")
    func scopesEnforced() async throws {
        try await withAuthService { harness in
            let token = try await harness.register().tokens.accessToken
            let readOnly = try await harness.createApiKey(token: token, scopes: ["read"]).secret
            _ = try await harness.auth.getPreferences(.init(), options: AuthHarness.apiKey(readOnly))
            await expectFailure(.permissionDenied, "needs the 'write' scope; this credential has read") {
                _ = try await harness.auth.updateProfile(.with { $0.fullName = "X" }, options: AuthHarness.apiKey(readOnly))
            }
        }
    }

    @Test("API keys cannot make keys, change the password or delete the account")
    func keysCannotEscalate() async throws {
        try await withAuthService { harness in
            let token = try await harness.register().tokens.accessToken
            let writer = try await harness.createApiKey(token: token, scopes: ["read", "write"]).secret
            await expectFailure(.permissionDenied, "API keys and services cannot") {
                _ = try await harness.auth.createApiKey(
                    .with {
                        $0.name = "child"
                        $0.scopes = ["read"]
                    }, options: AuthHarness.apiKey(writer))
            }
            await expectFailure(.permissionDenied) {
                _ = try await harness.auth.deleteAccount(.with { $0.password = AuthHarness.password }, options: AuthHarness.apiKey(writer))
            }
            await expectFailure(.permissionDenied) {
                _ = try await harness.auth.changePassword(
                    .with {
                        $0.currentPassword = AuthHarness.password
                        $0.newPassword = "an entirely new passphrase"
                    }, options: AuthHarness.apiKey(writer))
            }
        }
    }

    @Test("A key cannot hold a scope its account lacks")
    func keyScopesWithinAccount() async throws {
        try await withAuthService { harness in
            let token = try await harness.register().tokens.accessToken
            await expectFailure(.permissionDenied, "admin") {
                _ = try await harness.createApiKey(token: token, scopes: ["read", "admin"])
            }
        }
    }

    /// Calls `call` until it is refused, at most `attempts` times, and returns the refusal. Limits
    /// count in fixed minute windows, so a test that straddles a minute boundary sees one reset;
    /// `attempts` covers the limit twice over.
    private func firstRefusal(attempts: Int, _ call: () async throws -> Void) async throws -> RPCError {
        for _ in 0..<attempts {
            do {
                try await call()
            } catch let error as RPCError where error.code == .resourceExhausted {
                return error
            }
        }
        throw RPCError(.internalError, "Not refused within \(attempts) calls")
    }

    @Test("A key over its per-minute limit gets RESOURCE_EXHAUSTED with a retry hint")
    func keyRateLimit() async throws {
        try await withAuthService { harness in
            let token = try await harness.register().tokens.accessToken
            let secret = try await harness.createApiKey(token: token) { $0.rateLimitPerMinute = 2 }.secret
            _ = try await harness.auth.getMe(.init(), options: AuthHarness.apiKey(secret))
            _ = try await harness.auth.getMe(.init(), options: AuthHarness.apiKey(secret))
            let error = try await self.firstRefusal(attempts: 3) {
                _ = try await harness.auth.getMe(.init(), options: AuthHarness.apiKey(secret))
            }
            #expect(error.message.contains("2 calls per-minute for this API key"))
            let retryAfter = try #require(error.trailingMetadata["retry-after"].flatMap { Int($0) })
            #expect((1...60).contains(retryAfter))
            #expect(error.details.first?.typeURL == "type.googleapis.com/google.rpc.RetryInfo")
        }
    }

    @Test("A user over the per-user limit gets RESOURCE_EXHAUSTED")
    func userRateLimit() async throws {
        try await withAuthService(environment: ["USER_RATE_LIMIT_PER_MINUTE": "3"]) { harness in
            let token = try await harness.register().tokens.accessToken
            for _ in 0..<3 { _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(token)) }
            let error = try await self.firstRefusal(attempts: 4) {
                _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(token))
            }
            #expect(error.message.contains("for this user"))
        }
    }

    @Test("Services resolve API keys with Authenticate; unknown keys are UNAUTHENTICATED")
    func authenticateForServices() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            let created = try await harness.createApiKey(token: registered.tokens.accessToken, scopes: ["read", "generate"]) {
                $0.rateLimitPerMinute = 7
                $0.rateLimitPerDay = 70
            }
            let serviceToken = try await harness.auth.issueServiceToken(
                .with {
                    $0.service = "lyrics"
                    $0.secret = ServiceSecret.derive(service: "lyrics", masterSecret: AuthHarness.masterSecret)
                }
            ).accessToken
            let principal = try await harness.auth.authenticate(
                .with { $0.apiKey = created.secret }, options: AuthHarness.bearer(serviceToken)
            ).principal
            #expect(principal.kind == .user)
            #expect(principal.userID == registered.user.id)
            #expect(principal.apiKeyID == created.key.id)
            #expect(principal.scopes == ["read", "generate"])
            #expect(principal.rateLimitPerMinute == 7)
            #expect(principal.rateLimitPerDay == 70)
            await expectFailure(.unauthenticated) {
                _ = try await harness.auth.authenticate(.with { $0.apiKey = "lyk_unknown" }, options: AuthHarness.bearer(serviceToken))
            }
        }
    }
}
