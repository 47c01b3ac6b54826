import Foundation
package import Logging
package import LyricaRedis
package import SwiftProtobuf

/// Answers kept in Redis as encoded protobuf messages (`{prefix}{key}`) for `ttl`, read through:
/// a miss loads from the database and fills the entry. Writers drop an entry after committing, or
/// keys hold a version every write changes. Redis being unreachable never fails a call: a miss
/// goes to the database, and a drop that fails is logged (the entry then expires on its own).
/// A `ttl` of zero turns the cache off.
///
/// A miss takes a lease (a token in the entry) before it reads the database, and fills the entry
/// only if its lease is still there; a writer's drop removes the lease. So a read that raced a
/// write — read the old row, then the write committed and dropped the entry — can never put the
/// old answer back for a whole `ttl`.
package struct MessageCache<Message: SwiftProtobuf.Message & Sendable>: Sendable {
    package let redis: RedisClient
    package let prefix: String
    package let ttl: Duration

    /// How long a lease outlives a load that never fills (a crash, a slow database).
    static var leaseTime: Duration { .seconds(10) }
    private static var valueTag: UInt8 { UInt8(ascii: "=") }
    private static var leaseTag: UInt8 { UInt8(ascii: "?") }

    package init(redis: RedisClient, prefix: String, ttl: Duration) {
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
    }

    private func entry(_ key: String) -> String { self.prefix + key }

    /// The cached message, or else `load()`'s answer (cached when this caller held the lease).
    /// A nil from `load` (nothing there) is not cached.
    package func value(_ key: String, load: () async throws -> Message?) async throws -> Message? {
        guard self.ttl > .zero else { return try await load() }
        let lease = UUID().uuidString
        let found = try? await self.redis.run(
            CacheScripts.lookup, keys: [self.entry(key)],
            arguments: [RedisArgument(lease), RedisArgument(RedisClient.milliseconds(Self.leaseTime))])
        guard case .bulk(let entry)? = found else { return try await load() }
        if entry.first == Self.valueTag, let message = try? Message(serializedBytes: entry.dropFirst()) { return message }
        let holdsLease = entry.elementsEqual([Self.leaseTag] + Array(lease.utf8))
        guard let message = try await load() else { return nil }
        if holdsLease, let bytes: [UInt8] = try? message.serializedBytes() {
            _ = try? await self.redis.run(
                CacheScripts.fill, keys: [self.entry(key)],
                arguments: [RedisArgument(lease), RedisArgument(bytes: [Self.valueTag] + bytes), RedisArgument(RedisClient.milliseconds(self.ttl))])
        }
        return message
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

/// The cache's Lua scripts (a generic type cannot hold stored statics).
private enum CacheScripts {
    /// The entry if it holds a message or a lease; otherwise a new lease for this caller.
    static let lookup = RedisScript(
        """
        local entry = redis.call('GET', KEYS[1])
        if entry then
            local tag = string.sub(entry, 1, 1)
            if tag == '=' or tag == '?' then return entry end
        end
        redis.call('SET', KEYS[1], '?' .. ARGV[1], 'PX', ARGV[2])
        return '?' .. ARGV[1]
        """)

    /// Fills the entry only while it still holds this caller's lease.
    static let fill = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == '?' .. ARGV[1] then
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return 1
        end
        return 0
        """)
}
