package import Foundation
import LyricaRPC
package import LyricaRedis
import LyricaService

/// Sign-in sessions and their refresh tokens in Redis. A session is a family of refresh tokens:
/// each Refresh retires the token presented and issues the next. A retired token presented
/// again means it was copied, so the whole family is revoked (OAuth 2.0 Security BCP, §4.14).
///
/// Keys, all expiring with the refresh-token lifetime:
/// - `refresh_token:{sha256}`: hash `user`, `family`, `used` (tokens are stored hashed only)
/// - `refresh_family:{family}`: set of its token hashes
/// - `session:{user_id}`: set of the user's families
package struct SessionCache: Sendable {
    package let redis: RedisClient
    package let lifetime: Duration

    package init(redis: RedisClient, lifetime: Duration) {
        self.redis = redis
        self.lifetime = lifetime
    }

    /// A refresh token as issued: shown to the client once.
    package struct IssuedToken: Sendable {
        package var token: String
        package var family: String
        package var expiresAt: Date
    }

    package enum Rotation: Sendable {
        case rotated(user: UUID, next: IssuedToken)
        /// The token had been used already; its family is now revoked.
        case reused(user: UUID)
        case unknown
    }

    /// Opens a session for `user`.
    package func start(user: UUID) async throws -> IssuedToken {
        let family = UUID().uuidString.lowercased()
        let token = Self.newToken()
        _ = try await self.redis.run(
            Self.startScript, keys: [], arguments: [
                RedisArgument(self.redis.key("")), RedisArgument(Self.hash(token)), RedisArgument(family),
                RedisArgument(user.uuidString.lowercased()), RedisArgument(self.lifetimeSeconds),
            ])
        return IssuedToken(token: token, family: family, expiresAt: Date().addingTimeInterval(self.lifetime.seconds))
    }

    /// Trades `token` for the next one of its session.
    package func rotate(_ token: String) async throws -> Rotation {
        let next = Self.newToken()
        let reply = try await self.redis.run(
            Self.rotateScript, keys: [], arguments: [
                RedisArgument(self.redis.key("")), RedisArgument(Self.hash(token)), RedisArgument(Self.hash(next)),
                RedisArgument(self.lifetimeSeconds),
            ])
        guard let parts = reply.array, let outcome = parts.first?.int else { return .unknown }
        guard parts.count >= 3, let user = parts[1].string.flatMap(UUID.init(uuidString:)), let family = parts[2].string else {
            return .unknown
        }
        switch outcome {
        case 1: return .rotated(user: user, next: IssuedToken(token: next, family: family, expiresAt: Date().addingTimeInterval(self.lifetime.seconds)))
        case 2: return .reused(user: user)
        default: return .unknown
        }
    }

    /// Ends the session `token` belongs to; false if the token is unknown.
    package func end(token: String) async throws -> Bool {
        let reply = try await self.redis.run(
            Self.endByTokenScript, keys: [], arguments: [RedisArgument(self.redis.key("")), RedisArgument(Self.hash(token))])
        return reply.int == 1
    }

    /// Ends every session of `user` but `keeping`; returns how many ended.
    @discardableResult
    package func endAll(user: UUID, keeping: String? = nil) async throws -> Int {
        let reply = try await self.redis.run(
            Self.endAllScript, keys: [], arguments: [
                RedisArgument(self.redis.key("")), RedisArgument(user.uuidString.lowercased()), RedisArgument(keeping ?? ""),
            ])
        return reply.int ?? 0
    }

    /// The family a session id names is still open (for tests and admin tools).
    package func isOpen(family: String) async throws -> Bool {
        try await self.redis.send(["EXISTS", RedisArgument(self.redis.key("refresh_family:\(family)"))]).int == 1
    }

    // MARK: Tokens

    static func newToken() -> String { Secrets.random(prefix: "lyr_rt_") }

    static func hash(_ token: String) -> String { Secrets.sha256Hex(token) }

    private var lifetimeSeconds: Int { max(1, Int(self.lifetime.components.seconds)) }

    // MARK: Scripts
    // Keys are built inside the scripts from the prefix in ARGV[1]: the set of keys a rotation
    // touches depends on what it reads. Fine on a single Redis or a replicated primary, which is
    // what Lyrica runs on; Redis Cluster would need hash tags.

    /// Shared by the scripts: drop a family, its tokens and its place in the user's sessions.
    private static let revokeFamily = """
        local function revoke_family(prefix, user, family)
          local family_key = prefix .. 'refresh_family:' .. family
          for _, member in ipairs(redis.call('SMEMBERS', family_key)) do
            redis.call('DEL', prefix .. 'refresh_token:' .. member)
          end
          redis.call('DEL', family_key)
          redis.call('SREM', prefix .. 'session:' .. user, family)
        end
        local function add_token(prefix, hash, user, family, ttl)
          local token_key = prefix .. 'refresh_token:' .. hash
          redis.call('HSET', token_key, 'user', user, 'family', family, 'used', '0')
          redis.call('EXPIRE', token_key, ttl)
          redis.call('SADD', prefix .. 'refresh_family:' .. family, hash)
          redis.call('EXPIRE', prefix .. 'refresh_family:' .. family, ttl)
          redis.call('SADD', prefix .. 'session:' .. user, family)
          redis.call('EXPIRE', prefix .. 'session:' .. user, ttl)
        end

        """

    private static let startScript = RedisScript(
        revokeFamily + """
            add_token(ARGV[1], ARGV[2], ARGV[4], ARGV[3], ARGV[5])
            return 1
            """)

    /// Returns {1, user, family} when rotated, {2, user, family} on reuse, {0} when unknown.
    private static let rotateScript = RedisScript(
        revokeFamily + """
            local prefix = ARGV[1]
            local token_key = prefix .. 'refresh_token:' .. ARGV[2]
            local fields = redis.call('HMGET', token_key, 'user', 'family', 'used')
            local user, family, used = fields[1], fields[2], fields[3]
            if not user then return {0} end
            if used == '1' or redis.call('EXISTS', prefix .. 'refresh_family:' .. family) == 0 then
              revoke_family(prefix, user, family)
              return {2, user, family}
            end
            redis.call('HSET', token_key, 'used', '1')
            add_token(prefix, ARGV[3], user, family, ARGV[4])
            return {1, user, family}
            """)

    private static let endByTokenScript = RedisScript(
        revokeFamily + """
            local prefix = ARGV[1]
            local fields = redis.call('HMGET', prefix .. 'refresh_token:' .. ARGV[2], 'user', 'family')
            if not fields[1] then return 0 end
            revoke_family(prefix, fields[1], fields[2])
            return 1
            """)

    private static let endAllScript = RedisScript(
        revokeFamily + """
            local prefix = ARGV[1]
            local ended = 0
            for _, family in ipairs(redis.call('SMEMBERS', prefix .. 'session:' .. ARGV[2])) do
              if family ~= ARGV[3] then
                revoke_family(prefix, ARGV[2], family)
                ended = ended + 1
              end
            end
            return ended
            """)
}
