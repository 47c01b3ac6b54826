import Foundation
package import NIOCore

extension RPCClient {
    /// Client settings; every default is stated.
    package struct Configuration: Sendable {
        /// Connections kept to each endpoint; calls spread over all of them. Default 1.
        package var connectionsPerEndpoint: Int = 1
        /// Time allowed to open a TCP connection. Default 5 s.
        package var connectTimeout: TimeAmount = .seconds(5)
        /// Reconnect backoff: first delay, growth factor, ceiling and ± jitter fraction.
        /// Defaults 100 ms, × 1.6, 10 s, 0.2.
        package var backoff = Backoff()
        /// Largest frame accepted from servers. Default 4 MiB.
        package var maxFrameSize: Int = WireProtocol.defaultMaxFrameSize
        /// MESSAGE frames a server may send per call before the client grants more. Default 16.
        package var initialCallWindow: UInt32 = WireProtocol.defaultInitialCallWindow
        /// Ping a server that has sent nothing for this long. Default 60 s; nil never.
        package var keepaliveInterval: TimeAmount? = .seconds(60)
        /// Close the connection if a ping is not answered within this. Default 20 s.
        package var keepaliveTimeout: TimeAmount = .seconds(20)
        /// Credentials added to every call. Default none.
        package var credentials: (any CallCredentials)?

        package init() {}

        package static var defaults: Configuration { Configuration() }
    }

    /// Exponential backoff with jitter between reconnect attempts to an endpoint.
    package struct Backoff: Sendable {
        package var initial: TimeAmount = .milliseconds(100)
        package var multiplier: Double = 1.6
        package var maximum: TimeAmount = .seconds(10)
        package var jitter: Double = 0.2

        package init() {}

        /// The delay before attempt `attempt` (1 = the first retry).
        package func delay(forAttempt attempt: Int) -> TimeAmount {
            let base = Double(self.initial.nanoseconds) * pow(self.multiplier, Double(max(attempt - 1, 0)))
            let capped = min(base, Double(self.maximum.nanoseconds))
            let jittered = capped * Double.random(in: (1 - self.jitter)...(1 + self.jitter))
            return .nanoseconds(Int64(jittered))
        }
    }
}
