package import Logging
package import LyricaRedis
package import SwiftProtobuf

/// Answers kept in Redis as encoded protobuf messages (`{prefix}{key}`) for `ttl`; writers drop
/// an entry after committing, or keys hold a version every write changes. Redis being
/// unreachable never fails a call: a miss goes to the database, and a drop that fails is logged
/// (the entry then expires on its own). A `ttl` of zero turns the cache off.
package struct MessageCache<Message: SwiftProtobuf.Message & Sendable>: Sendable {
    package let redis: RedisClient
    package let prefix: String
    package let ttl: Duration

    package init(redis: RedisClient, prefix: String, ttl: Duration) {
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
    }

    private func entry(_ key: String) -> String { self.prefix + key }

    /// The cached message; nil on a miss or when Redis is unreachable.
    package func get(_ key: String) async -> Message? {
        guard self.ttl > .zero,
            case .bulk(let bytes)? = try? await self.redis.send(["GET", RedisArgument(self.redis.key(self.entry(key)))])
        else { return nil }
        return try? Message(serializedBytes: bytes)
    }

    package func put(_ message: Message, key: String) async {
        guard self.ttl > .zero, let bytes: [UInt8] = try? message.serializedBytes() else { return }
        let milliseconds = RedisClient.milliseconds(self.ttl)
        _ = try? await self.redis.send(["SET", RedisArgument(self.redis.key(self.entry(key))), RedisArgument(bytes: bytes), "PX", RedisArgument(milliseconds)])
    }

    package func forget(_ key: String, logger: Logger) async {
        guard self.ttl > .zero else { return }
        do {
            try await self.redis.delete([self.entry(key)])
        } catch {
            logger.warning("Could not drop a cached answer; it may be served stale until it expires", metadata: [
                "cache.key": "\(self.entry(key))", "error": "\(error)",
            ])
        }
    }
}
