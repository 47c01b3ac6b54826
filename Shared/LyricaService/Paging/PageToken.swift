package import Foundation
package import LyricaRPC

/// Opaque page tokens: a keyset position (time in microseconds and id) for lists, an offset for
/// ranked search. Base64url text, so callers treat them as opaque; a token that does not decode
/// is INVALID_ARGUMENT.
package enum PageToken {
    package struct Key: Sendable, Equatable {
        package var micros: Int64
        package var id: UUID

        package init(micros: Int64, id: UUID) {
            self.micros = micros
            self.id = id
        }
    }

    /// The deepest search page: ranking everything that matches costs more the deeper one goes.
    package static let maxOffset = 1_000

    package static func encode(_ key: Key) -> String {
        Base64URL.encode(Array("k1:\(key.micros):\(key.id.uuidString.lowercased())".utf8))
    }

    package static func encode(offset: Int) -> String {
        Base64URL.encode(Array("o1:\(offset)".utf8))
    }

    package static func key(_ token: String) throws(RPCError) -> Key? {
        guard !token.isEmpty else { return nil }
        let parts = try Self.parts(token, tag: "k1")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw Self.bad(token)
        }
        return Key(micros: micros, id: id)
    }

    package static func offset(_ token: String) throws(RPCError) -> Int {
        guard !token.isEmpty else { return 0 }
        let parts = try Self.parts(token, tag: "o1")
        guard parts.count == 1, let offset = Int(parts[0]), (0...Self.maxOffset).contains(offset) else { throw Self.bad(token) }
        return offset
    }

    /// 1–100, default 20.
    package static func size(_ requested: Int32) throws(RPCError) -> Int {
        guard requested >= 0, requested <= 100 else {
            throw RPCError(.invalidArgument, "page_size must be 1 to 100 (0 for the default of 20), not \(requested)")
        }
        return requested == 0 ? 20 : Int(requested)
    }

    private static func parts(_ token: String, tag: String) throws(RPCError) -> [Substring] {
        guard let bytes = Base64URL.decode(token) else { throw Self.bad(token) }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: ":", maxSplits: 2)
        guard parts.first == Substring(tag) else { throw Self.bad(token) }
        return Array(parts.dropFirst())
    }

    private static func bad(_ token: String) -> RPCError {
        RPCError(.invalidArgument, "page_token '\(token.prefix(40))' is not a token from this method's previous page")
    }
}
