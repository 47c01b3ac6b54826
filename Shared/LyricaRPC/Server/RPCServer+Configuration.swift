package import NIOCore

extension RPCServer {
    /// Server settings; every default is stated and suits a local run.
    package struct Configuration: Sendable {
        /// Address to listen on. Default `127.0.0.1`.
        package var host: String = "127.0.0.1"
        /// Port to listen on; 0 picks a free one (tests). Default 0.
        package var port: Int = 0
        /// Largest frame accepted; a larger message fails its call with RESOURCE_EXHAUSTED. Default 4 MiB.
        package var maxFrameSize: Int = WireProtocol.defaultMaxFrameSize
        /// Largest length prefix tolerated at all: beyond it the connection is closed before any
        /// body byte is buffered. Default 4 × `maxFrameSize`.
        package var hardFrameCeiling: Int? = nil
        /// Calls served at once per connection; more are refused with RESOURCE_EXHAUSTED. Default 1024.
        package var maxConcurrentCallsPerConnection: Int = 1024
        /// MESSAGE frames a client may send per call before the server grants more. Default 16.
        package var initialCallWindow: UInt32 = WireProtocol.defaultInitialCallWindow
        /// Time a new connection has to send HELLO. Default 10 s.
        package var handshakeTimeout: TimeAmount = .seconds(10)
        /// Close a connection without calls after this long. Default 5 minutes; nil never.
        package var idleTimeout: TimeAmount? = .minutes(5)
        /// Ping a peer that has sent nothing for this long. Default 60 s; nil never.
        package var keepaliveInterval: TimeAmount? = .seconds(60)
        /// Close the connection if a ping is not answered within this. Default 20 s.
        package var keepaliveTimeout: TimeAmount = .seconds(20)
        /// On shutdown, how long in-flight calls may run before connections are closed. Default 30 s.
        package var shutdownGracePeriod: TimeAmount = .seconds(30)

        package init() {}

        package static var defaults: Configuration { Configuration() }

        /// The defaults, changed by `configure`.
        package static func defaults(_ configure: (inout Configuration) throws -> Void) rethrows -> Configuration {
            var configuration = Configuration()
            try configure(&configuration)
            return configuration
        }

        var effectiveHardCeiling: Int { max(self.hardFrameCeiling ?? self.maxFrameSize * 4, self.maxFrameSize) }
    }
}
