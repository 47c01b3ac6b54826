import NIOCore

/// Keepalive bookkeeping shared by both ends: ping a quiet peer, give up on a silent one.
struct Keepalive {
    enum Action { case none, ping, timedOut }

    let interval: TimeAmount?
    let timeout: TimeAmount
    private(set) var lastReadAt = NIODeadline.now()
    private var pingSentAt: NIODeadline?

    init(interval: TimeAmount?, timeout: TimeAmount) {
        self.interval = interval
        self.timeout = timeout
    }

    mutating func didRead(at now: NIODeadline) { self.lastReadAt = now }
    mutating func didReceivePong() { self.pingSentAt = nil }

    mutating func tick(now: NIODeadline) -> Action {
        if let sentAt = self.pingSentAt {
            return now - sentAt > self.timeout ? .timedOut : .none
        }
        guard let interval = self.interval, now - self.lastReadAt > interval else { return .none }
        self.pingSentAt = now
        return .ping
    }

    /// How often to tick so that `interval` and `timeout` are kept to within a quarter.
    static func tick(for durations: [TimeAmount]) -> TimeAmount {
        let shortest = durations.min() ?? .seconds(1)
        return max(min(.nanoseconds(shortest.nanoseconds / 4), .seconds(1)), .milliseconds(5))
    }
}
