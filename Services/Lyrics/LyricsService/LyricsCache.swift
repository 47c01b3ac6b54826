package import Foundation
package import Logging
package import LyricaProtos
import LyricaRPC
package import LyricaRedis
import SwiftProtobuf

/// GetLyrics answers in Redis (`api:lyrics:{id}`, the encoded message) for `ttl`; every write
/// deletes its song's entry after committing. A `ttl` of zero turns the cache off.
package struct LyricsCache: Sendable {
    package let redis: RedisClient
    package let ttl: Duration

    package init(redis: RedisClient, ttl: Duration) {
        self.redis = redis
        self.ttl = ttl
    }

    private static func key(_ id: UUID) -> String { "api:lyrics:\(id.uuidString.lowercased())" }

    /// The cached song; nil on a miss, or when Redis is unreachable (the database still answers).
    package func lyrics(id: UUID) async -> Lyrica_Lyrics_V1_Lyrics? {
        guard self.ttl > .zero,
            case .bulk(let bytes)? = try? await self.redis.send(["GET", RedisArgument(self.redis.key(Self.key(id)))])
        else { return nil }
        return try? Lyrica_Lyrics_V1_Lyrics(serializedBytes: bytes)
    }

    package func remember(_ lyrics: Lyrica_Lyrics_V1_Lyrics) async {
        guard self.ttl > .zero, let id = UUID(uuidString: lyrics.id), let bytes: [UInt8] = try? lyrics.serializedBytes() else { return }
        let milliseconds = RedisClient.milliseconds(self.ttl)
        _ = try? await self.redis.send(["SET", RedisArgument(self.redis.key(Self.key(id))), RedisArgument(bytes: bytes), "PX", RedisArgument(milliseconds)])
    }

    /// Drops a song's entry. If Redis cannot be reached the write has still committed; a stale
    /// copy can then be served until the entry expires, which is logged.
    package func forget(id: UUID, logger: Logger) async {
        guard self.ttl > .zero else { return }
        do {
            try await self.redis.delete([Self.key(id)])
        } catch {
            logger.warning("Could not drop a cached song; it may be served stale until it expires", metadata: [
                "lyrics.id": "\(id)", "error": "\(error)",
            ])
        }
    }
}
