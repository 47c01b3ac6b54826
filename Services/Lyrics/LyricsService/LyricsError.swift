import Foundation
package import LyricaRPC

/// Failures of lyrica.lyrics.v1 that callers can act on.
package enum LyricsError: RPCErrorConvertible {
    /// Also for another user's private song: its existence is not revealed.
    case notFound(String)
    case notOwner
    case staleVersion(sent: Int64, current: Int64)
    case frozen(status: String)
    case notCompleted(status: String)
    case revisionNotFound(Int64)
    case sectionNotFound(Int32)

    package var rpcError: RPCError {
        switch self {
        case .notFound(let id): RPCError(.notFound, "No lyrics with id \(id)")
        case .notOwner: RPCError(.permissionDenied, "Only the owner may change these lyrics")
        case .staleVersion(let sent, let current):
            RPCError(.aborted, "The lyrics changed since version \(sent) (now \(current)); read them again and reapply your change")
        case .frozen(let status): RPCError(.failedPrecondition, "\(status.capitalized) lyrics cannot be edited")
        case .notCompleted(let status):
            RPCError(.failedPrecondition, "Only completed lyrics can be published; these are \(status). Mark them completed first")
        case .revisionNotFound(let version): RPCError(.notFound, "These lyrics have no version \(version)")
        case .sectionNotFound(let order): RPCError(.notFound, "These lyrics have no section at position \(order)")
        }
    }
}
