/// Per-call logic around every handler: read or change metadata, short-circuit by throwing an
/// `RPCError` (auth, rate limits), or observe the outcome (logging, metrics, tracing). Runs in
/// the handler's task, in the order given to the server; `next` runs the rest of the chain.
package protocol RPCServerInterceptor: Sendable {
    func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws
}
