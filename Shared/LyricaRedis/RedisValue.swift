/// A Redis reply.
package enum RedisValue: Sendable, Equatable {
    case bulk([UInt8])
    case status(String)
    case integer(Int)
    case array([RedisValue])
    case null
    /// An error reply (`-ERR …`): the command ran and Redis refused it.
    case error(String)

    /// The reply as text (bulk or status), nil otherwise.
    package var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        case .integer(let value): String(value)
        default: nil
        }
    }

    package var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk: self.string.flatMap { Int($0) }
        default: nil
        }
    }

    package var array: [RedisValue]? {
        if case .array(let values) = self { values } else { nil }
    }

    package var isNull: Bool { self == .null }
}

/// A command argument: text or raw bytes, binary-safe either way.
package struct RedisArgument: Sendable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    package let bytes: [UInt8]
    package init(_ text: String) { self.bytes = Array(text.utf8) }
    package init(bytes: [UInt8]) { self.bytes = bytes }
    package init(_ value: Int) { self.bytes = Array(String(value).utf8) }
    package init(stringLiteral value: String) { self.init(value) }
}
