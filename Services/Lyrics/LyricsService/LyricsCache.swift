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

    /// The cached song; nil on a miss, or when Redis is unreachable (the database still answers).
    package func lyrics(id: UUID) async -> Lyrica_Lyrics_V1_Lyrics? {
        await self.cache.get(id.uuidString.lowercased())
    }

    package func remember(_ lyrics: Lyrica_Lyrics_V1_Lyrics) async {
        guard let id = UUID(uuidString: lyrics.id) else { return }
        await self.cache.put(lyrics, key: id.uuidString.lowercased())
    }

    /// Drops a song's entry. If Redis cannot be reached the write has still committed; a stale
    /// copy can then be served until the entry expires, which is logged.
    package func forget(id: UUID, logger: Logger) async {
        await self.cache.forget(id.uuidString.lowercased(), logger: logger)
    }
}
