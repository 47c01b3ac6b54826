/// Constants of protocol version 1 (Docs/PROTOCOL.md).
package enum WireProtocol {
    /// The `protocol` field of HELLO.
    package static let name = "lyrica-rpc"
    package static let version: UInt32 = 1
    package static let agent = "lyrica-swift/1"
    /// Default largest frame accepted: 4 MiB.
    package static let defaultMaxFrameSize = 4 * 1024 * 1024
    /// Default initial per-call window, in MESSAGE frames.
    package static let defaultInitialCallWindow: UInt32 = 16
    /// A sender assumes this window until the peer's HELLO arrives.
    package static let windowBeforeHello: UInt32 = 1
}
