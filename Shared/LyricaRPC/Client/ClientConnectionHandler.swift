import Logging
import NIOCore
import SwiftProtobuf

/// One client connection: opens calls, routes response frames to them, grants credit and answers
/// pings. Runs on the channel's event loop; callers reach it through `onLoop`.
final class ClientConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What the subchannel owning this connection hears about.
    enum Event { case goingAway, closed }

    let endpoint: Endpoint
    let link: FrameConnection
    private let configuration: RPCClient.Configuration
    private let logger: Logger
    private let onEvent: @Sendable (ClientConnectionHandler, Event) -> Void
    private var decoder: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private var context: ChannelHandlerContext?
    private var calls: [UInt32: ClientCall] = [:]
    private var nextCallID: UInt32 = 1
    private var serverWindow: UInt32?
    private var serverMaxFrameSize = WireProtocol.defaultMaxFrameSize
    /// Set once the server sent GOAWAY: calls after this id were not served.
    private var goAwayLastCallID: UInt32?
    private var closed = false
    private var keepalive: Keepalive
    private var maintenance: RepeatedTask?

    init(
        endpoint: Endpoint, configuration: RPCClient.Configuration, eventLoop: any EventLoop, logger: Logger,
        onEvent: @escaping @Sendable (ClientConnectionHandler, Event) -> Void
    ) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        self.onEvent = onEvent
        self.link = FrameConnection(eventLoop: eventLoop)
        // Servers are trusted more than clients, but a hostile length must still not pin memory.
        self.decoder = NIOSingleStepByteToMessageProcessor(
            FrameDecoder(maxFrameLength: configuration.maxFrameSize, hardCeiling: configuration.maxFrameSize * 4),
            maximumBufferSize: nil)
        self.keepalive = Keepalive(interval: configuration.keepaliveInterval, timeout: configuration.keepaliveTimeout)
    }

    var eventLoop: any EventLoop { self.link.eventLoop }

    /// True while new calls may start here; read on the loop.
    var isAcceptingCalls: Bool { !self.closed && self.goAwayLastCallID == nil }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.link.attach(context)
    }

    func channelActive(context: ChannelHandlerContext) {
        var hello = Lyrica_Rpc_V1_Hello()
        hello.protocol = WireProtocol.name
        hello.version = WireProtocol.version
        hello.maxFrameSize = UInt32(self.configuration.maxFrameSize)
        hello.initialCallWindow = self.configuration.initialCallWindow
        hello.agent = WireProtocol.agent
        self.link.write(type: .hello, callID: 0, message: hello)
        self.link.flush()
        if let interval = self.configuration.keepaliveInterval {
            let tick = Keepalive.tick(for: [interval, self.configuration.keepaliveTimeout])
            self.maintenance = context.eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [weak self] _ in
                self?.performMaintenance()
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closed = true
        self.maintenance?.cancel()
        let error = RPCError(.unavailable, "The connection to \(self.endpoint) closed")
        for call in Array(self.calls.values) { self.complete(call, .failure(error)) }
        self.onEvent(self, .closed)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.keepalive.didRead(at: .now())
        do {
            try self.decoder.process(buffer: self.unwrapInboundIn(data)) { event in
                switch event {
                case .frame(let frame): self.handle(frame)
                case .oversized(let type, let callID, let length):
                    if type == .message, let call = self.calls[callID] {
                        self.cancel(call, RPCError(.resourceExhausted, "A response of \(length) bytes is over the client's limit of \(self.configuration.maxFrameSize) bytes"))
                    } else {
                        self.closeWithError(.frameTooLarge, "\(type) frame of \(length) bytes is over the limit")
                    }
                }
            }
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
        self.logger.debug("Connection error", metadata: ["rpc.endpoint": "\(self.endpoint)", "error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Calls (on the loop)

    /// Opens a call: OPEN, then the first message if any (and END when `endStream`, with no message).
    func start(_ call: ClientCall, metadata: Metadata, deadline: NIODeadline?, message: ByteBuffer?, endStream: Bool) {
        guard !call.ended else { return }
        guard self.isAcceptingCalls else {
            call.neverProcessed = true
            return self.complete(call, .failure(RPCError(.unavailable, "The connection to \(self.endpoint) is closing; the call was not sent")))
        }
        var timeoutMicros: UInt64 = 0
        if let deadline {
            let remaining = deadline - .now()
            guard remaining > .zero else {
                return self.complete(call, .failure(RPCError(.deadlineExceeded, "The deadline passed before the call started")))
            }
            timeoutMicros = UInt64(max(remaining.nanoseconds / 1000, 1))
            call.deadlineTimer = self.eventLoop.scheduleTask(deadline: deadline) { [weak self, weak call] in
                guard let self, let call else { return }
                self.cancel(call, RPCError(.deadlineExceeded, "The deadline passed before the server answered"))
            }
        }
        call.flow.callID = self.nextCallID
        call.flow.credits = self.serverWindow ?? WireProtocol.windowBeforeHello
        self.nextCallID += 1
        self.calls[call.id] = call
        var open = Lyrica_Rpc_V1_CallOpen()
        open.method = call.method.path
        if !metadata.isEmpty { open.metadata = metadata.wireEntries }
        open.timeoutMicros = timeoutMicros
        self.link.write(type: .open, callID: call.id, message: open)
        if let message {
            guard message.readableBytes + Frame.headerLength <= self.serverMaxFrameSize else {
                return self.cancel(call, RPCError(.resourceExhausted, "The request of \(message.readableBytes) bytes is over the server's limit of \(self.serverMaxFrameSize) bytes"))
            }
            call.flow.credits -= 1
            self.link.write(type: .message, flags: endStream ? .endStream : [], callID: call.id, body: message)
        } else if endStream {
            self.link.write(type: .end, callID: call.id, body: ByteBuffer())
        }
    }

    /// Waits for the single response (unary and client-streaming calls). Call on the loop.
    func awaitResponse(_ call: ClientCall, continuation: UnsafeContinuation<ClientResponse, any Error>) {
        if let outcome = call.outcome {
            continuation.resume(with: outcome.mapError { $0 as any Error })
        } else {
            call.waiter = continuation
        }
    }

    /// Half-closes the client's side of a streaming call.
    func halfClose(_ call: ClientCall) {
        guard !call.ended, call.id != 0 else { return }
        call.flow.close(RPCError(.failedPrecondition, "The request stream was already finished"))
        self.link.write(type: .end, callID: call.id, body: ByteBuffer())
    }

    /// Ends a call from this side: tells the server (CANCEL) and fails local waiters with `error`.
    func cancel(_ call: ClientCall, _ error: RPCError) {
        guard !call.ended else { return }
        if call.id != 0, self.calls[call.id] != nil, !self.closed {
            self.link.write(type: .cancel, callID: call.id, body: ByteBuffer())
        }
        self.complete(call, .failure(error))
    }

    private func complete(_ call: ClientCall, _ outcome: Result<ClientResponse, RPCError>) {
        guard !call.ended else { return }
        call.outcome = outcome
        call.deadlineTimer?.cancel()
        if call.id != 0 { self.calls[call.id] = nil }
        switch outcome {
        case .success:
            call.flow.close(RPCError(.failedPrecondition, "The call already ended"))
            call.responses?.finish(.success(()))
        case .failure(let error):
            call.flow.close(error)
            call.responses?.finish(.failure(error))
        }
        if let waiter = call.waiter {
            call.waiter = nil
            waiter.resume(with: outcome.mapError { $0 as any Error })
        }
        if self.goAwayLastCallID != nil, self.calls.isEmpty { self.link.close() }
    }

    // MARK: Frames

    private func handle(_ frame: Frame) {
        switch frame.type {
        case .hello: self.handleHello(frame)
        case .headers:
            guard let call = self.calls[frame.callID] else { return }
            guard let headers = try? Lyrica_Rpc_V1_CallHeaders(serializedBytes: frame.body) else {
                return self.closeWithError(.protocolError, "HEADERS body is not a valid lyrica.rpc.v1.CallHeaders")
            }
            call.headers = Metadata(wireEntries: headers.metadata)
        case .message: self.handleMessage(frame)
        case .status: self.handleStatus(frame)
        case .credit:
            guard frame.body.readableBytes == 4, let count = frame.body.getInteger(at: frame.body.readerIndex, as: UInt32.self) else {
                return self.closeWithError(.protocolError, "CREDIT body must be a 4-byte count")
            }
            if let call = self.calls[frame.callID] { self.link.addCredit(count, to: call.flow) }
        case .ping:
            if frame.flags.contains(.ack) { self.keepalive.didReceivePong() } else { self.link.writePing(ack: true, body: frame.body) }
        case .goAway: self.handleGoAway(frame)
        default:
            self.closeWithError(.protocolError, "unexpected \(frame.type) frame from a server")
        }
    }

    private func handleHello(_ frame: Frame) {
        guard let hello = try? Lyrica_Rpc_V1_Hello(serializedBytes: frame.body), hello.protocol == WireProtocol.name,
            hello.version == WireProtocol.version
        else {
            return self.closeWithError(.protocolError, "the server at \(self.endpoint) does not speak \(WireProtocol.name) version \(WireProtocol.version)")
        }
        let window = max(hello.initialCallWindow, 1)
        if hello.maxFrameSize > 0 { self.serverMaxFrameSize = Int(hello.maxFrameSize) }
        // Calls opened before HELLO started with the minimal window; top them up.
        let extra = window > WireProtocol.windowBeforeHello ? window - WireProtocol.windowBeforeHello : 0
        self.serverWindow = window
        if extra > 0 { for call in self.calls.values { self.link.addCredit(extra, to: call.flow) } }
    }

    private func handleMessage(_ frame: Frame) {
        guard let call = self.calls[frame.callID] else { return }  // cancelled or timed out here; drop
        if let responses = call.responses {
            guard responses.append(frame.body) else {
                return self.closeWithError(.flowControlError, "call \(call.id) got more messages than its window")
            }
        } else if call.response == nil {
            call.response = frame.body
        } else {
            self.cancel(call, RPCError(.internalError, "The server sent more than one response to \(call.method.path)"))
        }
    }

    private func handleStatus(_ frame: Frame) {
        guard let call = self.calls[frame.callID] else { return }
        var status = Lyrica_Rpc_V1_CallStatus()
        if frame.body.readableBytes > 0 {
            guard let decoded = try? Lyrica_Rpc_V1_CallStatus(serializedBytes: frame.body) else {
                return self.complete(call, .failure(RPCError(.internalError, "The server sent an unreadable status")))
            }
            status = decoded
        }
        let trailers = Metadata(wireEntries: status.trailingMetadata)
        guard status.code == 0 else {
            let details = status.details.map { RPCError.StatusDetail(typeURL: $0.typeURL, value: Array($0.value)) }
            return self.complete(
                call, .failure(RPCError(RPCError.Code(rawValue: status.code), status.message, details: details, trailingMetadata: trailers)))
        }
        if call.method.kind.serverStreams {
            self.complete(call, .success(ClientResponse(message: ByteBuffer(), headers: call.headers, trailers: trailers)))
        } else if let response = call.response {
            self.complete(call, .success(ClientResponse(message: response, headers: call.headers, trailers: trailers)))
        } else {
            self.complete(call, .failure(RPCError(.internalError, "The server ended \(call.method.path) without a response")))
        }
    }

    private func handleGoAway(_ frame: Frame) {
        let goAway = (try? Lyrica_Rpc_V1_GoAway(serializedBytes: frame.body)) ?? Lyrica_Rpc_V1_GoAway()
        let level: Logger.Level = goAway.code == .noError ? .debug : .warning
        self.logger.log(level: level, "Server sent GOAWAY", metadata: [
            "rpc.endpoint": "\(self.endpoint)", "goaway.code": "\(goAway.code)", "reason": "\(goAway.reason)",
        ])
        self.goAwayLastCallID = goAway.lastCallID
        // Tell the subchannel first, so a caller retrying a refused call picks a new connection.
        self.onEvent(self, .goingAway)
        let refused = RPCError(.unavailable, "The server at \(self.endpoint) is going away (\(goAway.reason)); the call was not processed")
        for call in Array(self.calls.values) where call.id > goAway.lastCallID {
            call.neverProcessed = true
            self.complete(call, .failure(refused))
        }
        if self.calls.isEmpty { self.link.close() }
    }

    private func performMaintenance() {
        guard !self.closed else { return }
        switch self.keepalive.tick(now: .now()) {
        case .none: break
        case .ping:
            self.link.writePing(ack: false, body: ByteBuffer(integer: UInt64(NIODeadline.now().uptimeNanoseconds)))
            self.link.flush()
        case .timedOut:
            self.closeWithError(.keepaliveTimeout, "no ping reply from \(self.endpoint) within \(self.configuration.keepaliveTimeout)")
        }
    }

    private func closeWithError(_ code: Lyrica_Rpc_V1_GoAwayCode, _ reason: String) {
        guard !self.closed else { return }
        self.logger.warning("Closing connection", metadata: ["rpc.endpoint": "\(self.endpoint)", "reason": "\(reason)"])
        self.link.writeGoAway(lastCallID: 0, code, reason)
        self.closed = true
        let error = RPCError(.unavailable, "The connection to \(self.endpoint) failed: \(reason)")
        for call in Array(self.calls.values) { self.complete(call, .failure(error)) }
        self.link.close()
    }
}
