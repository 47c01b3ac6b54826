import NIOConcurrencyHelpers

/// Serving status per service (and "" for the whole server), with watchers told of each change.
package final class HealthStatus: Sendable {
    package typealias Status = Lyrica_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status] = ["": .serving]
        var watchers: [UInt64: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcher: UInt64 = 0
    }
    private let state = NIOLockedValueBox(State())

    package init() {}

    /// Sets a service's status; "" is the server as a whole.
    package func set(_ status: Status, for service: String = "") {
        let watchers = self.state.withLockedValue { state in
            state.statuses[service] = status
            return state.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for watcher in watchers { watcher.yield(status) }
    }

    /// The status, or nil for a service this server does not know.
    package func status(of service: String) -> Status? {
        self.state.withLockedValue { $0.statuses[service] }
    }

    /// The current status (or `.serviceUnknown`) and then every change, until the task ends.
    package func updates(of service: String) -> AsyncStream<Status> {
        let (stream, continuation) = AsyncStream.makeStream(of: Status.self, bufferingPolicy: .bufferingNewest(1))
        let id = self.state.withLockedValue { state in
            defer { state.nextWatcher += 1 }
            state.watchers[state.nextWatcher] = (service, continuation)
            continuation.yield(state.statuses[service] ?? .serviceUnknown)
            return state.nextWatcher
        }
        continuation.onTermination = { _ in
            _ = self.state.withLockedValue { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Marks everything not serving, e.g. while the server drains.
    package func markAllNotServing() {
        let services = self.state.withLockedValue { Array($0.statuses.keys) }
        for service in services { self.set(.notServing, for: service) }
    }
}
