import Foundation
package import LyricaRPC

/// Failures of lyrica.retrieval.v1 that callers can act on.
package enum RetrievalError: RPCErrorConvertible {
    case documentNotFound(String)
    case indexLoading

    package var rpcError: RPCError {
        switch self {
        case .documentNotFound(let id): RPCError(.notFound, "No document with \(id.isEmpty ? "that id" : id)")
        case .indexLoading: RPCError(.unavailable, "The index is still loading from PostgreSQL; retry in a few seconds")
        }
    }
}
