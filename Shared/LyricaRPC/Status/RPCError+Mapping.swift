package import Logging

extension RPCError {
    /// The one place thrown errors become statuses: `RPCError` passes through, `RPCErrorConvertible`
    /// converts, `CancellationError` is `cancelled`, and anything else is logged at `error` and sent
    /// as `internalError` without its text, which may hold secrets.
    package init(mapping error: any Error, logger: Logger) {
        switch error {
        case let error as RPCError:
            self = error
        case let error as any RPCErrorConvertible:
            self = error.rpcError
        case is CancellationError:
            self = RPCError(.cancelled, "The call was cancelled")
        default:
            logger.error("Unhandled error in handler", metadata: ["error": "\(String(reflecting: error))"])
            self = RPCError(.internalError, "Internal error")
        }
    }
}
