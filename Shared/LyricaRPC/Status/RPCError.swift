/// Ends a call with a status. `message` goes to the caller; `cause` is only logged.
package struct RPCError: Error, Sendable, CustomStringConvertible {
    package var code: Code
    package var message: String
    package var details: [StatusDetail]
    package var trailingMetadata: Metadata
    package var cause: (any Error & Sendable)?

    package init(
        _ code: Code, _ message: String, details: [StatusDetail] = [], trailingMetadata: Metadata = [:],
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.details = details
        self.trailingMetadata = trailingMetadata
        self.cause = cause
    }

    package var description: String { "\(self.code): \(self.message)" }

    /// A machine-readable detail, as in `google.rpc.Status.details`.
    package struct StatusDetail: Sendable, Equatable {
        package var typeURL: String
        package var value: [UInt8]
        package init(typeURL: String, value: [UInt8]) {
            self.typeURL = typeURL
            self.value = value
        }
    }

    /// A status code. A struct, not an enum, so that codes from newer peers still decode.
    /// Numbers and meanings follow gRPC and never change.
    package struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible, CaseIterable {
        package let rawValue: UInt32
        package init(rawValue: UInt32) { self.rawValue = rawValue }

        package static let ok = Self(rawValue: 0)
        package static let cancelled = Self(rawValue: 1)
        package static let unknown = Self(rawValue: 2)
        package static let invalidArgument = Self(rawValue: 3)
        package static let deadlineExceeded = Self(rawValue: 4)
        package static let notFound = Self(rawValue: 5)
        package static let alreadyExists = Self(rawValue: 6)
        package static let permissionDenied = Self(rawValue: 7)
        package static let resourceExhausted = Self(rawValue: 8)
        package static let failedPrecondition = Self(rawValue: 9)
        package static let aborted = Self(rawValue: 10)
        package static let outOfRange = Self(rawValue: 11)
        package static let unimplemented = Self(rawValue: 12)
        package static let internalError = Self(rawValue: 13)
        package static let unavailable = Self(rawValue: 14)
        package static let dataLoss = Self(rawValue: 15)
        package static let unauthenticated = Self(rawValue: 16)

        package static let allCases: [Self] = (0...16).map { Self(rawValue: $0) }

        /// gRPC's name, e.g. `DEADLINE_EXCEEDED`.
        package var name: String {
            switch self.rawValue {
            case 0: "OK"
            case 1: "CANCELLED"
            case 2: "UNKNOWN"
            case 3: "INVALID_ARGUMENT"
            case 4: "DEADLINE_EXCEEDED"
            case 5: "NOT_FOUND"
            case 6: "ALREADY_EXISTS"
            case 7: "PERMISSION_DENIED"
            case 8: "RESOURCE_EXHAUSTED"
            case 9: "FAILED_PRECONDITION"
            case 10: "ABORTED"
            case 11: "OUT_OF_RANGE"
            case 12: "UNIMPLEMENTED"
            case 13: "INTERNAL"
            case 14: "UNAVAILABLE"
            case 15: "DATA_LOSS"
            case 16: "UNAUTHENTICATED"
            default: "CODE_\(self.rawValue)"
            }
        }

        package var description: String { self.name }

        /// The code gRPC names `name` (as `name` spells it); nil for a name it does not know.
        package init?(name: String) {
            guard let code = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = code
        }
    }
}

/// A domain error that knows its RPC status; anything else becomes `internalError`.
package protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}
