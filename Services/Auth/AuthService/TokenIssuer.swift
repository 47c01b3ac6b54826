import Foundation
import JWTKit
package import Logging
import LyricaRPC
package import LyricaService

/// Signs access tokens with the current signing key and publishes the keys that verify them.
/// Keys are reloaded from the store every `reloadInterval`, so a rotation made through any
/// replica (or `lyrica-auth rotate-signing-key`) reaches all of them.
package actor TokenIssuer: PublicKeySource {
    private let store: SigningKeyStore
    private let reloadInterval: Duration
    private let logger: Logger
    private var loaded: (keys: [SigningKey], signer: JWTKeyCollection, at: ContinuousClock.Instant)?

    /// - Parameter reloadInterval: how stale the keys may get. Default 60 s.
    package init(store: SigningKeyStore, reloadInterval: Duration = .seconds(60), logger: Logger) {
        self.store = store
        self.reloadInterval = reloadInterval
        self.logger = logger
    }

    /// A signed token for `claims`, and when it expires.
    package func sign(_ claims: AccessTokenClaims) async throws -> String {
        let (keys, signer) = try await self.current()
        return try await signer.sign(claims, kid: JWKIdentifier(string: keys[0].keyID))
    }

    /// The keys that verify tokens now, the current one first.
    package func publishedKeys() async throws -> [SigningKey] {
        try await self.current().keys
    }

    package func verificationKeys() async throws -> [VerificationKey] {
        try await self.publishedKeys().map { VerificationKey(keyID: $0.keyID, publicKey: $0.publicKey) }
    }

    /// Forgets the loaded keys, so the next use reads them again (after a rotation here).
    package func reload() {
        self.loaded = nil
    }

    private func current() async throws -> (keys: [SigningKey], signer: JWTKeyCollection) {
        if let loaded, ContinuousClock.now - loaded.at < self.reloadInterval { return (loaded.keys, loaded.signer) }
        let keys = try await self.store.publishedKeys(logger: self.logger)
        guard let currentKey = keys.first, currentKey.retiresAt == nil else {
            throw RPCError(.internalError, "No current signing key")
        }
        let signer = JWTKeyCollection()
        let privateKey = try EdDSA.PrivateKey(d: Base64URL.encode(currentKey.privateKey), curve: .ed25519)
        await signer.add(eddsa: privateKey, kid: JWKIdentifier(string: currentKey.keyID))
        if self.loaded?.keys.first?.keyID != currentKey.keyID {
            self.logger.info("Signing access tokens with key", metadata: ["auth.key_id": "\(currentKey.keyID)"])
        }
        self.loaded = (keys, signer, ContinuousClock.now)
        return (keys, signer)
    }
}
