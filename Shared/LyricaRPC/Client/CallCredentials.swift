/// Adds credentials to every outgoing call of a client, as gRPC's call credentials do: a service
/// attaches its own token, and the user it acts for, without each call site knowing how.
package protocol CallCredentials: Sendable {
    /// Metadata for one call of `method`. `current` is the server call this one is made in, if
    /// any. Keys the caller set itself win. Throwing fails the call with that error.
    func metadata(for method: MethodDescriptor, current: RPCContext?) async throws -> Metadata
}
