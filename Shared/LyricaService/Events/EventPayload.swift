package import Foundation

/// An event's JSON payload, read field by field. A payload that is not an object, or lacks a
/// field its topic requires, can never be handled: the error sends the event to the dead-letter
/// stream after its retries rather than blocking the topic.
package struct EventPayload {
    package let event: Event
    private let object: [String: Any]

    package init(_ event: Event) throws(EventPayloadError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: Any] else {
            throw EventPayloadError(event: event, reason: "the payload is not a JSON object")
        }
        self.event = event
        self.object = object
    }

    /// A required id.
    package func uuid(_ field: String) throws(EventPayloadError) -> UUID {
        guard let id = (self.object[field] as? String).flatMap(UUID.init(uuidString:)) else {
            throw EventPayloadError(event: self.event, reason: "no \(field) (a UUID)")
        }
        return id
    }

    /// A required whole number.
    package func int64(_ field: String) throws(EventPayloadError) -> Int64 {
        guard let number = self.object[field] as? NSNumber else { throw EventPayloadError(event: self.event, reason: "no \(field) (a number)") }
        return number.int64Value
    }

    package func string(_ field: String) -> String? { self.object[field] as? String }

    package func bool(_ field: String) -> Bool? { (self.object[field] as? NSNumber)?.boolValue }

    /// A time written as seconds since 1970, if present.
    package func date(_ field: String) -> Date? {
        (self.object[field] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
    }
}

/// An event that can never be handled: it goes to the dead-letter stream after its retries.
package struct EventPayloadError: Error, CustomStringConvertible {
    package let event: Event
    package let reason: String

    package init(event: Event, reason: String) {
        self.event = event
        self.reason = reason
    }

    package var description: String { "\(self.event.topic) \(self.event.id): \(self.reason)" }
}
