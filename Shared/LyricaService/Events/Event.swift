package import Foundation

/// Something that happened in one service that others may react to, e.g. `user.deleted`.
/// Delivered at least once: consumers handle each `id` idempotently.
package struct Event: Sendable, Equatable {
    package let id: UUID
    /// Lowercase dotted name, e.g. `user.deleted`; the Redis stream is `events:<topic>`.
    package let topic: String
    /// JSON text; its shape belongs to the topic.
    package let payload: String
    /// The producing service, e.g. `auth`.
    package let source: String
    package let occurredAt: Date

    package init(id: UUID = UUID(), topic: String, payload: String, source: String, occurredAt: Date = Date()) {
        self.id = id
        self.topic = topic
        self.payload = payload
        self.source = source
        self.occurredAt = occurredAt
    }

    /// The Redis stream carrying a topic.
    package static func stream(for topic: String) -> String { "events:\(topic)" }

    var streamFields: [(String, String)] {
        [
            ("event_id", self.id.uuidString.lowercased()), ("topic", self.topic), ("source", self.source),
            ("occurred_at", String(self.occurredAt.timeIntervalSince1970)), ("payload", self.payload),
        ]
    }

    init?(streamFields fields: [String: String]) {
        guard let rawID = fields["event_id"], let id = UUID(uuidString: rawID), let topic = fields["topic"],
            let payload = fields["payload"]
        else { return nil }
        self.init(
            id: id, topic: topic, payload: payload, source: fields["source"] ?? "",
            occurredAt: Date(timeIntervalSince1970: fields["occurred_at"].flatMap(Double.init) ?? 0))
    }
}
