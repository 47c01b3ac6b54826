package import Foundation
package import Logging
import LyricaRPC
package import LyricaRedis
import LyricaService
import NIOConcurrencyHelpers
package import ServiceLifecycle

/// Counts views in Redis (`lyrics:views`, a hash of song id → views), shared by every replica,
/// and moves them to PostgreSQL in batches. Each replica first sums its views in memory and adds
/// them to Redis every `pushInterval` in one pipelined round trip, so a read does not wait on a
/// counter (a crash loses at most that interval's views). A flush renames the hash to
/// `lyrics:views:flushing` with a batch id; the store adds a batch once only, so a flush retried
/// after a crash counts nothing twice, and views counted meanwhile go to a fresh hash.
package struct ViewCounter: Service {
    package let redis: RedisClient
    package let store: LyricsStore
    package let interval: Duration
    package let pushInterval: Duration
    package let logger: Logger
    private let pending = NIOLockedValueBox([UUID: Int]())

    /// - Parameters:
    ///   - interval: how often views move from Redis to PostgreSQL.
    ///   - pushInterval: how often this replica's views move to Redis. Default 250 ms.
    package init(redis: RedisClient, store: LyricsStore, interval: Duration, pushInterval: Duration = .milliseconds(250), logger: Logger) {
        self.redis = redis
        self.store = store
        self.interval = interval
        self.pushInterval = min(pushInterval, interval)
        self.logger = logger
    }

    /// Counts one view (in memory until the next push).
    package func record(lyricsID: UUID) {
        self.pending.withLockedValue { $0[lyricsID, default: 0] += 1 }
    }

    package func run() async throws {
        var sinceFlush: Duration = .zero
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await sleepUnlessShuttingDown(self.pushInterval)
            sinceFlush += self.pushInterval
            do {
                try await self.push()
                if sinceFlush >= self.interval {
                    sinceFlush = .zero
                    try await self.flush()
                }
            } catch {
                self.logger.warning("Could not move view counts on; will retry", metadata: ["error": "\(error)"])
            }
        }
        // What was counted before the stop.
        try? await self.push()
        try? await self.flush()
    }

    /// Adds this replica's counted views to Redis; on failure they stay pending.
    package func push() async throws {
        let counts = self.pending.withLockedValue { pending in
            defer { pending = [:] }
            return pending
        }
        guard !counts.isEmpty else { return }
        let key = RedisArgument(self.redis.key("lyrics:views"))
        do {
            let replies = try await self.redis.pipeline(
                counts.map { ["HINCRBY", key, RedisArgument($0.key.uuidString.lowercased()), RedisArgument($0.value)] })
            for reply in replies { _ = try self.redis.checked(reply, command: "HINCRBY") }
        } catch {
            self.pending.withLockedValue { pending in for (id, views) in counts { pending[id, default: 0] += views } }
            throw error
        }
    }

    /// Takes the counted views (or the batch a failed flush left) and adds them to PostgreSQL.
    package func flush() async throws {
        let reply = try await self.redis.run(
            Self.takeBatch, keys: ["lyrics:views", "lyrics:views:flushing"], arguments: [RedisArgument(UUID().uuidString.lowercased())])
        guard let items = reply.array?.compactMap(\.string), items.count >= 1, let batch = UUID(uuidString: items[0]) else { return }
        var counts: [(UUID, Int64)] = []
        var index = 1
        while index + 1 < items.count {
            if let id = UUID(uuidString: items[index]), let views = Int64(items[index + 1]) { counts.append((id, views)) }
            index += 2
        }
        try await self.store.addViews(batchID: batch, counts: counts, logger: self.logger)
        try await self.redis.delete(["lyrics:views:flushing"])
    }

    /// Returns {batch id, id, count, id, count, …} of the batch to flush, or {} when nothing was counted.
    private static let takeBatch = RedisScript(
        """
        if redis.call('EXISTS', KEYS[2]) == 0 then
          if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
          redis.call('RENAME', KEYS[1], KEYS[2])
          redis.call('HSET', KEYS[2], '__batch', ARGV[1])
        end
        local batch = redis.call('HGET', KEYS[2], '__batch')
        local result = {batch}
        local fields = redis.call('HGETALL', KEYS[2])
        for i = 1, #fields, 2 do
          if fields[i] ~= '__batch' then
            table.insert(result, fields[i])
            table.insert(result, fields[i + 1])
          end
        end
        return result
        """)
}
