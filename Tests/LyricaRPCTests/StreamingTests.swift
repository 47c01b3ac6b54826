import EchoService
import LyricaProtos
import LyricaRPC
import NIOConcurrencyHelpers
import NIOCore
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Streaming", .timeLimit(.minutes(1)))
struct StreamingTests {
    @Test("Server streaming delivers every message in order")
    func serverStreaming() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let indexes = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).expand(.with { $0.count = 1000 }) { stream in
                    var indexes: [UInt32] = []
                    for try await response in stream { indexes.append(response.index) }
                    return indexes
                }
                #expect(indexes == Array(0..<1000))
            }
        }
    }

    @Test("Client streaming collects every request into one response")
    func clientStreaming() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let response = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).collect { writer in
                    for word in ["the", "night", "drive"] { try await writer.write(.with { $0.text = word }) }
                }
                #expect(response.text == "the night drive")
                #expect(response.index == 3)
            }
        }
    }

    @Test("An empty client stream is a valid call")
    func emptyClientStream() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let response = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).collect { _ in }
                #expect(response.index == 0)
            }
        }
    }

    @Test("Bidirectional streaming answers each request as it arrives")
    func bidirectionalStreaming() async throws {
        try await withRunningServer(services: [ProbeService()]) { server in
            try await withClient(server) { client in
                let texts = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).update(requests: { writer in
                    for word in ["one", "two", "three"] { try await writer.write(.with { $0.text = word }) }
                }) { stream in
                    var texts: [String] = []
                    for try await response in stream { texts.append(response.text) }
                    return texts
                }
                #expect(texts == ["ONE", "TWO", "THREE"])
            }
        }
    }

    @Test("A slow reader holds a streaming server back to its window instead of buffering")
    func serverStreamingBackpressure() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe]) { server in
            try await withClient(server) { client in
                try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).expand(.with { $0.count = 10_000 }) { stream in
                    var iterator = stream.makeAsyncIterator()
                    _ = try await iterator.next()
                    try await Task.sleep(nanoseconds: 300_000_000)  // let the server run ahead if it could
                    let written = probe.observations.messagesWritten
                    // The window (16) plus the one read; never the whole 10,000.
                    #expect(written <= Int(client.configuration.initialCallWindow) + 1)
                    var count = 1
                    while try await iterator.next() != nil { count += 1 }
                    #expect(count == 10_000)
                }
            }
        }
    }

    @Test("A server that does not read holds a streaming client back to its window")
    func clientStreamingBackpressure() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe], configure: { $0.initialCallWindow = 8 }) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                let sent = ManagedCounter()
                let call = Task {
                    try await echo.collect { writer in
                        for _ in 0..<1000 {
                            try await writer.write(.with { $0.text = "x" })
                            sent.increment()
                        }
                    }
                }
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(sent.value <= 8)
                probe.releaseReader()
                let response = try await call.value
                #expect(response.index == 1000)
            }
        }
    }

    @Test("Leaving a response stream early cancels the call on the server")
    func abandoningStreamCancels() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe]) { server in
            try await withClient(server) { client in
                let first = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).expand(.with { $0.count = 1_000_000 }) { stream in
                    var iterator = stream.makeAsyncIterator()
                    return try await iterator.next()
                }
                #expect(first?.index == 0)
                // The handler stops: its writes fail once the call is cancelled.
                let settled = probe.observations.messagesWritten
                try await Task.sleep(nanoseconds: 200_000_000)
                #expect(probe.observations.messagesWritten - settled <= 16)
            }
        }
    }
}

/// A thread-safe counter for tests.
final class ManagedCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    func increment() { self.box.withLockedValue { $0 += 1 } }
    var value: Int { self.box.withLockedValue { $0 } }
}

/// Refuses every call, as an auth interceptor refuses a caller without credentials.
struct RefuseEveryCall: RPCServerInterceptor {
    func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws {
        throw RPCError(.permissionDenied, "Refused by the interceptor")
    }
}

@Suite("Interceptors on streaming calls", .timeLimit(.minutes(1)))
struct StreamingInterceptorTests {
    @Test("An interceptor's refusal reaches the client of every call kind")
    func refusalReachesEveryKind() async throws {
        try await withRunningServer(interceptors: [RefuseEveryCall()]) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                let unary = await #expect(throws: RPCError.self) { _ = try await echo.get(.init()) }
                #expect(unary?.code == .permissionDenied)
                let serverStreaming = await #expect(throws: RPCError.self) {
                    try await echo.expand(.with { $0.text = "a b" }) { responses in for try await _ in responses {} }
                }
                #expect(serverStreaming?.code == .permissionDenied)
                let clientStreaming = await #expect(throws: RPCError.self) {
                    _ = try await echo.collect { writer in try await writer.write(.with { $0.text = "a" }) }
                }
                #expect(clientStreaming?.code == .permissionDenied)
                let emptyClientStream = await #expect(throws: RPCError.self) { _ = try await echo.collect { _ in } }
                #expect(emptyClientStream?.code == .permissionDenied)
                let bidirectional = await #expect(throws: RPCError.self) {
                    try await echo.update { writer in try await writer.write(.init()) } onResponses: { responses in
                        for try await _ in responses {}
                    }
                }
                #expect(bidirectional?.code == .permissionDenied)
            }
        }
    }
}
