package import Foundation
package import Logging
import LyricaRPC
package import LyricaService
package import PostgresNIO

/// What the feedback service does with other services' events: `user.deleted` deletes that
/// user's feedback (announcing new like counts), `lyrics.deleted` forgets a song and its
/// feedback, `lyrics.changed` refreshes a song's facts (a song no longer public leaves the
/// popular list; one public again returns to it with its score).
package struct FeedbackEvents: Sendable {
    package static let topics = ["user.deleted", "lyrics.deleted", "lyrics.changed"]
    package let store: FeedbackStore
    package let popularity: Popularity

    package init(store: FeedbackStore, popularity: Popularity) {
        self.store = store
        self.popularity = popularity
    }

    /// Changes the store in the consumer's transaction; the popular set follows after the commit
    /// (changed before, a rebuild could read the old rows and undo it).
    package func handle(_ event: Event, on connection: PostgresConnection, logger: Logger) async throws -> EventConsumer.AfterCommit? {
        let payload = try EventPayload(event)
        let popularity = self.popularity
        switch event.topic {
        case "user.deleted":
            let user = try payload.uuid("user_id")
            let songs = try await self.store.deleteAll(userID: user, on: connection, logger: logger)
            guard !songs.isEmpty else { return nil }
            logger.info("Deleted a deleted user's feedback", metadata: ["user.id": "\(user)", "feedback.count": "\(songs.count)"])
            // Many scores changed: the next list rebuilds the set.
            return { await Self.bestEffort(logger) { try await popularity.invalidate() } }
        case "lyrics.deleted":
            let song = try payload.uuid("lyrics_id")
            try await self.store.deleteLyrics(song, on: connection, logger: logger)
            return { await Self.bestEffort(logger) { try await popularity.remove(song) } }
        case "lyrics.changed":
            let facts = SongFacts(
                lyricsID: try payload.uuid("lyrics_id"), ownerID: try payload.uuid("user_id"), title: payload.string("title") ?? "",
                genre: payload.string("genre") ?? "", mood: payload.string("mood") ?? "", isPublic: payload.bool("is_public") ?? false,
                version: try payload.int64("version"))
            guard try await self.store.updateFacts(facts, on: connection, logger: logger) else { return nil }
            if facts.isPublic { return { await Self.bestEffort(logger) { try await popularity.refresh(facts.lyricsID, logger: logger) } } }
            return { await Self.bestEffort(logger) { try await popularity.remove(facts.lyricsID) } }
        default:
            logger.debug("Ignoring an event of another topic", metadata: ["event.topic": "\(event.topic)"])
            return nil
        }
    }

    /// The popular set is derived: if Redis is down now, the next rebuild corrects it.
    private static func bestEffort(_ logger: Logger, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            logger.warning("Could not update popular_lyrics; the next rebuild will", metadata: ["error": "\(error)"])
        }
    }
}
