package import Foundation
package import LyricaRPC
package import LyricaRedis

/// Fixed-window call limits in Redis, shared by every replica of every service: per user
/// (`rate_limit:user:{id}:{minute}`) and per API key (`rate_limit:api_key:{id}:{minute}` and
/// `…:day:{yyyy-mm-dd}`). One round trip per call: a script counts and checks both windows.
package struct RateLimiter: Sendable {
    package let redis: RedisClient

    package init(redis: RedisClient) {
        self.redis = redis
    }

    private static let count = RedisScript(
        """
        for i, key in ipairs(KEYS) do
          local limit = tonumber(ARGV[2 * i - 1])
          local used = redis.call('INCR', key)
          if used == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
          if used > limit then return i end
        end
        return 0
        """)

    /// Counts one call by `principal`; RESOURCE_EXHAUSTED with a retry hint when over a limit.
    /// Services are not limited: the users they act for were, at the edge.
    package func admit(_ principal: Principal, userLimitPerMinute: Int, now: Date = Date()) async throws {
        let epoch = Int(now.timeIntervalSince1970)
        let minute = epoch / 60
        let secondsLeftInMinute = 60 - epoch % 60
        var windows: [(key: String, limit: Int, expiry: Int, name: String, retryAfter: Int)] = []
        if let keyID = principal.apiKeyID, let limit = principal.rateLimit {
            let id = keyID.uuidString.lowercased()
            windows.append(("rate_limit:api_key:\(id):\(minute)", limit.perMinute, 120, "per-minute", secondsLeftInMinute))
            if let perDay = limit.perDay {
                let day = epoch / 86_400
                let secondsLeftInDay = 86_400 - epoch % 86_400
                windows.append(("rate_limit:api_key:\(id):day:\(Self.date(day))", perDay, 86_400 + 60, "daily", secondsLeftInDay))
            }
        } else if case .user = principal.kind, let user = principal.userID {
            let id = user.uuidString.lowercased()
            windows.append(("rate_limit:user:\(id):\(minute)", userLimitPerMinute, 120, "per-minute", secondsLeftInMinute))
        }
        guard !windows.isEmpty else { return }
        let reply = try await self.redis.run(
            Self.count, keys: windows.map(\.key),
            arguments: windows.flatMap { [RedisArgument($0.limit), RedisArgument($0.expiry)] })
        guard let exceeded = reply.int, exceeded > 0, exceeded <= windows.count else { return }
        let window = windows[exceeded - 1]
        let who = principal.apiKeyID == nil ? "this user" : "this API key"
        throw RPCError.resourceExhausted(
            "Rate limit exceeded: \(window.limit) calls \(window.name) for \(who)", retryAfter: .seconds(window.retryAfter))
    }

    /// `yyyy-mm-dd` (UTC) of a day number since 1970.
    private static func date(_ day: Int) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(day) * 86_400)
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
