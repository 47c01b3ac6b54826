package import NIOCore
package import SwiftProtobuf

/// What a server handler gets from the connection: the single request (for unary and
/// server-streaming methods), the request stream (client- and bidi-streaming), and the response
/// sink (server- and bidi-streaming).
package struct ServerCallIO: Sendable {
    package var request: ByteBuffer?
    package var requests: InboundMessages?
    package var responses: (any MessageSink)?
}

/// A method the server serves, erased to bytes: returns the single response for unary and
/// client-streaming methods, nil for streaming responses (sent through `io.responses`).
package typealias RouteHandler = @Sendable (ServerCallIO, RPCContext) async throws -> ByteBuffer?

/// Maps method paths to handlers. Generated `register(into:)` fills it; the server reads it.
package struct RPCRouter: Sendable {
    package struct Route: Sendable {
        package let method: MethodDescriptor
        package let handler: RouteHandler
    }

    package private(set) var routes: [String: Route] = [:]
    package private(set) var services: [ServiceDescriptor] = []

    package init() {}

    /// Registers every method of `service`; a later registration of the same path wins.
    package mutating func add(_ service: any RPCService) {
        self.services.removeAll { $0.name == service.serviceDescriptor.name }
        self.services.append(service.serviceDescriptor)
        service.register(into: &self)
    }

    package func route(for path: String) -> Route? { self.routes[path] }

    package mutating func register(_ method: MethodDescriptor, handler: @escaping RouteHandler) {
        self.routes[method.path] = Route(method: method, handler: handler)
    }

    package mutating func registerUnary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, request: Request.Type,
        handler: @escaping @Sendable (Request, RPCContext) async throws -> Response
    ) {
        self.register(method) { io, context in
            let request = try Request(frameBody: io.request ?? ByteBuffer())
            return try await handler(request, context).frameBody()
        }
    }

    package mutating func registerServerStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, request: Request.Type, response: Response.Type,
        handler: @escaping @Sendable (Request, RPCWriter<Response>, RPCContext) async throws -> Void
    ) {
        self.register(method) { io, context in
            let request = try Request(frameBody: io.request ?? ByteBuffer())
            try await handler(request, RPCWriter(sink: io.responses!, encode: { try $0.frameBody() }), context)
            return nil
        }
    }

    package mutating func registerClientStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, request: Request.Type,
        handler: @escaping @Sendable (RPCStream<Request>, RPCContext) async throws -> Response
    ) {
        self.register(method) { io, context in
            let requests = RPCStream(messages: io.requests!, decode: { try Request(frameBody: $0) })
            return try await handler(requests, context).frameBody()
        }
    }

    package mutating func registerBidirectionalStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, request: Request.Type, response: Response.Type,
        handler: @escaping @Sendable (RPCStream<Request>, RPCWriter<Response>, RPCContext) async throws -> Void
    ) {
        self.register(method) { io, context in
            let requests = RPCStream(messages: io.requests!, decode: { try Request(frameBody: $0) })
            try await handler(requests, RPCWriter(sink: io.responses!, encode: { try $0.frameBody() }), context)
            return nil
        }
    }
}
