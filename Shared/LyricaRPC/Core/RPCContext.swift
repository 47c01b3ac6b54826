package import Logging
package import NIOCore
import NIOConcurrencyHelpers

/// What a handler knows about its call: method, metadata, deadline, peer and a logger. Handlers
/// also use it to set response headers and trailers. Cancellation is the handler task's own
/// (`Task.isCancelled`, or `CancellationError` from awaits): the client's CANCEL and the deadline
/// both cancel it.
package struct RPCContext: Sendable {
    package var method: MethodDescriptor
    /// Request metadata; interceptors may change it before the handler sees it.
    package var metadata: Metadata
    /// When the call must be over, if the client gave a timeout.
    package var deadline: NIODeadline?
    /// The client's address, e.g. `127.0.0.1:52314`.
    package var peer: String
    /// Carries `peer.address` and `rpc.method`; the service kit adds trace and request ids when logging.
    package var logger: Logger
    /// Response headers and trailers this handler sets.
    package let response: ResponseMetadata
    /// What interceptors learned about the call, e.g. who makes it.
    package var values: RPCContextValues

    package init(
        method: MethodDescriptor, metadata: Metadata, deadline: NIODeadline?, peer: String, logger: Logger,
        response: ResponseMetadata = ResponseMetadata(), values: RPCContextValues = RPCContextValues()
    ) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.logger = logger
        self.response = response
        self.values = values
    }

    /// The context of the server call this task serves, if any. Outgoing calls read it to inherit
    /// the remaining deadline.
    @TaskLocal package static var current: RPCContext?

    /// Time left before the deadline; nil without one.
    package var timeRemaining: TimeAmount? {
        self.deadline.map { $0 - .now() }
    }
}

/// Headers sent before the first response message and trailers sent with the status.
package final class ResponseMetadata: Sendable {
    private let state = NIOLockedValueBox((headers: Metadata(), trailers: Metadata()))

    package init() {}

    /// Takes effect if set before the first response message is written.
    package var headers: Metadata {
        get { self.state.withLockedValue { $0.headers } }
        set { self.state.withLockedValue { $0.headers = newValue } }
    }

    package var trailers: Metadata {
        get { self.state.withLockedValue { $0.trailers } }
        set { self.state.withLockedValue { $0.trailers = newValue } }
    }
}
