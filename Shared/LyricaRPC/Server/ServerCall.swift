import NIOCore

/// One call on a server connection. Confined to the connection's event loop (hence
/// `@unchecked Sendable`: handler tasks carry it back to the loop and touch it only there).
final class ServerCall: @unchecked Sendable {
    let id: UInt32
    let route: RPCRouter.Route
    let context: RPCContext
    /// Response messages: credit and the writer waiting for it.
    let flow: CallFlow
    /// The single request of a unary or server-streaming call, once it arrived.
    var request: ByteBuffer?
    /// The request stream of a client- or bidi-streaming call.
    var requests: InboundMessages?
    /// The client sent its last message.
    var halfClosed = false
    var task: Task<Void, Never>?
    var deadlineTimer: Scheduled<Void>?
    var headersSent = false
    /// A status was sent or the call was dropped: nothing more goes out for it.
    var ended = false

    init(id: UInt32, route: RPCRouter.Route, context: RPCContext, credits: UInt32) {
        self.id = id
        self.route = route
        self.context = context
        self.flow = CallFlow(callID: id, credits: credits)
    }
}
