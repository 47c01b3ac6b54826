package import LyricaRPC
package import PostgresNIO

// The one place PostgreSQL failures become RPC statuses. Stores catch the cases they can name
// (a unique violation on their own constraint becomes their domain error) and let the rest
// through to here. No server text reaches the wire: only the status and, for constraint
// violations, the constraint's name, which the schema chose.
extension PSQLError: RPCErrorConvertible {
    package var rpcError: RPCError {
        switch self.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
            .sslUnsupported, .failedToAddSSLHandler:
            return RPCError(.unavailable, "The database is unreachable; try again", cause: self)
        case .queryCancelled:
            return RPCError(.cancelled, "The database query was cancelled", cause: self)
        case .server:
            break
        default:
            return RPCError(.internalError, "Internal error", cause: self)
        }
        let state = self.serverInfo?[.sqlState] ?? ""
        let constraint = self.serverInfo?[.constraintName].map { " (\($0))" } ?? ""
        switch state {
        case "23505": return RPCError(.alreadyExists, "It already exists\(constraint)", cause: self)
        case "23503": return RPCError(.failedPrecondition, "It refers to something that does not exist\(constraint)", cause: self)
        case "23502", "23514", "23P01": return RPCError(.invalidArgument, "A value breaks a rule of the data model\(constraint)", cause: self)
        case "40001", "40P01": return RPCError(.aborted, "A concurrent change conflicted; retry", cause: self)
        case "57014": return RPCError(.deadlineExceeded, "The database query took too long", cause: self)
        case "53300", "53200", "53100": return RPCError(.resourceExhausted, "The database is out of resources; try again later", cause: self)
        case "57P01", "57P02", "57P03": return RPCError(.unavailable, "The database is restarting; try again", cause: self)
        default:
            if state.hasPrefix("08") { return RPCError(.unavailable, "The database is unreachable; try again", cause: self) }
            if state.hasPrefix("22") { return RPCError(.invalidArgument, "A value is out of range or malformed", cause: self) }
            return RPCError(.internalError, "Internal error", cause: self)
        }
    }
}
