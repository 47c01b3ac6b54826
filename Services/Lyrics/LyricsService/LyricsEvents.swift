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

    package func handle(_ event: Event, on connection: PostgresConnection, logger: Logger) async throws {
        let payload = try Self.payload(event)
        switch event.topic {
        case "user.deleted":
            guard let user = (payload["user_id"] as? String).flatMap(UUID.init(uuidString:)) else {
                throw EventPayloadError(event: event, reason: "no user_id")
            }
            let deleted = try await self.store.deleteAll(userID: user, on: connection, logger: logger)
            for id in deleted { await self.cache.forget(id: id, logger: logger) }
            logger.info("Deleted a deleted user's lyrics", metadata: ["user.id": "\(user)", "lyrics.count": "\(deleted.count)"])
        case "feedback.changed":
            guard let lyrics = (payload["lyrics_id"] as? String).flatMap(UUID.init(uuidString:)),
                let likes = (payload["like_count"] as? NSNumber)?.int64Value
            else { throw EventPayloadError(event: event, reason: "no lyrics_id or like_count") }
            let asOf = (payload["as_of"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) } ?? event.occurredAt
            try await self.store.setLikeCount(lyricsID: lyrics, count: likes, asOf: asOf, on: connection, logger: logger)
            await self.cache.forget(id: lyrics, logger: logger)
        default:
            logger.debug("Ignoring an event of another topic", metadata: ["event.topic": "\(event.topic)"])
        }
    }

    private static func payload(_ event: Event) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: Any] else {
            throw EventPayloadError(event: event, reason: "the payload is not a JSON object")
        }
        return object
    }
}

/// An event that can never be handled: it goes to the dead-letter stream after its retries.
struct EventPayloadError: Error, CustomStringConvertible {
    let event: Event
    let reason: String
    var description: String { "\(self.event.topic) \(self.event.id): \(self.reason)" }
}
