import EchoService
import LyricaProtos
import LyricaRPC
import NIOCore
import SwiftProtobuf
import Testing
import TestSupport

/// Every kind of broken peer loses its own connection (with GOAWAY saying why) or its own call,
/// and the server goes on serving everyone else.
@Suite("Malformed input", .timeLimit(.minutes(1)))
struct MalformedInputTests {
    private static let get = Lyrica_Echo_V1_EchoService.Method.get.path

    private static func echoRequest(_ text: String) throws -> ByteBuffer {
        try Lyrica_Echo_V1_EchoRequest.with { $0.text = text }.serializedBytes()
    }

    /// After the broken peer, a well-behaved client still gets answers.
    private static func expectStillServing(_ server: RunningServer) async throws {
        try await withClient(server) { client in
            let response = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(.with { $0.text = "still here" })
            #expect(response.text == "still here")
        }
    }

    private static func goAway(from frame: Frame?) throws -> Lyrica_Rpc_V1_GoAway {
        let frame = try #require(frame)
        #expect(frame.type == .goAway)
        return try Lyrica_Rpc_V1_GoAway(serializedBytes: frame.body)
    }

    @Test("A truncated frame followed by a close leaves the server serving others")
    func truncatedFrame() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                var partial = ByteBuffer()
                partial.writeInteger(UInt32(100))
                partial.writeBytes([FrameType.open.rawValue, 0, 0, 0, 0, 1, 0x0A])
                try await raw.send(bytes: partial)
            }
            try await Self.expectStillServing(server)
        }
    }

    @Test("A length over the hard ceiling closes the connection with FRAME_TOO_LARGE")
    func lengthOverCeiling() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                var header = ByteBuffer()
                header.writeInteger(UInt32.max)
                try await raw.send(bytes: header)
                let goAway = try Self.goAway(from: try await raw.waitFor(.goAway))
                #expect(goAway.code == .frameTooLarge)
                #expect(try await raw.isClosedByServer())
            }
            try await Self.expectStillServing(server)
        }
    }

    @Test("Garbage bytes instead of HELLO close the connection with PROTOCOL_ERROR")
    func garbageBytes() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.send(bytes: ByteBuffer(string: "GET / HTTP/1.1\r\nHost: example\r\n\r\n"))
                let goAway = try Self.goAway(from: try await raw.waitFor(.goAway))
                #expect([.protocolError, .frameTooLarge].contains(goAway.code))
                #expect(try await raw.isClosedByServer())
            }
            try await Self.expectStillServing(server)
        }
    }

    @Test("An unknown frame type closes the connection with PROTOCOL_ERROR naming it")
    func unknownFrameType() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                try await raw.send(type: FrameType(rawValue: 77), callID: 0)
                let goAway = try Self.goAway(from: try await raw.waitFor(.goAway))
                #expect(goAway.code == .protocolError)
                #expect(goAway.reason.contains("77"))
            }
            try await Self.expectStillServing(server)
        }
    }

    @Test("A MESSAGE for a call that was never opened is a protocol error")
    func unknownCallID() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                try await raw.send(type: .message, flags: .endStream, callID: 42, body: try Self.echoRequest("x"))
                let goAway = try Self.goAway(from: try await raw.waitFor(.goAway))
                #expect(goAway.code == .protocolError)
                #expect(goAway.reason.contains("unknown call 42"))
            }
            try await Self.expectStillServing(server)
        }
    }

    @Test("Reusing a call id is a protocol error")
    func reusedCallID() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                try await raw.open(callID: 5, method: Self.get, request: try Self.echoRequest("first"))
                let status = try #require(try await raw.waitFor(.status, callID: 5))
                #expect(status.body.readableBytes == 0)  // OK
                try await raw.open(callID: 5, method: Self.get, request: try Self.echoRequest("again"))
                let goAway = try Self.goAway(from: try await raw.waitFor(.goAway))
                #expect(goAway.code == .protocolError)
                #expect(goAway.reason.contains("reused"))
                #expect(goAway.lastCallID == 5)
            }
            try await Self.expectStillServing(server)
        }
    }

    @Test("A MESSAGE after the client ended its stream is a protocol error")
    func messageAfterEnd() async throws {
        // ProbeService's Collect waits before reading, so the call is still open when the late MESSAGE comes.
        try await withRunningServer(services: [ProbeService()]) { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                try await raw.open(callID: 1, method: Lyrica_Echo_V1_EchoService.Method.collect.path)
                try await raw.send(type: .end, callID: 1)
                try await raw.send(type: .message, callID: 1, body: try Self.echoRequest("late"))
                let goAway = try Self.goAway(from: try await raw.waitFor(.goAway))
                #expect(goAway.reason.contains("after the client ended"))
            }
        }
    }

    @Test("A request that is not valid protobuf fails only its call, with INVALID_ARGUMENT")
    func badProtobuf() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                try await raw.open(callID: 1, method: Self.get, request: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF]))
                let frame = try #require(try await raw.waitFor(.status, callID: 1))
                let status = try Lyrica_Rpc_V1_CallStatus(serializedBytes: frame.body)
                #expect(status.code == RPCError.Code.invalidArgument.rawValue)
                #expect(status.message.contains("lyrica.echo.v1.EchoRequest"))
                // The same connection keeps working.
                try await raw.open(callID: 2, method: Self.get, request: try Self.echoRequest("fine"))
                let ok = try #require(try await raw.waitFor(.status, callID: 2))
                #expect(ok.body.readableBytes == 0)
            }
        }
    }

    @Test("A message over the frame limit fails its call with RESOURCE_EXHAUSTED and the connection lives")
    func oversizedMessage() async throws {
        try await withRunningServer(configure: { $0.maxFrameSize = 1024 }) { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                let big = try Self.echoRequest(String(repeating: "x", count: 3000))  // over 1 KiB, under the 4 KiB ceiling
                try await raw.open(callID: 1, method: Self.get, request: big)
                let frame = try #require(try await raw.waitFor(.status, callID: 1))
                let status = try Lyrica_Rpc_V1_CallStatus(serializedBytes: frame.body)
                #expect(status.code == RPCError.Code.resourceExhausted.rawValue)
                try await raw.open(callID: 2, method: Self.get, request: try Self.echoRequest("small"))
                let ok = try #require(try await raw.waitFor(.status, callID: 2))
                #expect(ok.body.readableBytes == 0)
            }
        }
    }

    @Test("A client that never says HELLO is dropped after the handshake timeout")
    func handshakeTimeout() async throws {
        try await withRunningServer(configure: { $0.handshakeTimeout = .milliseconds(200) }) { server in
            try await RawConnection.with(server.endpoint) { raw in
                let goAway = try Self.goAway(from: try await raw.waitFor(.goAway))
                #expect(goAway.code == .handshakeTimeout)
                #expect(try await raw.isClosedByServer())
            }
            try await Self.expectStillServing(server)
        }
    }

    @Test("A HELLO for another protocol version is refused")
    func wrongVersion() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                var hello = Lyrica_Rpc_V1_Hello()
                hello.protocol = WireProtocol.name
                hello.version = 99
                try await raw.send(type: .hello, callID: 0, body: try hello.serializedBytes())
                let goAway = try Self.goAway(from: try await raw.waitFor(.goAway))
                #expect(goAway.reason.contains("version 99"))
            }
        }
    }

    @Test("An unknown method is UNIMPLEMENTED")
    func unknownMethod() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                try await raw.open(callID: 1, method: "/nope.v1.Nope/Nothing", request: ByteBuffer())
                let frame = try #require(try await raw.waitFor(.status, callID: 1))
                let status = try Lyrica_Rpc_V1_CallStatus(serializedBytes: frame.body)
                #expect(status.code == RPCError.Code.unimplemented.rawValue)
            }
        }
    }

    @Test("The server answers PING with a PONG carrying the same bytes")
    func pingPong() async throws {
        try await withRunningServer { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                try await raw.send(type: .ping, callID: 0, body: ByteBuffer(integer: UInt64(1234)))
                var frame = try await raw.nextFrame(includingHello: true)
                if frame?.type == .hello { frame = try await raw.nextFrame(includingHello: true) }
                let pong = try #require(frame)
                #expect(pong.type == .ping)
                #expect(pong.flags.contains(.ack))
                #expect(pong.body.getInteger(at: pong.body.readerIndex, as: UInt64.self) == 1234)
            }
        }
    }
}

@Suite("Keepalive and idle connections", .timeLimit(.minutes(1)))
struct KeepaliveTests {
    @Test("A peer that never answers pings is dropped with KEEPALIVE_TIMEOUT")
    func unansweredPings() async throws {
        try await withRunningServer(configure: {
            // Generous: on a loaded machine the server must still read the HELLO before it times out.
            $0.keepaliveInterval = .milliseconds(250)
            $0.keepaliveTimeout = .milliseconds(250)
        }) { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                var sawPing = false
                var goAway: Lyrica_Rpc_V1_GoAway?
                while let frame = try await raw.nextFrame(includingHello: true) {
                    if frame.type == .ping && !frame.flags.contains(.ack) { sawPing = true }
                    if frame.type == .goAway { goAway = try Lyrica_Rpc_V1_GoAway(serializedBytes: frame.body) }
                }
                #expect(sawPing)
                #expect(goAway?.code == .keepaliveTimeout)
            }
        }
    }

    @Test("A client that answers pings keeps its connection")
    func answeredPingsKeepConnection() async throws {
        try await withRunningServer(configure: {
            // The timeout leaves a loaded machine time to answer; the wait outlasts it twice over,
            // so a client that did not answer would be gone.
            $0.keepaliveInterval = .milliseconds(100)
            $0.keepaliveTimeout = .seconds(1)
        }) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                _ = try await echo.get(.init())
                try await Task.sleep(nanoseconds: 2_500_000_000)  // many ping rounds, two timeouts
                let response = try await echo.get(.with { $0.text = "alive" })
                #expect(response.text == "alive")
            }
        }
    }

    @Test("A connection without calls is closed after the idle timeout with IDLE_TIMEOUT")
    func idleTimeout() async throws {
        try await withRunningServer(configure: { $0.idleTimeout = .milliseconds(200) }) { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                let frame = try #require(try await raw.waitFor(.goAway))
                let goAway = try Lyrica_Rpc_V1_GoAway(serializedBytes: frame.body)
                #expect(goAway.code == .idleTimeout)
            }
            // A client reconnects transparently after an idle close.
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                _ = try await echo.get(.init())
                try await Task.sleep(nanoseconds: 400_000_000)
                let response = try await echo.get(.with { $0.text = "again" }, options: CallOptions(maxAttempts: 3))
                #expect(response.text == "again")
            }
        }
    }
}
