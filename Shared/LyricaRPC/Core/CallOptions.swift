package import NIOCore

/// Per-call settings of an outgoing call.
package struct CallOptions: Sendable {
    /// How long the call may take; nil for no limit of its own. An enclosing server call's
    /// remaining deadline applies too: the earlier one wins. Default nil.
    package var timeout: TimeAmount?
    /// Request metadata. Default empty.
    package var metadata: Metadata
    /// Attempts for an idempotent unary method when a try fails with UNAVAILABLE (the call
    /// never reached a handler or the server went away). Non-idempotent methods always get one.
    /// Default 1: retries are opt-in.
    package var maxAttempts: Int

    package init(timeout: TimeAmount? = nil, metadata: Metadata = [:], maxAttempts: Int = 1) {
        self.timeout = timeout
        self.metadata = metadata
        self.maxAttempts = maxAttempts
    }

    package static var defaults: CallOptions { CallOptions() }
}
