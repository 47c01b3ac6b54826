import Foundation

/// A server address, `host:port`.
package struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (or `[v6]:port`); nil if it is not one.
    package init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// Parses a comma-separated list, as in `AUTH_ENDPOINTS=127.0.0.1:7101,127.0.0.1:7201`.
    package static func list(_ text: String) throws(RPCError) -> [Endpoint] {
        let parts = text.split(separator: ",").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !parts.isEmpty else { throw RPCError(.invalidArgument, "No endpoints in '\(text)'; expected host:port[,host:port…]") }
        return try parts.map { part throws(RPCError) in
            guard let endpoint = Endpoint(part) else {
                throw RPCError(.invalidArgument, "'\(part)' is not host:port with a port from 1 to 65535")
            }
            return endpoint
        }
    }

    package var description: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }
}
