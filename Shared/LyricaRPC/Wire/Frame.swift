package import NIOCore

/// One frame of the Lyrica RPC protocol (Docs/PROTOCOL.md): after the 4-byte length, a type, flags,
/// a call id and a body. Routing needs only the fixed header, so a MESSAGE body stays raw protobuf.
package struct Frame: Sendable, Equatable {
    package var type: FrameType
    package var flags: FrameFlags
    package var callID: UInt32
    package var body: ByteBuffer

    package init(type: FrameType, flags: FrameFlags = [], callID: UInt32, body: ByteBuffer = ByteBuffer()) {
        self.type = type
        self.flags = flags
        self.callID = callID
        self.body = body
    }

    /// Bytes between the length prefix and the body: type (1), flags (1), call id (4).
    package static let headerLength = 6
    /// Bytes of the length prefix.
    package static let prefixLength = 4
}

/// The kind of a frame. A struct, not an enum, so that an unknown type still decodes and can be
/// answered with a protocol error naming it.
package struct FrameType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Connection preface, both directions, call id 0. Body: `Lyrica_Rpc_V1_Hello`.
    package static let hello = Self(rawValue: 1)
    /// Opens a call, client to server. Body: `Lyrica_Rpc_V1_CallOpen`.
    package static let open = Self(rawValue: 2)
    /// Response headers, server to client, before the first message. Body: `Lyrica_Rpc_V1_CallHeaders`.
    package static let headers = Self(rawValue: 3)
    /// One protobuf message of a call, both directions. Flag `endStream` half-closes the sender's side.
    package static let message = Self(rawValue: 4)
    /// Half-closes the client's side without a message (an empty client stream).
    package static let end = Self(rawValue: 5)
    /// Ends a call, server to client. Body: `Lyrica_Rpc_V1_CallStatus`.
    package static let status = Self(rawValue: 6)
    /// Cancels a call, client to server. No body; the server sends nothing more for it.
    package static let cancel = Self(rawValue: 7)
    /// Grants the peer more MESSAGE frames on a call. Body: a big-endian `UInt32` count.
    package static let credit = Self(rawValue: 8)
    /// Keepalive, call id 0. Body: 8 opaque bytes, echoed in the reply, which carries flag `ack`.
    package static let ping = Self(rawValue: 9)
    /// The sender is closing the connection, call id 0. Body: `Lyrica_Rpc_V1_GoAway`.
    package static let goAway = Self(rawValue: 10)

    package var description: String {
        switch self {
        case .hello: "HELLO"
        case .open: "OPEN"
        case .headers: "HEADERS"
        case .message: "MESSAGE"
        case .end: "END"
        case .status: "STATUS"
        case .cancel: "CANCEL"
        case .credit: "CREDIT"
        case .ping: "PING"
        case .goAway: "GOAWAY"
        default: "UNKNOWN(\(self.rawValue))"
        }
    }
}

/// Per-frame flags.
package struct FrameFlags: OptionSet, Sendable, Hashable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// On MESSAGE: the sender sends nothing more on this call.
    package static let endStream = Self(rawValue: 1 << 0)
    /// On PING: this is the reply.
    package static let ack = Self(rawValue: 1 << 1)
}
