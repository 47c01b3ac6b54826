import NIOCore
import SwiftProtobuf

/// The writing half every connection shares, client or server: frames gather in one buffer that
/// is flushed once the event loop has run the work that is ready now (so a burst of calls costs
/// one syscall), and per-call flow control suspends writers until the peer grants credit and the
/// channel is writable. Confined to the channel's event loop, except `send` and `onLoop`.
final class FrameConnection: @unchecked Sendable {
    let eventLoop: any EventLoop
    private(set) var context: ChannelHandlerContext?
    private var output = ByteBuffer()
    private var flushScheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func attach(_ context: ChannelHandlerContext) {
        self.context = context
        self.output = context.channel.allocator.buffer(capacity: 1024)
    }

    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    // MARK: Frames

    func write(type: FrameType, flags: FrameFlags = [], callID: UInt32, body: ByteBuffer) {
        self.output.writeFrame(type: type, flags: flags, callID: callID, body: body)
        self.scheduleFlush()
    }

    func write(type: FrameType, flags: FrameFlags = [], callID: UInt32, message: some SwiftProtobuf.Message) {
        let body: ByteBuffer = (try? message.serializedBytes()) ?? ByteBuffer()
        self.write(type: type, flags: flags, callID: callID, body: body)
    }

    func writeCredit(_ count: UInt32, callID: UInt32) {
        var body = ByteBuffer()
        body.writeInteger(count)
        self.write(type: .credit, callID: callID, body: body)
    }

    func writeGoAway(lastCallID: UInt32, _ code: Lyrica_Rpc_V1_GoAwayCode, _ reason: String) {
        var goAway = Lyrica_Rpc_V1_GoAway()
        goAway.lastCallID = lastCallID
        goAway.code = code
        goAway.reason = reason
        self.write(type: .goAway, callID: 0, message: goAway)
    }

    func writePing(ack: Bool, body: ByteBuffer) {
        self.write(type: .ping, flags: ack ? .ack : [], callID: 0, body: body)
    }

    /// Flushes after the loop runs what is ready now, so messages finished together go out together.
    func scheduleFlush() {
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        self.eventLoop.execute { self.flush() }
    }

    func flush() {
        self.flushScheduled = false
        guard self.output.readableBytes > 0, let context = self.context else { return }
        let output = self.output
        self.output = context.channel.allocator.buffer(capacity: max(1024, min(output.readableBytes, 65536)))
        context.writeAndFlush(NIOAny(output), promise: nil)
    }

    func close() {
        self.flush()
        self.context?.close(promise: nil)
    }

    /// Runs `body` on the event loop: now if already there.
    func onLoop(_ body: @escaping () -> Void) {
        if self.eventLoop.inEventLoop {
            body()
        } else {
            self.eventLoop.execute(body)
        }
    }

    // MARK: Flow control

    /// Sends one message on a call once the peer has credit for it and the channel is writable;
    /// suspends until then. Throws the call's error once it has ended.
    func send(_ message: ByteBuffer, on flow: CallFlow) async throws {
        if self.eventLoop.inEventLoop, flow.closedError == nil, !flow.hasPending, flow.credits > 0, self.isWritable {
            return self.writeMessage(message, on: flow)
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                self.onLoop {
                    if let error = flow.closedError { return continuation.resume(throwing: error) }
                    guard !flow.hasPending else {
                        return continuation.resume(throwing: RPCError(.failedPrecondition, "Concurrent writes to one message stream"))
                    }
                    flow.pendingMessage = message
                    flow.pendingWriter = continuation
                    self.sendPending(on: flow)
                }
            }
        } onCancel: {
            self.onLoop { flow.failPending(CancellationError()) }
        }
    }

    /// The peer granted `count` more messages on a call.
    func addCredit(_ count: UInt32, to flow: CallFlow) {
        flow.credits &+= count
        self.sendPending(on: flow)
    }

    /// Moves a waiting message out if it may go now, and resumes its writer.
    func sendPending(on flow: CallFlow) {
        guard flow.hasPending, flow.credits > 0, self.isWritable, let message = flow.pendingMessage,
            let writer = flow.pendingWriter
        else { return }
        flow.pendingMessage = nil
        flow.pendingWriter = nil
        self.writeMessage(message, on: flow)
        writer.resume()
    }

    private func writeMessage(_ message: ByteBuffer, on flow: CallFlow) {
        flow.credits -= 1
        if let beforeFirstMessage = flow.beforeFirstMessage {
            flow.beforeFirstMessage = nil
            beforeFirstMessage()
        }
        self.write(type: .message, callID: flow.callID, body: message)
    }
}

/// Messages of one call, sent through its connection with flow control.
struct CallSink: MessageSink {
    let connection: FrameConnection
    let flow: CallFlow

    func send(_ message: ByteBuffer) async throws {
        try await self.connection.send(message, on: self.flow)
    }
}
