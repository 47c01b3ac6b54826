import NIOConcurrencyHelpers
import Foundation
import LyricaService

/// Wakes idle workers of this replica when a job is accepted here, so it starts at once
/// instead of at the next poll (other replicas still find it by polling).
package final class JobWakeup: Sendable {
    private struct State {
        var waiting: [UUID: CheckedContinuation<Void, Never>] = [:]
        var finished: Set<UUID> = []
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    package func signal() {
        let waiting = self.state.withLockedValue { state in
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns after a signal, after `timeout`, or at shutdown.
    package func wait(upTo timeout: Duration) async {
        let id = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sleepUnlessShuttingDown(timeout) }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLockedValue { state in
                        if state.finished.remove(id) != nil { return true }
                        state.waiting[id] = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            await group.next()
            let pending = self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                if let continuation = state.waiting.removeValue(forKey: id) { return continuation }
                state.finished.insert(id)
                return nil
            }
            pending?.resume()
            group.cancelAll()
        }
        // A signal that came first leaves its id behind; forget it.
        self.state.withLockedValue { _ = $0.finished.remove(id) }
    }
}
