import ServiceLifecycle

/// Sleeps for `duration`, waking early (without throwing) on cancellation or graceful shutdown:
/// what background loops (relays, consumers) do between rounds.
package func sleepUnlessShuttingDown(_ duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}

/// The pause between retries of a background loop while a store is down: starts at `initial`,
/// doubles after each failure up to `maximum`, and starts over after a success.
package struct RetryDelay {
    package let initial: Duration
    package let maximum: Duration
    package private(set) var current: Duration

    package init(initial: Duration = .milliseconds(50), maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    package mutating func reset() { self.current = self.initial }

    /// Sleeps the current delay (waking early on shutdown), then doubles it.
    package mutating func wait() async {
        await sleepUnlessShuttingDown(self.current)
        self.current = min(self.current * 2, self.maximum)
    }
}
