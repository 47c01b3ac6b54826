package import Foundation
package import Logging
import LyricaRPC
package import LyricaService
package import PostgresNIO

/// What the lyrics service does with other services' events: `user.deleted` deletes that user's
/// songs (each announced as `lyrics.deleted`), `feedback.changed` sets a song's like count.
package struct LyricsEvents: Sendable {
    package static let topics = ["user.deleted", "feedback.changed"]
    package let store: LyricsStore
    package let cache: LyricsCache

    package init(store: LyricsStore, cache: LyricsCache) {
        self.store = store
        self.cache = cache
    }

    /// Changes the store in the consumer's transaction; cached copies of the songs it changed
    /// are dropped after the commit.
    package func handle(_ event: Event, on connection: PostgresConnection, logger: Logger) async throws -> EventConsumer.AfterCommit? {
        let changed: [UUID]
        switch event.topic {
        case "user.deleted":
            let user = try EventPayload(event).uuid("user_id")
            changed = try await self.store.deleteAll(userID: user, on: connection, logger: logger)
            logger.info("Deleted a deleted user's lyrics", metadata: ["user.id": "\(user)", "lyrics.count": "\(changed.count)"])
        case "feedback.changed":
            let payload = try EventPayload(event)
            let lyrics = try payload.uuid("lyrics_id")
            let likes = try payload.int64("like_count")
            let asOf = payload.date("as_of") ?? event.occurredAt
            try await self.store.setLikeCount(lyricsID: lyrics, count: likes, asOf: asOf, on: connection, logger: logger)
            changed = [lyrics]
        default:
            logger.debug("Ignoring an event of another topic", metadata: ["event.topic": "\(event.topic)"])
            return nil
        }
        return { [cache] in for id in changed { await cache.forget(id: id, logger: logger) } }
    }
}
