import Foundation
package import Logging
import LyricaRPC
package import LyricaService
package import PostgresNIO

/// What the generation service does with other services' events: `user.deleted` deletes that
/// user's generations and their agent logs (a job still running loses its row and stops).
package struct GenerationEvents: Sendable {
    package static let topics = ["user.deleted"]
    package let store: GenerationStore

    package init(store: GenerationStore) {
        self.store = store
    }

    package func handle(_ event: Event, on connection: PostgresConnection, logger: Logger) async throws -> EventConsumer.AfterCommit? {
        guard event.topic == "user.deleted" else { return nil }
        let user = try EventPayload(event).uuid("user_id")
        let deleted = try await self.store.deleteAll(userID: user, on: connection, logger: logger)
        logger.info("Deleted a deleted user's generations", metadata: ["user.id": "\(user)", "generation.count": "\(deleted)"])
        return nil
    }
}
