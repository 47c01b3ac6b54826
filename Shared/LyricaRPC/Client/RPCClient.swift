import Atomics
package import Logging
package import NIOCore
package import NIOPosix
package import ServiceLifecycle
package import SwiftProtobuf

/// Calls a service over one or more endpoints: a multiplexed connection per endpoint (or
/// several), round-robin over those that are up, reconnects with backoff, UNAVAILABLE at once
/// when nothing is reachable. Deadlines and cancellation of an enclosing server call carry over.
package final class RPCClient: Service, Sendable {
    package let endpoints: [Endpoint]
    package let configuration: Configuration
    private let subchannels: [Subchannel]
    private let nextPick = ManagedAtomic<Int>(0)
    private let logger: Logger
    /// The loop connections are made on when the group is a single `EventLoop`; callers that run
    /// their tasks there (benchmarks) avoid thread hops.
    package let eventLoopHint: any EventLoop

    /// - Parameters:
    ///   - endpoints: at least one.
    ///   - eventLoopGroup: default `MultiThreadedEventLoopGroup.singleton`.
    package init(
        endpoints: [Endpoint], configuration: Configuration = .defaults,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "lyrica.rpc.client")
    ) {
        precondition(!endpoints.isEmpty, "an RPCClient needs at least one endpoint")
        self.endpoints = endpoints
        self.configuration = configuration
        self.logger = logger
        self.eventLoopHint = eventLoopGroup.next()
        self.subchannels = endpoints.flatMap { endpoint in
            (0..<max(configuration.connectionsPerEndpoint, 1)).map { _ in
                Subchannel(endpoint: endpoint, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
            }
        }
    }

    /// Waits for graceful shutdown, then closes (for use in a `ServiceGroup`).
    package func run() async throws {
        try? await gracefulShutdown()
        await self.close()
    }

    /// Connects to every endpoint now rather than at the first calls (a benchmark should not
    /// measure connecting, nor make calls just to connect). Endpoints that cannot be reached are
    /// left to reconnect on their own; UNAVAILABLE only when none can.
    package func connect() async throws {
        var failures: [String] = []
        for subchannel in self.subchannels {
            do {
                _ = try await subchannel.connection()
            } catch let error as RPCError {
                failures.append(error.message)
            }
        }
        if failures.count == self.subchannels.count {
            throw RPCError(.unavailable, "No endpoint is reachable: " + Set(failures).sorted().joined(separator: "; "))
        }
    }

    /// Closes every connection; calls still running fail with UNAVAILABLE.
    package func close() async {
        for subchannel in self.subchannels {
            try? await subchannel.shutDown()?.get()
        }
    }

    // MARK: Unary

    package func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, request: Request, options: CallOptions = .defaults
    ) async throws -> Response {
        let response = try await self.unary(method, requestBody: try request.frameBody(), options: options)
        return try Self.decodeResponse(response.message)
    }

    /// A unary call on encoded bytes, with response headers and trailers: for tools and proxies.
    /// Idempotent methods are retried on UNAVAILABLE up to `options.maxAttempts` times.
    package func unary(_ method: MethodDescriptor, requestBody: ByteBuffer, options: CallOptions = .defaults) async throws
        -> ClientResponse
    {
        let deadline = Self.deadline(for: options)
        let attempts = method.isIdempotent ? max(options.maxAttempts, 1) : 1
        var attempt = 1
        var transparentRetries = 0
        while true {
            do {
                let (connection, call) = try await self.open(method, metadata: options.metadata, deadline: deadline, message: requestBody, endStream: true)
                do {
                    return try await Self.response(of: call, on: connection)
                } catch let error as RPCError where call.neverProcessed && transparentRetries < Self.transparentRetryLimit {
                    // The server never saw it (GOAWAY raced the call): send it again on a fresh
                    // connection, whatever the method, without counting an attempt.
                    transparentRetries += 1
                    self.logger.debug("Resending a call the server refused unprocessed", metadata: ["rpc.method": "\(method.path)", "error": "\(error.message)"])
                    continue
                }
            } catch let error as RPCError where error.code == .unavailable && attempt < attempts {
                let delay = self.configuration.backoff.delay(forAttempt: attempt)
                if let deadline, .now() + delay >= deadline { throw error }
                self.logger.debug("Retrying idempotent call", metadata: ["rpc.method": "\(method.path)", "attempt": "\(attempt + 1)"])
                try await Task.sleep(nanoseconds: UInt64(delay.nanoseconds))
                attempt += 1
            }
        }
    }

    // MARK: Streaming

    /// Sends one request and reads the responses in `onResponses`; the call is cancelled if
    /// `onResponses` returns before the stream ends.
    package func serverStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message, Result: Sendable>(
        _ method: MethodDescriptor, request: Request, options: CallOptions = .defaults,
        onResponses: (RPCStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await self.serverStreaming(
            method, requestBody: try request.frameBody(), options: options, decode: { try Self.decodeResponse($0) },
            onResponses: onResponses)
    }

    /// Streams requests written in `requests`, then waits for the single response.
    package func clientStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, options: CallOptions = .defaults,
        requests: @Sendable (RPCWriter<Request>) async throws -> Void
    ) async throws -> Response {
        let response = try await self.clientStreaming(method, options: options, encode: { try $0.frameBody() }, requests: requests)
        return try Self.decodeResponse(response.message)
    }

    /// Streams requests (in a child task) while `onResponses` reads responses; the call is
    /// cancelled if `onResponses` returns before the stream ends.
    package func bidirectionalStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message, Result: Sendable>(
        _ method: MethodDescriptor, options: CallOptions = .defaults,
        requests: @Sendable @escaping (RPCWriter<Request>) async throws -> Void,
        onResponses: (RPCStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await self.bidirectionalStreaming(
            method, options: options, encode: { try $0.frameBody() }, decode: { try Self.decodeResponse($0) },
            requests: requests, onResponses: onResponses)
    }

    // MARK: Streaming on encoded bytes (tools and proxies)

    package func serverStreaming<Result: Sendable>(
        _ method: MethodDescriptor, requestBody: ByteBuffer, options: CallOptions = .defaults,
        onResponses: (RPCStream<ByteBuffer>) async throws -> Result
    ) async throws -> Result {
        try await self.serverStreaming(method, requestBody: requestBody, options: options, decode: { $0 }, onResponses: onResponses)
    }

    package func clientStreaming(
        _ method: MethodDescriptor, options: CallOptions = .defaults,
        requests: @Sendable (RPCWriter<ByteBuffer>) async throws -> Void
    ) async throws -> ClientResponse {
        try await self.clientStreaming(method, options: options, encode: { $0 }, requests: requests)
    }

    package func bidirectionalStreaming<Result: Sendable>(
        _ method: MethodDescriptor, options: CallOptions = .defaults,
        requests: @Sendable @escaping (RPCWriter<ByteBuffer>) async throws -> Void,
        onResponses: (RPCStream<ByteBuffer>) async throws -> Result
    ) async throws -> Result {
        try await self.bidirectionalStreaming(
            method, options: options, encode: { $0 }, decode: { $0 }, requests: requests, onResponses: onResponses)
    }

    // MARK: Streaming, generic over the codec

    private func serverStreaming<Response: Sendable, Result: Sendable>(
        _ method: MethodDescriptor, requestBody: ByteBuffer, options: CallOptions,
        decode: @escaping @Sendable (ByteBuffer) throws -> Response,
        onResponses: (RPCStream<Response>) async throws -> Result
    ) async throws -> Result {
        let (connection, call) = try await self.open(
            method, metadata: options.metadata, deadline: Self.deadline(for: options), message: requestBody, endStream: true)
        defer { Self.abandon(call, on: connection) }
        return try await onResponses(RPCStream(messages: call.responses!, decode: decode))
    }

    private func clientStreaming<Request: Sendable>(
        _ method: MethodDescriptor, options: CallOptions, encode: @escaping @Sendable (Request) throws -> ByteBuffer,
        requests: @Sendable (RPCWriter<Request>) async throws -> Void
    ) async throws -> ClientResponse {
        let (connection, call) = try await self.open(
            method, metadata: options.metadata, deadline: Self.deadline(for: options), message: nil, endStream: false)
        defer { Self.abandon(call, on: connection) }
        try await requests(RPCWriter(sink: CallSink(connection: connection.link, flow: call.flow), encode: encode))
        connection.link.onLoop { connection.halfClose(call) }
        return try await Self.response(of: call, on: connection)
    }

    private func bidirectionalStreaming<Request: Sendable, Response: Sendable, Result: Sendable>(
        _ method: MethodDescriptor, options: CallOptions, encode: @escaping @Sendable (Request) throws -> ByteBuffer,
        decode: @escaping @Sendable (ByteBuffer) throws -> Response,
        requests: @Sendable @escaping (RPCWriter<Request>) async throws -> Void,
        onResponses: (RPCStream<Response>) async throws -> Result
    ) async throws -> Result {
        let (connection, call) = try await self.open(
            method, metadata: options.metadata, deadline: Self.deadline(for: options), message: nil, endStream: false)
        defer { Self.abandon(call, on: connection) }
        let writer = RPCWriter<Request>(sink: CallSink(connection: connection.link, flow: call.flow), encode: encode)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await requests(writer)
                    connection.link.onLoop { connection.halfClose(call) }
                } catch {
                    let failure = RPCError(.cancelled, "The request stream failed: \(error)")
                    connection.link.onLoop { connection.cancel(call, failure) }
                    throw error
                }
            }
            let result = try await onResponses(RPCStream(messages: call.responses!, decode: decode))
            group.cancelAll()
            return result
        }
    }

    // MARK: Calls

    /// Picks a connection and opens a call on it.
    private func open(
        _ method: MethodDescriptor, metadata: Metadata, deadline: NIODeadline?, message: ByteBuffer?, endStream: Bool
    ) async throws -> (ClientConnectionHandler, ClientCall) {
        var metadata = Self.propagating(metadata)
        if let credentials = self.configuration.credentials {
            for (key, value) in try await credentials.metadata(for: method, current: RPCContext.current) where metadata[key] == nil {
                metadata[key] = value
            }
        }
        let connection = try await self.pickConnection()
        let call = ClientCall(method: method)
        if method.kind.serverStreams {
            let link = connection.link
            call.responses = InboundMessages(window: self.configuration.initialCallWindow) { count in
                link.onLoop { if !call.ended { link.writeCredit(count, callID: call.id) } }
            }
        }
        connection.link.onLoop { connection.start(call, metadata: metadata, deadline: deadline, message: message, endStream: endStream) }
        return (connection, call)
    }

    /// Waits for the call's single response; cancelling the task cancels the call.
    private static func response(of call: ClientCall, on connection: ClientConnectionHandler) async throws -> ClientResponse {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                connection.link.onLoop { connection.awaitResponse(call, continuation: continuation) }
            }
        } onCancel: {
            connection.link.onLoop { connection.cancel(call, RPCError(.cancelled, "The call was cancelled")) }
        }
    }

    /// Cancels a call its caller has finished with, unless it already ended.
    private static func abandon(_ call: ClientCall, on connection: ClientConnectionHandler) {
        connection.link.onLoop { connection.cancel(call, RPCError(.cancelled, "The caller stopped reading")) }
    }

    /// Round-robin over the subchannels: the one whose turn it is, connecting it if need be; one
    /// that is backing off is skipped at once, so dead endpoints cost nothing.
    private func pickConnection() async throws -> ClientConnectionHandler {
        let count = self.subchannels.count
        let start = self.nextPick.loadThenWrappingIncrement(ordering: .relaxed)
        var failures: [String] = []
        for offset in 0..<count {
            let subchannel = self.subchannels[(start &+ offset) % count]
            if let connection = subchannel.readyConnection { return connection }
            do {
                return try await subchannel.connection()
            } catch let error as RPCError {
                failures.append(error.message)
            }
        }
        throw RPCError(.unavailable, "No endpoint is reachable: " + Set(failures).sorted().joined(separator: "; "))
    }

    /// Resends of a unary call that a connection refused before the server processed it.
    static let transparentRetryLimit = 2

    /// Keys an outgoing call inherits from the server call it is made in, unless it sets them.
    package static let propagatedMetadataKeys = ["traceparent", "tracestate", "x-request-id"]

    private static func propagating(_ metadata: Metadata) -> Metadata {
        guard let current = RPCContext.current else { return metadata }
        var metadata = metadata
        for key in Self.propagatedMetadataKeys where metadata[key] == nil {
            if let value = current.metadata[key] { metadata[key] = value }
        }
        return metadata
    }

    /// The earlier of the call's own timeout and the enclosing server call's deadline.
    private static func deadline(for options: CallOptions) -> NIODeadline? {
        let own = options.timeout.map { NIODeadline.now() + $0 }
        guard let inherited = RPCContext.current?.deadline else { return own }
        return own.map { min($0, inherited) } ?? inherited
    }

    private static func decodeResponse<Response: SwiftProtobuf.Message>(_ body: ByteBuffer) throws(RPCError) -> Response {
        do {
            return try Response(serializedBytes: body)
        } catch {
            throw RPCError(.internalError, "The server's response is not a valid \(Response.protoMessageName)")
        }
    }
}
