package import Foundation
package import LyricaRPC

/// Failures of lyrica.feedback.v1 that callers can act on.
package enum FeedbackError: RPCErrorConvertible {
    /// Also for a song the caller cannot read: its existence is not revealed.
    case lyricsNotFound(UUID)
    case feedbackNotFound(UUID)

    package var rpcError: RPCError {
        switch self {
        case .lyricsNotFound(let id): RPCError(.notFound, "No lyrics with id \(id.uuidString.lowercased())")
        case .feedbackNotFound(let id): RPCError(.notFound, "You have given no feedback on lyrics \(id.uuidString.lowercased())")
        }
    }
}
