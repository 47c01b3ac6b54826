package import Foundation
package import Logging
import LyricaRPC
package import LyricaRedis
import LyricaService
package import ServiceLifecycle

/// Counts views in Redis (`lyrics:views`, a hash of song id → views) and moves them to
/// PostgreSQL in batches. A flush first renames the hash to `lyrics:views:flushing` with a batch
/// id; the store adds a batch once only, so a flush retried after a crash counts nothing twice,
/// and views counted meanwhile go to a fresh hash.
package struct ViewCounter: Service {
    package let redis: RedisClient
    package let store: LyricsStore
    package let interval: Duration
    package let logger: Logger

    package init(redis: RedisClient, store: LyricsStore, interval: Duration, logger: Logger) {
        self.redis = redis
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Counts one view.
    package func record(lyricsID: UUID) async throws {
        _ = try self.redis.checked(
            try await self.redis.send(["HINCRBY", RedisArgument(self.redis.key("lyrics:views")), RedisArgument(lyricsID.uuidString.lowercased()), "1"]),
            command: "HINCRBY")
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await sleepUnlessShuttingDown(self.interval)
            do {
                try await self.flush()
            } catch {
                self.logger.warning("Could not flush view counts; will retry", metadata: ["error": "\(error)"])
            }
        }
        try? await self.flush()  // What was counted before the stop.
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
