package import NIOCore

/// One call on a client connection. Confined to the connection's event loop.
final class ClientCall: @unchecked Sendable {
    let method: MethodDescriptor
    /// Request messages; its call id is assigned when OPEN is written, so ids go out in order.
    let flow = CallFlow(callID: 0, credits: 0)
    /// Response messages of a server- or bidi-streaming call.
    var responses: InboundMessages?
    /// The single response of a unary or client-streaming call.
    var response: ByteBuffer?
    /// How the call ended, once it did.
    var outcome: Result<ClientResponse, RPCError>?
    /// The task awaiting a single response.
    var waiter: UnsafeContinuation<ClientResponse, any Error>?
    var headers = Metadata()
    var deadlineTimer: Scheduled<Void>?
    /// The connection refused the call before any server code saw it (GOAWAY, or closing), so
    /// sending it again elsewhere is safe whatever the method.
    var neverProcessed = false

    init(method: MethodDescriptor) {
        self.method = method
    }

    var id: UInt32 { self.flow.callID }
    var ended: Bool { self.outcome != nil }
}

/// A single response with its headers and trailers.
package struct ClientResponse: Sendable {
    package var message: ByteBuffer
    package var headers: Metadata
    package var trailers: Metadata
}
