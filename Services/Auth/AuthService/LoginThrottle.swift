import Foundation
import LyricaRPC
package import LyricaRedis
import LyricaService

/// Brute-force protection in Redis, shared by every auth replica: failed logins are counted per
/// account and per client address over a window, and once either reaches its limit, further
/// attempts wait for the window to pass (RESOURCE_EXHAUSTED with a retry hint) without a password
/// being checked. Unknown accounts are counted like real ones, so throttling reveals nothing.
/// Registrations are limited per address the same way.
///
/// Keys: `login_failures:account:{sha256(login)}`, `login_failures:address:{address}`,
/// `registrations:address:{address}`.
package struct LoginThrottle: Sendable {
    package let redis: RedisClient
    package let maxFailuresPerAccount: Int
    package let maxFailuresPerAddress: Int
    package let window: Duration
    package let registrationsPerAddressPerHour: Int

    package init(redis: RedisClient, configuration: AuthConfiguration) {
        self.redis = redis
        self.maxFailuresPerAccount = configuration.maxFailuresPerAccount
        self.maxFailuresPerAddress = configuration.maxFailuresPerAddress
        self.window = configuration.loginWindow
        self.registrationsPerAddressPerHour = configuration.registrationsPerAddressPerHour
    }

    /// Throws RESOURCE_EXHAUSTED when the account or the address has failed too often lately.
    package func checkLogin(login: String, address: String) async throws {
        let keys = [Self.accountKey(login), Self.addressKey(address)]
        let replies = try await self.redis.pipeline(
            keys.flatMap { [["GET", RedisArgument(self.redis.key($0))], ["PTTL", RedisArgument(self.redis.key($0))]] })
        let counts = [replies[0].int ?? 0, replies[2].int ?? 0]
        let ttls = [replies[1].int ?? 0, replies[3].int ?? 0]
        if counts[0] >= self.maxFailuresPerAccount {
            throw RPCError.resourceExhausted("Too many failed logins for this account", retryAfter: .milliseconds(max(ttls[0], 1000)))
        }
        if counts[1] >= self.maxFailuresPerAddress {
            throw RPCError.resourceExhausted("Too many failed logins from this address", retryAfter: .milliseconds(max(ttls[1], 1000)))
        }
    }

    package func recordFailure(login: String, address: String) async throws {
        _ = try await self.redis.increment(Self.accountKey(login), expiringAfter: self.window)
        _ = try await self.redis.increment(Self.addressKey(address), expiringAfter: self.window)
    }

    /// A correct password clears the account's failures (not the address's: one right guess
    /// must not reset a spray across many accounts).
    package func recordSuccess(login: String) async throws {
        try await self.redis.delete([Self.accountKey(login)])
    }

    /// Counts a registration from `address`; RESOURCE_EXHAUSTED over the hourly limit.
    package func admitRegistration(address: String) async throws {
        let key = "registrations:address:\(address)"
        let count = try await self.redis.increment(key, expiringAfter: .seconds(3600))
        if count > self.registrationsPerAddressPerHour {
            let wait = try await self.redis.ttl(key) ?? .seconds(3600)
            throw RPCError.resourceExhausted("Too many accounts registered from this address", retryAfter: wait)
        }
    }

    private static func accountKey(_ login: String) -> String {
        "login_failures:account:" + Secrets.sha256Hex(login.trimmingCharacters(in: .whitespaces).lowercased())
    }

    private static func addressKey(_ address: String) -> String {
        "login_failures:address:\(address)"
    }

    /// The host part of a peer (`127.0.0.1:52314`, `[::1]:52314`).
    package static func address(ofPeer peer: String) -> String {
        if peer.hasPrefix("["), let end = peer.firstIndex(of: "]") {
            return String(peer[peer.index(after: peer.startIndex)..<end])
        }
        if let colon = peer.lastIndex(of: ":"), peer.firstIndex(of: ":") == colon { return String(peer[..<colon]) }
        return peer
    }
}
