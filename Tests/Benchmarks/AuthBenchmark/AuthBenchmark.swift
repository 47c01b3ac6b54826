import Foundation
import JWTKit
import Logging
import LyricaRPC
import LyricaService

/// Measures access-token verification in the auth interceptor, in process: the path every call
/// to every service takes. Prints JSON: verifications per second for a token seen before (the
/// verified-token cache) and for tokens never seen (a full Ed25519 signature check each).
/// Usage: AuthBenchmark [SECONDS]
@main
struct AuthBenchmark {
    struct StaticKeys: PublicKeySource {
        let key: VerificationKey
        func verificationKeys() async throws -> [VerificationKey] { [self.key] }
    }

    struct NoApiKeys: ApiKeyResolver {
        func principal(forApiKey secret: String) async throws -> ResolvedApiKey {
            throw RPCError(.unauthenticated, "no API keys here")
        }
    }

    static func main() async throws {
        // Off the main actor, so each measured call is not two thread hops.
        try await Task.detached { try await Self.run() }.value
    }

    static func run() async throws {
        let seconds = Double(CommandLine.arguments.dropFirst().first ?? "") ?? 5
        let privateKey = try EdDSA.PrivateKey()
        let keyID = "bench-key"
        let signer = JWTKeyCollection()
        await signer.add(eddsa: privateKey, kid: JWKIdentifier(string: keyID))
        let publicKey = VerificationKey(
            keyID: keyID, publicKey: Array(privateKey.publicKey.rawRepresentation))
        let logger = Logger(label: "bench")

        // Enough distinct tokens that none repeats within the run.
        let distinct = 40_000
        var signed: [String] = []
        signed.reserveCapacity(distinct)
        for _ in 0..<distinct {
            let claims = AccessTokenClaims(
                subject: UUID().uuidString.lowercased(), kind: "user", scopes: Scope.userDefaults, sessionID: nil,
                issuedAt: Date(), lifetime: .seconds(900))
            signed.append(try await signer.sign(claims, kid: JWKIdentifier(string: keyID)))
        }

        let tokens = signed

        func interceptor() -> AuthInterceptor {
            AuthInterceptor(
                policy: AuthPolicy([:]), verifier: AccessTokenVerifier(source: StaticKeys(key: publicKey), cacheCapacity: 100_000, logger: logger),
                apiKeys: NoApiKeys(), rateLimiter: nil)
        }

        // Warm: the same token every call.
        let warm = interceptor()
        let metadata: Metadata = ["authorization": "Bearer \(tokens[0])"]
        let warmRate = try await Self.rate(seconds: seconds) { _ in _ = try await warm.principal(from: metadata) }

        // Cold: a token the verifier has not seen, each call.
        let cold = interceptor()
        let coldRate = try await Self.rate(seconds: seconds, limit: distinct) { index in
            _ = try await cold.principal(from: ["authorization": "Bearer \(tokens[index])"])
        }
        print(#"{"cachedVerificationsPerSecond": \#(Int(warmRate)), "fullVerificationsPerSecond": \#(Int(coldRate))}"#)
    }

    /// Calls per second of `body` on one task for `seconds` (or `limit` calls).
    static func rate(seconds: Double, limit: Int = .max, _ body: @Sendable (Int) async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int(seconds * 1000))
        var count = 0
        while count < limit {
            try await body(count)
            count += 1
            if count % 256 == 0, clock.now >= end { break }
        }
        let elapsed = clock.now - start
        return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
