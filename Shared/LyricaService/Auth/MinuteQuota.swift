package import Foundation
package import LyricaRPC
package import LyricaRedis

/// A per-user limit on one costly action per minute (`{action}:rate:{user}:{minute}` in Redis,
/// so every replica shares it), on top of the interceptor's limit on calls: e.g. generations
/// started, feedback written.
package struct MinuteQuota: Sendable {
    package let redis: RedisClient
    /// The key's first part, e.g. `generation`.
    package let action: String
    package let perMinute: Int
    /// What the user did too often, for the message, e.g. "started %d generations".
    package let overLimitMessage: @Sendable (Int) -> String

    package init(redis: RedisClient, action: String, perMinute: Int, overLimitMessage: @escaping @Sendable (Int) -> String) {
        self.redis = redis
        self.action = action
        self.perMinute = perMinute
        self.overLimitMessage = overLimitMessage
    }

    /// Counts one action by `user`; RESOURCE_EXHAUSTED with the seconds left in the minute when
    /// this one is over the limit.
    package func admit(_ user: UUID, now: Date = Date()) async throws {
        let epoch = Int(now.timeIntervalSince1970)
        let used = try await self.redis.increment(
            "\(self.action):rate:\(user.uuidString.lowercased()):\(epoch / 60)", expiringAfter: .seconds(120))
        guard used <= self.perMinute else {
            throw RPCError.resourceExhausted(
                "\(self.overLimitMessage(self.perMinute)) this minute, the limit", retryAfter: .seconds(60 - epoch % 60))
        }
    }
}
