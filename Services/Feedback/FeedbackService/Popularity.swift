package import Foundation
package import Logging
package import LyricaProtos
package import LyricaRedis
import LyricaRPC
import LyricaService
import NIOConcurrencyHelpers

/// Popular songs in the Redis sorted set `popular_lyrics` (score over the window, see
/// `FeedbackState.popularity`), beside the marker `popular_lyrics:built` that says the set is
/// complete. Every feedback write adds its change to the score at once; a rebuild from
/// PostgreSQL (at start, every `rebuildInterval`, and whenever the marker is missing because
/// Redis lost its data) makes the set exact again and lets old feedback leave the window. When
/// Redis cannot be reached, lists are computed from PostgreSQL.
package final class Popularity: Sendable {
    package static let key = "popular_lyrics"
    package static let builtKey = "popular_lyrics:built"
    private static let rebuildLockKey = "popular_lyrics:rebuilding"

    package let redis: RedisClient
    package let store: FeedbackStore
    package let window: Duration
    package let size: Int
    private let rebuilding = NIOLockedValueBox<Task<Void, any Error>?>(nil)

    package init(redis: RedisClient, store: FeedbackStore, window: Duration, size: Int) {
        self.redis = redis
        self.store = store
        self.window = window
        self.size = size
    }

    /// Adds `delta` to a song's score if the set is complete; a score that drops to 0 or
    /// below leaves the set, and the set keeps its best `size`.
    private static let increment = RedisScript(
        """
        if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
        local score = tonumber(redis.call('ZINCRBY', KEYS[1], ARGV[2], ARGV[1]))
        if score <= 0.000001 then redis.call('ZREM', KEYS[1], ARGV[1]) end
        local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
        if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1) end
        return 1
        """)

    /// Sets one song's score if the set is complete (a score of 0 or below removes it), then
    /// keeps the best `size`.
    private static let set = RedisScript(
        """
        if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
        if tonumber(ARGV[2]) > 0 then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) else redis.call('ZREM', KEYS[1], ARGV[1]) end
        local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
        if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1) end
        return 1
        """)

    /// Replaces the set and marks it complete, atomically.
    private static let replace = RedisScript(
        """
        redis.call('DEL', KEYS[1])
        for i = 2, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('SET', KEYS[2], ARGV[1])
        return 1
        """)

    /// After a committed write: moves the song's score by what the write changed. Best effort:
    /// if Redis is down, the next rebuild counts it.
    package func record(_ write: FeedbackStore.Write, logger: Logger) async {
        let userID = (write.after ?? write.before)?.userID
        guard let userID, write.facts.countsForPopularity(from: userID) else { return }
        let windowStart = Date().addingTimeInterval(-self.window.seconds)
        let before = write.before.map { $0.updatedAt >= windowStart ? $0.state.popularity : 0 } ?? 0
        let after = write.after?.state.popularity ?? 0
        guard after != before else { return }
        do {
            _ = try await self.redis.run(
                Self.increment, keys: [Self.key, Self.builtKey],
                arguments: [RedisArgument(write.facts.lyricsID.uuidString.lowercased()), RedisArgument("\(after - before)"), RedisArgument(self.size)])
        } catch {
            logger.warning("Could not update popular_lyrics; the next rebuild will", metadata: ["error": "\(error)"])
        }
    }

    /// Drops a song (deleted, or no longer public).
    package func remove(_ lyricsID: UUID) async throws {
        _ = try self.redis.checked(
            try await self.redis.send(["ZREM", RedisArgument(self.redis.key(Self.key)), RedisArgument(lyricsID.uuidString.lowercased())]),
            command: "ZREM")
    }

    /// Puts a song that became public (again) in the set with its score from PostgreSQL: its
    /// feedback from before counts as soon as it is listed.
    package func refresh(_ lyricsID: UUID, logger: Logger) async throws {
        let score = try await self.store.popularityScores(window: self.window, limit: 1, only: lyricsID, logger: logger).first?.1 ?? 0
        _ = try await self.redis.run(
            Self.set, keys: [Self.key, Self.builtKey],
            arguments: [RedisArgument(lyricsID.uuidString.lowercased()), RedisArgument("\(score)"), RedisArgument(self.size)])
    }

    /// Marks the set incomplete, so the next list rebuilds it (after deletions that change many scores).
    package func invalidate() async throws {
        try await self.redis.delete([Self.builtKey])
    }

    /// Recomputes the set from PostgreSQL. One rebuild at a time per process.
    package func rebuild(logger: Logger) async throws {
        let task = self.rebuilding.withLockedValue { running -> Task<Void, any Error> in
            if let running { return running }
            let task = Task { try await self.rebuildNow(logger: logger) }
            running = task
            return task
        }
        defer { self.rebuilding.withLockedValue { if $0 == task { $0 = nil } } }
        try await task.value
    }

    private func rebuildNow(logger: Logger) async throws {
        let started = ContinuousClock.now
        let scores = try await self.store.popularityScores(window: self.window, limit: self.size, logger: logger)
        var arguments = [RedisArgument("\(Date().timeIntervalSince1970)")]
        for (id, score) in scores { arguments += [RedisArgument("\(score)"), RedisArgument(id.uuidString.lowercased())] }
        _ = try await self.redis.run(Self.replace, keys: [Self.key, Self.builtKey], arguments: arguments)
        logger.debug("Rebuilt popular_lyrics", metadata: ["songs": "\(scores.count)", "duration": "\(ContinuousClock.now - started)"])
    }

    /// Rebuilds unless another replica did within `interval` (a Redis lock, `SET NX PX`).
    package func rebuildIfDue(interval: Duration, logger: Logger) async throws {
        let reply = try await self.redis.send([
            "SET", RedisArgument(self.redis.key(Self.rebuildLockKey)), "1", "NX", "PX", RedisArgument(RedisClient.milliseconds(interval) * 9 / 10),
        ])
        guard reply.string == "OK" else { return }
        try await self.rebuild(logger: logger)
    }

    /// A page of popular songs, best first: from the set (rebuilt first if Redis lost it), or
    /// from PostgreSQL while Redis is unreachable. Songs no longer public are skipped.
    package func page(offset: Int, count: Int, logger: Logger) async throws -> (lyrics: [Lyrica_Feedback_V1_PopularLyrics], more: Bool) {
        var ranked: [(UUID, Double)]
        do {
            if try await self.redis.get(Self.builtKey) == nil { try await self.rebuild(logger: logger) }
            ranked = try await self.redis.sortedSetTop(Self.key, offset: offset, count: count + 1).compactMap { member, score in
                UUID(uuidString: member).map { ($0, score) }
            }
        } catch let error as RPCError where error.code == .unavailable {
            logger.warning("Redis is unavailable; ranking popular songs in PostgreSQL", metadata: ["error": "\(error)"])
            ranked = try await self.store.popularityScores(window: self.window, limit: count + 1, offset: offset, logger: logger)
        }
        let more = ranked.count > count
        ranked = Array(ranked.prefix(count))
        let details = try await self.store.popularDetails(ranked.map(\.0), logger: logger)
        let lyrics = ranked.compactMap { id, score -> Lyrica_Feedback_V1_PopularLyrics? in
            guard var entry = details[id] else { return nil }
            entry.score = score
            return entry
        }
        return (lyrics, more)
    }
}
