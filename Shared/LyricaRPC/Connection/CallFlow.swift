import NIOCore

/// The sending side of one call on one connection: credit the peer granted, and the writer
/// waiting for more. Confined to the connection's event loop.
final class CallFlow: @unchecked Sendable {
    var callID: UInt32
    /// MESSAGE frames the peer still accepts on this call.
    var credits: UInt32
    /// A message waiting for credit or writability, and its suspended writer. At most one:
    /// writers are sequential.
    var pendingMessage: ByteBuffer?
    var pendingWriter: CheckedContinuation<Void, any Error>?
    /// Set once nothing more may be sent; writers then get this error.
    var closedError: RPCError?
    /// Runs once before the first message goes out (the server sends response headers there).
    var beforeFirstMessage: (() -> Void)?

    init(callID: UInt32, credits: UInt32) {
        self.callID = callID
        self.credits = credits
    }

    var hasPending: Bool { self.pendingWriter != nil }

    /// Stops sending: a suspended writer, and any later one, gets `error`.
    func close(_ error: RPCError) {
        guard self.closedError == nil else { return }
        self.closedError = error
        self.failPending(error)
    }

    func failPending(_ error: any Error) {
        let writer = self.pendingWriter
        self.pendingWriter = nil
        self.pendingMessage = nil
        writer?.resume(throwing: error)
    }
}
