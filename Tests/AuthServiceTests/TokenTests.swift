import AuthService
import AuthTestSupport
import Foundation
import JWTKit
import LyricaProtos
import LyricaRPC
import LyricaService
import TestSupport
import SwiftProtobuf
import Testing

@Suite("Auth: access tokens and service identity", .timeLimit(.minutes(1)))
struct TokenTests {
    /// Signs `claims` with the service's current key, as the service would.
    private func sign(_ claims: AccessTokenClaims, harness: AuthHarness, privateKey: EdDSA.PrivateKey? = nil) async throws -> String {
        let current = try await SigningKeyStore(postgres: harness.postgres).publishedKeys(logger: testLogger())[0]
        let key = try privateKey ?? EdDSA.PrivateKey(d: Base64URL.encode(current.privateKey), curve: .ed25519)
        let keys = JWTKeyCollection()
        await keys.add(eddsa: key, kid: JWKIdentifier(string: current.keyID))
        return try await keys.sign(claims, kid: JWKIdentifier(string: current.keyID))
    }

    private func claims(for user: Lyrica_Auth_V1_User, issuedAt: Date = Date(), lifetime: Duration = .seconds(900)) -> AccessTokenClaims {
        AccessTokenClaims(
            subject: user.id, kind: "user", scopes: [.read, .write], sessionID: nil, issuedAt: issuedAt, lifetime: lifetime)
    }

    @Test("A token the service's key signed is accepted")
    func validTokenAccepted() async throws {
        try await withAuthService { harness in
            let user = try await harness.register().user
            let token = try await self.sign(self.claims(for: user), harness: harness)
            #expect(try await harness.auth.getMe(.init(), options: AuthHarness.bearer(token)).user.id == user.id)
        }
    }

    @Test("An expired token is refused with a message saying so")
    func expiredTokenRefused() async throws {
        try await withAuthService { harness in
            let user = try await harness.register().user
            let token = try await self.sign(
                self.claims(for: user, issuedAt: Date().addingTimeInterval(-3600), lifetime: .seconds(60)), harness: harness)
            await expectFailure(.unauthenticated, "expired") {
                _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(token))
            }
        }
    }

    @Test("A token whose payload was changed after signing is refused")
    func tamperedTokenRefused() async throws {
        try await withAuthService { harness in
            let victim = try await harness.register().user
            let attacker = try await harness.register()
            let parts = attacker.tokens.accessToken.split(separator: ".").map(String.init)
            var payload = try #require(Base64URL.decode(parts[1]).map { String(decoding: $0, as: UTF8.self) })
            payload = payload.replacingOccurrences(of: attacker.user.id, with: victim.id)
            let forged = [parts[0], Base64URL.encode(Array(payload.utf8)), parts[2]].joined(separator: ".")
            await expectFailure(.unauthenticated, "signature") {
                _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(forged))
            }
        }
    }

    @Test("A token signed by another key under the service's key id is refused")
    func foreignKeyRefused() async throws {
        try await withAuthService { harness in
            let user = try await harness.register().user
            let token = try await self.sign(self.claims(for: user), harness: harness, privateKey: try EdDSA.PrivateKey())
            await expectFailure(.unauthenticated, "signature") {
                _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(token))
            }
        }
    }

    @Test("Garbage in 'authorization' is UNAUTHENTICATED, not a crash or a pass")
    func malformedCredentials() async throws {
        try await withAuthService { harness in
            for value in ["Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer eyJhbGciOiJub25lIn0.e30."] {
                await expectFailure(.unauthenticated) {
                    _ = try await harness.auth.getMe(.init(), options: CallOptions(metadata: ["authorization": value]))
                }
            }
        }
    }

    @Test("After a key rotation, tokens signed before still verify and new ones use the new key")
    func keyRotation() async throws {
        try await withAuthService(environment: ["SIGNING_KEY_RELOAD_INTERVAL": "0s"]) { harness in
            let before = try await harness.register()
            let newKeyID = try await SigningKeyStore(postgres: harness.postgres).rotate(retireAfter: .seconds(600), logger: testLogger())
            let published = try await harness.auth.getPublicKeys(.init())
            #expect(published.keys.count == 2)
            #expect(published.keys.first?.keyID == newKeyID)
            #expect(published.keys.last?.hasRetiresAt == true)
            #expect(published.jwksJson.contains(newKeyID))
            _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(before.tokens.accessToken))
            let after = try await harness.auth.refresh(.with { $0.refreshToken = before.tokens.refreshToken }).tokens
            #expect(AccessTokenVerifier.keyID(of: after.accessToken) == newKeyID)
            _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(after.accessToken))
        }
    }

    @Test("A user's token cannot act on behalf of another user")
    func usersCannotPoseAsServices() async throws {
        try await withAuthService { harness in
            let attacker = try await harness.register()
            let victim = try await harness.register().user
            await expectFailure(.permissionDenied, "Only a Lyrica service") {
                _ = try await harness.auth.getMe(
                    .init(), options: AuthHarness.bearer(attacker.tokens.accessToken, [("lyrica-on-behalf-of", victim.id)]))
            }
            await expectFailure(.permissionDenied, "for Lyrica services only") {
                _ = try await harness.auth.authenticate(.with { $0.apiKey = "lyk_x" }, options: AuthHarness.bearer(attacker.tokens.accessToken))
            }
        }
    }

    @Test("A service with its derived secret gets a token, and may act for a user")
    func serviceIdentity() async throws {
        try await withAuthService { harness in
            let user = try await harness.register().user
            let secret = ServiceSecret.derive(service: "generation", masterSecret: AuthHarness.masterSecret)
            let token = try await harness.auth.issueServiceToken(
                .with {
                    $0.service = "generation"
                    $0.secret = secret
                }
            ).accessToken
            let me = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(token, [("lyrica-on-behalf-of", user.id)]))
            #expect(me.user.id == user.id)
            await expectFailure(.unauthenticated, "name or secret is wrong") {
                _ = try await harness.auth.issueServiceToken(
                    .with {
                        $0.service = "lyrics"
                        $0.secret = secret
                    })
            }
        }
    }

    @Test("Without SERVICE_MASTER_SECRET, service tokens are FAILED_PRECONDITION")
    func serviceIdentityNeedsAMasterSecret() async throws {
        try await withAuthService(environment: ["SERVICE_MASTER_SECRET": ""]) { harness in
            await expectFailure(.failedPrecondition, "SERVICE_MASTER_SECRET") {
                _ = try await harness.auth.issueServiceToken(
                    .with {
                        $0.service = "lyrics"
                        $0.secret = "anything"
                    })
            }
        }
    }
}
