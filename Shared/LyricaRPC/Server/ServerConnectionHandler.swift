import Foundation
import Logging
import NIOCore
import SwiftProtobuf

/// Serves one connection: decodes frames, runs calls, enforces limits, deadlines and flow control.
///
/// Everything here runs on the channel's event loop, and so do the handler tasks it starts (their
/// executor is the loop), so a unary call costs no thread hop. Writes gather in one buffer that is
/// flushed once the loop has run the work ready now, so a burst of calls costs one syscall.
final class ServerConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase { case awaitingHello, active, draining, closed }

    let shared: RPCServer.Shared
    let eventLoop: any EventLoop
    private let executor: EventLoopTaskExecutor
    private var context: ChannelHandlerContext!
    private var decoder: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private var phase = Phase.awaitingHello
    private var calls: [UInt32: ServerCall] = [:]
    private var lastCallID: UInt32 = 0
    private var peer = "unknown"
    private var logger: Logger
    /// The connection's logger with `rpc.method` set, per method: made once, not per call.
    private var methodLoggers: [String: Logger] = [:]
    /// The client's HELLO settings.
    private var clientWindow = WireProtocol.windowBeforeHello
    private var clientMaxFrameSize = WireProtocol.defaultMaxFrameSize
    private let link: FrameConnection
    // Timers.
    private var maintenance: RepeatedTask?
    private var openedAt = NIODeadline.now()
    private var keepalive: Keepalive
    private var idleSince: NIODeadline? = NIODeadline.now()

    init(shared: RPCServer.Shared, eventLoop: any EventLoop) {
        self.shared = shared
        self.eventLoop = eventLoop
        self.executor = EventLoopTaskExecutor.forEventLoop(eventLoop)
        self.decoder = NIOSingleStepByteToMessageProcessor(
            FrameDecoder(
                maxFrameLength: shared.configuration.maxFrameSize,
                hardCeiling: shared.configuration.effectiveHardCeiling),
            maximumBufferSize: nil)
        self.logger = shared.logger
        self.link = FrameConnection(eventLoop: eventLoop)
        self.keepalive = Keepalive(
            interval: shared.configuration.keepaliveInterval, timeout: shared.configuration.keepaliveTimeout)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.link.attach(context)
        if let address = context.channel.remoteAddress {
            self.peer = "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        }
        self.logger[metadataKey: "peer.address"] = "\(self.peer)"
    }

    func channelActive(context: ChannelHandlerContext) {
        self.shared.connections.add(self)
        self.openedAt = .now()
        self.keepalive.didRead(at: self.openedAt)
        var hello = Lyrica_Rpc_V1_Hello()
        hello.protocol = WireProtocol.name
        hello.version = WireProtocol.version
        hello.maxFrameSize = UInt32(self.shared.configuration.maxFrameSize)
        hello.maxConcurrentCalls = UInt32(self.shared.configuration.maxConcurrentCallsPerConnection)
        hello.initialCallWindow = self.shared.configuration.initialCallWindow
        hello.agent = WireProtocol.agent
        self.link.write(type: .hello, callID: 0, message: hello)
        self.link.flush()
        let tick = Self.maintenanceTick(self.shared.configuration)
        self.maintenance = context.eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [weak self] _ in
            self?.performMaintenance()
        }
        if self.shared.isDraining { self.beginDraining(reason: "The server is shutting down") }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.phase = .closed
        self.maintenance?.cancel()
        let error = RPCError(.unavailable, "The connection closed")
        for call in self.calls.values { self.abandon(call, error: error) }
        self.calls.removeAll()
        self.shared.connections.remove(self)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard self.phase != .closed else { return }
        self.keepalive.didRead(at: .now())
        do {
            try self.decoder.process(buffer: self.unwrapInboundIn(data)) { event in
                guard self.phase != .closed else { return }
                switch event {
                case .frame(let frame): self.handle(frame)
                case .oversized(let type, let callID, let length): self.handleOversized(type: type, callID: callID, length: length)
                }
            }
        } catch let error as FrameDecodingError {
            let code: Lyrica_Rpc_V1_GoAwayCode = if case .lengthOverCeiling = error { .frameTooLarge } else { .protocolError }
            self.closeWithError(code, "\(error)")
        } catch {
            self.closeWithError(.protocolError, "\(error)")
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.link.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            for call in self.calls.values where call.flow.hasPending { self.link.sendPending(on: call.flow) }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("Connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Frames

    private func handle(_ frame: Frame) {
        if self.phase == .awaitingHello && frame.type != .hello {
            return self.closeWithError(.protocolError, "expected HELLO as the first frame, got \(frame.type)")
        }
        switch frame.type {
        case .hello: self.handleHello(frame)
        case .open: self.handleOpen(frame)
        case .message: self.handleMessage(frame)
        case .end: self.handleEnd(frame)
        case .cancel: self.handleCancel(frame)
        case .credit: self.handleCredit(frame)
        case .ping: self.handlePing(frame)
        case .goAway: self.handleGoAway(frame)
        case .headers, .status:
            self.closeWithError(.protocolError, "\(frame.type) frames go from server to client only")
        default:
            self.closeWithError(.protocolError, "unknown frame type \(frame.type.rawValue)")
        }
    }

    private func handleHello(_ frame: Frame) {
        guard self.phase == .awaitingHello else { return self.closeWithError(.protocolError, "second HELLO") }
        guard let hello = try? Lyrica_Rpc_V1_Hello(serializedBytes: frame.body) else {
            return self.closeWithError(.protocolError, "HELLO body is not a valid lyrica.rpc.v1.Hello")
        }
        guard hello.protocol == WireProtocol.name, hello.version == WireProtocol.version else {
            return self.closeWithError(
                .protocolError,
                "unsupported protocol '\(hello.protocol)' version \(hello.version); this server speaks '\(WireProtocol.name)' version \(WireProtocol.version)")
        }
        self.clientWindow = max(hello.initialCallWindow, 1)
        if hello.maxFrameSize > 0 { self.clientMaxFrameSize = Int(hello.maxFrameSize) }
        self.phase = .active
    }

    private func handleOpen(_ frame: Frame) {
        guard frame.callID > self.lastCallID else {
            return self.closeWithError(.protocolError, "call id \(frame.callID) reused (last was \(self.lastCallID))")
        }
        self.lastCallID = frame.callID
        guard let open = try? Lyrica_Rpc_V1_CallOpen(serializedBytes: frame.body) else {
            return self.closeWithError(.protocolError, "OPEN body is not a valid lyrica.rpc.v1.CallOpen")
        }
        if self.phase == .draining {
            return self.writeStatus(RPCError(.unavailable, "The server is shutting down; retry on another connection"), callID: frame.callID)
        }
        guard self.calls.count < self.shared.configuration.maxConcurrentCallsPerConnection else {
            return self.writeStatus(
                RPCError(.resourceExhausted, "Too many concurrent calls on this connection (limit \(self.shared.configuration.maxConcurrentCallsPerConnection))"),
                callID: frame.callID)
        }
        guard let route = self.shared.router.route(for: open.method) else {
            return self.writeStatus(RPCError(.unimplemented, "Method \(open.method) is not served here"), callID: frame.callID)
        }
        let metadata = Metadata(wireEntries: open.metadata)
        let logger = self.methodLogger(route.method)
        let deadline: NIODeadline? = open.timeoutMicros > 0 ? .now() + .microseconds(Int64(clamping: open.timeoutMicros)) : nil
        let context = RPCContext(method: route.method, metadata: metadata, deadline: deadline, peer: self.peer, logger: logger)
        let call = ServerCall(id: frame.callID, route: route, context: context, credits: self.clientWindow)
        self.calls[call.id] = call
        self.idleSince = nil
        call.flow.beforeFirstMessage = { [weak self, weak call] in
            guard let self, let call else { return }
            self.writeHeadersIfNeeded(call)
        }
        if let deadline {
            call.deadlineTimer = self.eventLoop.scheduleTask(deadline: deadline) { [weak self, weak call] in
                guard let self, let call else { return }
                self.expire(call, timeout: open.timeoutMicros)
            }
        }
        if route.method.kind.clientStreams {
            let callID = call.id
            call.requests = InboundMessages(window: self.shared.configuration.initialCallWindow) { [weak self] count in
                self?.link.onLoop { self?.link.writeCredit(count, callID: callID) }
            }
            self.startHandler(call)
        }
    }

    private func handleMessage(_ frame: Frame) {
        guard let call = self.activeCall(frame) else { return }
        guard !call.halfClosed else {
            return self.closeWithError(.protocolError, "MESSAGE on call \(call.id) after the client ended its stream")
        }
        call.halfClosed = frame.flags.contains(.endStream)
        if let requests = call.requests {
            guard requests.append(frame.body) else {
                return self.closeWithError(.flowControlError, "call \(call.id) sent more messages than its window of \(requests.window)")
            }
            if call.halfClosed { requests.finish(.success(())) }
        } else {
            guard call.request == nil else {
                return self.endCall(call, .failure(RPCError(.invalidArgument, "\(call.route.method.path) takes one request message, got more")))
            }
            call.request = frame.body
            if call.halfClosed { self.startHandler(call) }
        }
    }

    private func handleEnd(_ frame: Frame) {
        guard let call = self.activeCall(frame) else { return }
        guard !call.halfClosed else {
            return self.closeWithError(.protocolError, "END on call \(call.id) after the client ended its stream")
        }
        call.halfClosed = true
        if let requests = call.requests {
            requests.finish(.success(()))
        } else if call.request == nil {
            self.endCall(call, .failure(RPCError(.invalidArgument, "\(call.route.method.path) needs a request message")))
        } else {
            self.startHandler(call)
        }
    }

    private func handleCancel(_ frame: Frame) {
        guard let call = self.activeCall(frame) else { return }
        call.context.logger.debug("Call cancelled by the client")
        self.calls[call.id] = nil
        self.abandon(call, error: RPCError(.cancelled, "The client cancelled the call"))
        self.callRemoved()
    }

    private func handleCredit(_ frame: Frame) {
        guard frame.body.readableBytes == 4, let count = frame.body.getInteger(at: frame.body.readerIndex, as: UInt32.self) else {
            return self.closeWithError(.protocolError, "CREDIT body must be a 4-byte count")
        }
        guard let call = self.activeCall(frame) else { return }
        self.link.addCredit(count, to: call.flow)
    }

    private func handlePing(_ frame: Frame) {
        if frame.flags.contains(.ack) {
            self.keepalive.didReceivePong()
        } else {
            self.link.writePing(ack: true, body: frame.body)
        }
    }

    private func handleGoAway(_ frame: Frame) {
        // The client is leaving: finish what runs, then close.
        self.logger.debug("Client sent GOAWAY")
        if self.calls.isEmpty { self.context.close(promise: nil) } else { self.phase = .draining }
    }

    private func handleOversized(type: FrameType, callID: UInt32, length: Int) {
        let limit = self.shared.configuration.maxFrameSize
        let error = RPCError(.resourceExhausted, "A frame of \(length) bytes is over the server's limit of \(limit) bytes")
        switch type {
        case .message:
            guard let call = self.calls[callID] else {
                if callID > self.lastCallID { self.closeWithError(.protocolError, "MESSAGE for unknown call \(callID)") }
                return
            }
            self.endCall(call, .failure(error))
        case .open where callID > self.lastCallID:
            self.lastCallID = callID
            self.writeStatus(error, callID: callID)
        default:
            self.closeWithError(.frameTooLarge, "\(type) frame of \(length) bytes is over the limit of \(limit)")
        }
    }

    private func methodLogger(_ method: MethodDescriptor) -> Logger {
        if let logger = self.methodLoggers[method.path] { return logger }
        var logger = self.logger
        logger[metadataKey: "rpc.method"] = "\(method.path)"
        self.methodLoggers[method.path] = logger
        return logger
    }

    /// The open call a frame belongs to; nil (after any protocol error) if it has none. Frames
    /// for calls that already ended are expected (races with cancel and deadlines) and dropped.
    private func activeCall(_ frame: Frame) -> ServerCall? {
        if let call = self.calls[frame.callID] { return call }
        if frame.callID == 0 || frame.callID > self.lastCallID {
            self.closeWithError(.protocolError, "\(frame.type) for unknown call \(frame.callID)")
        }
        return nil
    }

    // MARK: Calls

    private func startHandler(_ call: ServerCall) {
        let io = ServerCallIO(
            request: call.request, requests: call.requests,
            responses: call.route.method.kind.serverStreams ? CallSink(connection: self.link, flow: call.flow) : nil)
        let handler = call.route.handler
        let context = call.context
        let interceptors = self.shared.interceptors
        call.task = Task(executorPreference: self.executor) {
            let outcome: Result<ByteBuffer?, RPCError>
            do {
                outcome = .success(try await Self.invoke(handler, io: io, context: context, interceptors: interceptors[...]))
            } catch {
                outcome = .failure(RPCError(mapping: error, logger: context.logger))
            }
            self.link.onLoop { self.endCall(call, outcome) }
        }
    }

    /// Runs the interceptors in order, then the handler, with the context as the task-local current.
    private static func invoke(
        _ handler: RouteHandler, io: ServerCallIO, context: RPCContext, interceptors: ArraySlice<any RPCServerInterceptor>
    ) async throws -> ByteBuffer? {
        guard let interceptor = interceptors.first else {
            return try await RPCContext.$current.withValue(context) { try await handler(io, context) }
        }
        var response: ByteBuffer?
        try await interceptor.intercept(context: context) { context in
            response = try await Self.invoke(handler, io: io, context: context, interceptors: interceptors.dropFirst())
        }
        return response
    }

    /// Sends the call's outcome and forgets it.
    private func endCall(_ call: ServerCall, _ outcome: Result<ByteBuffer?, RPCError>) {
        guard !call.ended, self.phase != .closed else { return }
        call.ended = true
        call.deadlineTimer?.cancel()
        self.calls[call.id] = nil
        switch outcome {
        case .success(let response):
            if let response {
                if response.readableBytes + Frame.headerLength > self.clientMaxFrameSize {
                    self.writeStatus(RPCError(.resourceExhausted, "The response of \(response.readableBytes) bytes is over the client's limit of \(self.clientMaxFrameSize) bytes"), callID: call.id)
                } else {
                    self.writeHeadersIfNeeded(call)
                    self.link.write(type: .message, callID: call.id, body: response)
                    self.writeStatus(nil, trailers: call.context.response.trailers, callID: call.id)
                }
            } else {
                self.writeHeadersIfNeeded(call)
                self.writeStatus(nil, trailers: call.context.response.trailers, callID: call.id)
            }
        case .failure(var error):
            self.writeHeadersIfNeeded(call)
            let trailers = call.context.response.trailers
            for entry in trailers where error.trailingMetadata[entry.key] == nil { error.trailingMetadata.add(entry.key, entry.value) }
            self.writeStatus(error, callID: call.id)
        }
        call.task?.cancel()  // a no-op if the handler finished; stops it if the call failed under it
        call.requests?.finish(.failure(RPCError(.cancelled, "The call has ended")))
        call.flow.close(RPCError(.cancelled, "The call has ended"))
        self.callRemoved()
    }

    private func expire(_ call: ServerCall, timeout: UInt64) {
        guard !call.ended else { return }
        call.context.logger.debug("Deadline exceeded")
        self.endCall(call, .failure(RPCError(.deadlineExceeded, "The deadline of \(Self.describe(micros: timeout)) passed")))
        self.link.scheduleFlush()
    }

    /// Drops a call without sending anything more for it (cancelled, or the connection is gone).
    private func abandon(_ call: ServerCall, error: RPCError) {
        guard !call.ended else { return }
        call.ended = true
        call.deadlineTimer?.cancel()
        call.task?.cancel()
        call.requests?.finish(.failure(error))
        call.flow.close(error)
    }

    private func callRemoved() {
        guard self.calls.isEmpty else { return }
        self.idleSince = .now()
        if self.phase == .draining {
            self.link.flush()
            self.context.close(promise: nil)
        }
    }

    // MARK: Shutdown and maintenance

    /// Announces GOAWAY, refuses new calls and closes once in-flight calls finish.
    func beginDraining(reason: String) {
        guard self.phase == .active || self.phase == .awaitingHello else { return }
        self.phase = .draining
        self.link.writeGoAway(lastCallID: self.lastCallID, .noError, reason)
        self.link.flush()
        if self.calls.isEmpty { self.context.close(promise: nil) }
    }

    /// Ends whatever still runs after the grace period.
    func forceClose() {
        guard self.phase != .closed else { return }
        self.logger.info("Closing connection after the shutdown grace period", metadata: ["rpc.calls": "\(self.calls.count)"])
        for call in self.calls.values {
            self.writeStatus(RPCError(.unavailable, "The server shut down before the call finished"), callID: call.id)
        }
        self.link.flush()
        self.context.close(promise: nil)
    }

    /// Runs `body` on the event loop: now if already there.
    func onLoop(_ body: @escaping () -> Void) {
        self.link.onLoop(body)
    }

    private func performMaintenance() {
        guard self.phase != .closed else { return }
        let now = NIODeadline.now()
        let configuration = self.shared.configuration
        if self.phase == .awaitingHello, now - self.openedAt > configuration.handshakeTimeout {
            return self.closeWithError(.handshakeTimeout, "no HELLO within \(configuration.handshakeTimeout)")
        }
        switch self.keepalive.tick(now: now) {
        case .none: break
        case .ping:
            self.link.writePing(ack: false, body: ByteBuffer(integer: UInt64(now.uptimeNanoseconds)))
            self.link.flush()
        case .timedOut:
            return self.closeWithError(.keepaliveTimeout, "no ping reply within \(configuration.keepaliveTimeout)")
        }
        if let idleTimeout = configuration.idleTimeout, let idleSince = self.idleSince, now - idleSince > idleTimeout {
            self.phase = .draining
            self.link.writeGoAway(lastCallID: self.lastCallID, .idleTimeout, "idle for \(idleTimeout)")
            self.link.flush()
            self.context.close(promise: nil)
        }
    }

    private static func maintenanceTick(_ configuration: RPCServer.Configuration) -> TimeAmount {
        Keepalive.tick(
            for: [configuration.handshakeTimeout, configuration.keepaliveTimeout]
                + [configuration.idleTimeout, configuration.keepaliveInterval].compactMap { $0 })
    }

    /// Logs why, sends GOAWAY and closes: a broken peer loses this connection and nothing else.
    private func closeWithError(_ code: Lyrica_Rpc_V1_GoAwayCode, _ reason: String) {
        guard self.phase != .closed else { return }
        self.logger.warning("Closing connection: protocol violation", metadata: ["reason": "\(reason)", "goaway.code": "\(code)"])
        self.link.writeGoAway(lastCallID: self.lastCallID, code, reason)
        self.link.flush()
        self.phase = .closed
        let error = RPCError(.unavailable, "The connection closed: \(reason)")
        for call in self.calls.values { self.abandon(call, error: error) }
        self.calls.removeAll()
        self.context.close(promise: nil)
    }

    // MARK: Writing

    private func writeHeadersIfNeeded(_ call: ServerCall) {
        guard !call.headersSent else { return }
        call.headersSent = true
        let headers = call.context.response.headers
        guard !headers.isEmpty else { return }
        var message = Lyrica_Rpc_V1_CallHeaders()
        message.metadata = headers.wireEntries
        self.link.write(type: .headers, callID: call.id, message: message)
    }

    /// A STATUS frame: `error` nil means OK. An OK status without trailers has an empty body.
    private func writeStatus(_ error: RPCError?, trailers: Metadata = [:], callID: UInt32) {
        guard error != nil || !trailers.isEmpty else {
            return self.link.write(type: .status, callID: callID, body: ByteBuffer())
        }
        var status = Lyrica_Rpc_V1_CallStatus()
        if let error {
            status.code = error.code.rawValue
            status.message = error.message
            status.details = error.details.map { detail in
                Lyrica_Rpc_V1_StatusDetail.with {
                    $0.typeURL = detail.typeURL
                    $0.value = Data(detail.value)
                }
            }
            status.trailingMetadata = error.trailingMetadata.wireEntries
        } else {
            status.trailingMetadata = trailers.wireEntries
        }
        self.link.write(type: .status, callID: callID, message: status)
    }

    private static func describe(micros: UInt64) -> String {
        micros >= 1000 ? "\(micros / 1000) ms" : "\(micros) µs"
    }
}
