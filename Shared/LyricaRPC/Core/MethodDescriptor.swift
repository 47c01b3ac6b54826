/// Names a method and says how it is called; generated for every rpc of every service.
/// A class so that copying a call's context costs one retain, not one per string.
package final class MethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// How many messages each side sends.
    package enum Kind: String, Sendable, Hashable {
        case unary
        case serverStreaming = "server-streaming"
        case clientStreaming = "client-streaming"
        case bidirectionalStreaming = "bidi-streaming"

        package var clientStreams: Bool { self == .clientStreaming || self == .bidirectionalStreaming }
        package var serverStreams: Bool { self == .serverStreaming || self == .bidirectionalStreaming }
    }

    /// Fully qualified service, e.g. `lyrica.echo.v1.EchoService`.
    package let service: String
    /// The method alone, e.g. `Get`.
    package let method: String
    package let kind: Kind
    /// Fully qualified protobuf message names, for reflection.
    package let requestType: String
    package let responseType: String
    /// Marked idempotent in its .proto (`idempotency_level`): only such methods may be retried.
    package let isIdempotent: Bool
    /// `/lyrica.echo.v1.EchoService/Get`, as carried on the wire.
    package let path: String

    package init(
        service: String, method: String, kind: Kind, requestType: String = "", responseType: String = "",
        isIdempotent: Bool = false
    ) {
        self.service = service
        self.method = method
        self.kind = kind
        self.requestType = requestType
        self.responseType = responseType
        self.isIdempotent = isIdempotent
        self.path = "/\(service)/\(method)"
    }

    package var description: String { self.path }

    package static func == (lhs: MethodDescriptor, rhs: MethodDescriptor) -> Bool {
        lhs.path == rhs.path && lhs.kind == rhs.kind && lhs.isIdempotent == rhs.isIdempotent
    }

    package func hash(into hasher: inout Hasher) { hasher.combine(self.path) }
}

/// A service as generated from its .proto: its methods and descriptors, for routing and reflection.
package struct ServiceDescriptor: Sendable {
    package let name: String
    package let methods: [MethodDescriptor]
    /// The defining file and its imports as a serialized `FileDescriptorSet`, base64.
    package let fileDescriptorSetBase64: String

    package init(name: String, methods: [MethodDescriptor], fileDescriptorSetBase64: String) {
        self.name = name
        self.methods = methods
        self.fileDescriptorSetBase64 = fileDescriptorSetBase64
    }
}

/// Something a server serves: generated `ServiceProtocol`s refine this and implement `register`.
package protocol RPCService: Sendable {
    var serviceDescriptor: ServiceDescriptor { get }
    func register(into router: inout RPCRouter)
}
