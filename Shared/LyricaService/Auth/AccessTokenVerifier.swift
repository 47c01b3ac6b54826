import Foundation
package import JWTKit
package import Logging
package import LyricaRPC
import NIOConcurrencyHelpers

/// A public key that verifies access tokens, as the auth service publishes it.
package struct VerificationKey: Sendable, Equatable {
    package var keyID: String
    /// Raw 32-byte Ed25519 public key.
    package var publicKey: [UInt8]

    package init(keyID: String, publicKey: [UInt8]) {
        self.keyID = keyID
        self.publicKey = publicKey
    }
}

/// Where a verifier gets its keys: the auth service's GetPublicKeys for every other service, the
/// key store for auth itself.
package protocol PublicKeySource: Sendable {
    func verificationKeys() async throws -> [VerificationKey]
}

/// Verifies access tokens locally: signature (EdDSA, by the token's `kid`), expiry, issuer and
/// audience. Keys are fetched once and refreshed every `refreshInterval`, or early when a token
/// names a key not seen yet (a rotation), at most once per `unknownKeyRetryInterval`.
package final class AccessTokenVerifier: Sendable {
    private let keys: PublicKeyCache
    private let verified = NIOLockedValueBox(VerifiedTokens())

    /// - Parameters:
    ///   - refreshInterval: how old fetched keys may get. Default 5 minutes.
    ///   - unknownKeyRetryInterval: least time between fetches caused by unknown key ids. Default 10 s.
    ///   - cacheCapacity: verified tokens remembered. Default 10,000.
    package init(
        source: any PublicKeySource, refreshInterval: Duration = .seconds(300),
        unknownKeyRetryInterval: Duration = .seconds(10), cacheCapacity: Int = 10_000, logger: Logger
    ) {
        self.keys = PublicKeyCache(
            source: source, refreshInterval: refreshInterval, unknownKeyRetryInterval: unknownKeyRetryInterval, logger: logger)
        self.verified.withLockedValue { $0.capacity = cacheCapacity }
    }

    /// The principal a valid token stands for; UNAUTHENTICATED with the reason otherwise.
    /// Remembered until the token expires, so a client's next calls cost a dictionary lookup.
    package func principal(forToken token: String) async throws(RPCError) -> Principal {
        let now = Date()
        if let principal = self.verified.withLockedValue({ $0.principal(for: token, at: now) }) { return principal }
        let claims = try await self.verify(token)
        guard let principal = claims.principal else {
            throw RPCError(.unauthenticated, "The access token's claims are inconsistent")
        }
        self.verified.withLockedValue { $0.remember(principal, until: claims.expiration.value, for: token, at: now) }
        return principal
    }

    /// The token's claims if it is valid now (always checked in full); UNAUTHENTICATED with the
    /// reason otherwise.
    package func verify(_ token: String) async throws(RPCError) -> AccessTokenClaims {
        guard let keyID = Self.keyID(of: token) else {
            throw RPCError(.unauthenticated, "The access token is malformed: expected a JWT with a 'kid' header")
        }
        do {
            let collection = try await self.keys.collection(containing: keyID)
            return try await collection.verify(token, as: AccessTokenClaims.self)
        } catch let error as RPCError {
            throw error
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            if error.failedClaim is ExpirationClaim {
                throw RPCError(.unauthenticated, "The access token has expired: refresh it or sign in again")
            }
            throw RPCError(.unauthenticated, "The access token was not issued for Lyrica")
        } catch {
            throw RPCError(.unauthenticated, "The access token is invalid: its signature does not verify")
        }
    }

    /// The `kid` of a JWT's header, without verifying anything.
    package static func keyID(of token: String) -> String? {
        guard let dot = token.firstIndex(of: "."), let header = Base64URL.decode(token[..<dot]),
            let object = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }
}

/// Principals of tokens that verified, until the tokens expire; when full, expired entries go
/// first, then everything.
private struct VerifiedTokens {
    var capacity = 10_000
    private var entries: [String: (principal: Principal, expires: Date)] = [:]

    func principal(for token: String, at now: Date) -> Principal? {
        guard let entry = self.entries[token], entry.expires > now else { return nil }
        return entry.principal
    }

    mutating func remember(_ principal: Principal, until expires: Date, for token: String, at now: Date) {
        if self.entries.count >= self.capacity {
            self.entries = self.entries.filter { $0.value.expires > now }
            if self.entries.count >= self.capacity { self.entries.removeAll(keepingCapacity: true) }
        }
        self.entries[token] = (principal, expires)
    }
}

/// The fetched keys as a jwt-kit collection, refreshed by one task at a time.
private actor PublicKeyCache {
    private let source: any PublicKeySource
    private let refreshInterval: Duration
    private let unknownKeyRetryInterval: Duration
    private let logger: Logger
    private var collection: JWTKeyCollection?
    private var keyIDs: Set<String> = []
    private var fetchedAt: ContinuousClock.Instant?
    private var lastUnknownKeyFetch: ContinuousClock.Instant?

    init(source: any PublicKeySource, refreshInterval: Duration, unknownKeyRetryInterval: Duration, logger: Logger) {
        self.source = source
        self.refreshInterval = refreshInterval
        self.unknownKeyRetryInterval = unknownKeyRetryInterval
        self.logger = logger
    }

    func collection(containing keyID: String) async throws -> JWTKeyCollection {
        let now = ContinuousClock.now
        let stale = self.fetchedAt.map { now - $0 > self.refreshInterval } ?? true
        if stale {
            try await self.fetch()
        } else if !self.keyIDs.contains(keyID),
            self.lastUnknownKeyFetch.map({ now - $0 > self.unknownKeyRetryInterval }) ?? true
        {
            self.lastUnknownKeyFetch = now
            try await self.fetch()
        }
        guard let collection = self.collection, self.keyIDs.contains(keyID) else {
            throw RPCError(.unauthenticated, "The access token was signed by an unknown key ('\(keyID)')")
        }
        return collection
    }

    private func fetch() async throws {
        let keys: [VerificationKey]
        do {
            keys = try await self.source.verificationKeys()
        } catch {
            // Keep verifying with the keys we have; without any, no token can be checked.
            guard self.collection != nil else {
                throw RPCError(.unavailable, "Cannot verify access tokens: the auth service's public keys are unreachable")
            }
            self.logger.warning("Could not refresh public keys; using the ones fetched before", metadata: ["error": "\(error)"])
            self.fetchedAt = ContinuousClock.now
            return
        }
        let collection = JWTKeyCollection()
        for key in keys {
            guard let publicKey = try? EdDSA.PublicKey(x: Base64URL.encode(key.publicKey), curve: .ed25519) else {
                self.logger.warning("Skipping a public key that does not parse", metadata: ["auth.key_id": "\(key.keyID)"])
                continue
            }
            await collection.add(eddsa: publicKey, kid: JWKIdentifier(string: key.keyID))
        }
        self.collection = collection
        self.keyIDs = Set(keys.map(\.keyID))
        self.fetchedAt = ContinuousClock.now
    }
}
