package import LyricaRPC
package import NIOCore
import NIOPosix
import SwiftProtobuf

/// A bare TCP connection that speaks frames by hand, for feeding a server malformed input and
/// watching exactly what it answers.
package final class RawConnection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending = ByteBuffer()
    private var decoder = FrameDecoder(maxFrameLength: 64 << 20, hardCeiling: 64 << 20)

    private init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects to `endpoint`, runs `body`, and closes.
    package static func with<Result: Sendable>(
        _ endpoint: Endpoint, _ body: (RawConnection) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var result: Result?
        do {
            try await channel.executeThenClose { inbound, outbound in
                result = try await body(RawConnection(inbound: inbound, outbound: outbound))
            }
        } catch let error as ChannelError where result != nil && (error == .alreadyClosed || error == .ioOnClosedChannel) {
            // The server closed first, which is often what the test wanted.
        }
        return result!
    }

    /// Sends a HELLO as a well-behaved client would.
    package func sendHello(window: UInt32 = 16) async throws {
        var hello = Lyrica_Rpc_V1_Hello()
        hello.protocol = WireProtocol.name
        hello.version = WireProtocol.version
        hello.initialCallWindow = window
        hello.maxFrameSize = UInt32(WireProtocol.defaultMaxFrameSize)
        try await self.send(type: .hello, callID: 0, body: try hello.serializedBytes())
    }

    package func send(type: FrameType, flags: FrameFlags = [], callID: UInt32, body: ByteBuffer = ByteBuffer()) async throws {
        var buffer = ByteBuffer()
        buffer.writeFrame(type: type, flags: flags, callID: callID, body: body)
        try await self.send(bytes: buffer)
    }

    /// Opens a call on `method` (and optionally sends one request, ending the stream).
    package func open(callID: UInt32, method: String, timeoutMicros: UInt64 = 0, request: ByteBuffer? = nil) async throws {
        var open = Lyrica_Rpc_V1_CallOpen()
        open.method = method
        open.timeoutMicros = timeoutMicros
        try await self.send(type: .open, callID: callID, body: try open.serializedBytes())
        if let request { try await self.send(type: .message, flags: .endStream, callID: callID, body: request) }
    }

    /// Writes bytes; if the server has already closed the connection they go nowhere, as they
    /// would for a real peer, and the test reads what the server said before closing.
    package func send(bytes: ByteBuffer) async throws {
        do {
            try await self.outbound.write(bytes)
        } catch let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed {
        }
    }

    /// The next frame, skipping the server's HELLO and PINGs; nil once the server closed.
    package func nextFrame(includingHello: Bool = false) async throws -> Frame? {
        while true {
            if case .frame(let frame)? = try self.decoder.decode(buffer: &self.pending) {
                if !includingHello && (frame.type == .hello || frame.type == .ping) { continue }
                return frame
            }
            let next: ByteBuffer?
            do {
                next = try await self.inbound.next()
            } catch let error as IOError where error.errnoCode == ECONNRESET {
                return nil  // The server closed with our bytes unread: closed all the same.
            }
            guard var bytes = next else { return nil }
            self.pending.writeBuffer(&bytes)
        }
    }

    /// Frames until one with `type` (returned), or nil if the connection closes first.
    package func waitFor(_ type: FrameType, callID: UInt32? = nil) async throws -> Frame? {
        while let frame = try await self.nextFrame() {
            if frame.type == type && (callID == nil || frame.callID == callID) { return frame }
        }
        return nil
    }

    /// True once the server has closed the connection (reads to the end).
    package func isClosedByServer() async throws -> Bool {
        while try await self.nextFrame() != nil {}
        return true
    }

}
