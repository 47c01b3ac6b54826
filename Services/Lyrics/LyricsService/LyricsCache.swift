package import Foundation
package import Logging
package import LyricaProtos
package import LyricaRedis
package import LyricaService

/// GetLyrics answers in Redis (`api:lyrics:{id}`, the encoded message) for `ttl`; every write
/// deletes its song's entry after committing. A `ttl` of zero turns the cache off.
package struct LyricsCache: Sendable {
    private let cache: MessageCache<Lyrica_Lyrics_V1_Lyrics>

    package init(redis: RedisClient, ttl: Duration) {
        self.cache = MessageCache(redis: redis, prefix: "api:lyrics:", ttl: ttl)
    }

    /// The song from the cache, or else from `load` (then cached). Redis being unreachable
    /// only means the database answers.
    package func lyrics(id: UUID, load: () async throws -> Lyrica_Lyrics_V1_Lyrics?) async throws -> Lyrica_Lyrics_V1_Lyrics? {
        try await self.cache.value(id.uuidString.lowercased(), load: load)
    }

    /// Drops a song's entry. If Redis cannot be reached the write has still committed; a stale
    /// copy can then be served until the entry expires, which is logged.
    package func forget(id: UUID, logger: Logger) async {
        await self.cache.forget(id.uuidString.lowercased(), logger: logger)
    }
}
