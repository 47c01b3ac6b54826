import EchoService
import LyricaProtos
import LyricaRPC
import NIOCore
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Many calls on one connection", .timeLimit(.minutes(1)))
struct ConcurrencyTests {
    @Test("Hundreds of concurrent calls share one connection and each gets its own answer")
    func concurrentCallsMultiplex() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<500 {
                        group.addTask {
                            let response = try await echo.get(.with { $0.text = "call \(index)" })
                            #expect(response.text == "call \(index)")
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(server.server.configuration.maxConcurrentCallsPerConnection > 1)
        }
    }

    @Test("Calls beyond the per-connection limit are refused with RESOURCE_EXHAUSTED")
    func concurrencyLimit() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe], configure: { $0.maxConcurrentCallsPerConnection = 2 }) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                // Held until cancelled below, so a slow machine cannot finish them before the third call.
                let slow = (0..<2).map { _ in Task { try await echo.get(.with { $0.delayMillis = 60_000 }) } }
                try await probe.waitUntil { $0.contexts.count == 2 }
                let error = await #expect(throws: RPCError.self) { try await echo.get(.init()) }
                #expect(error?.code == .resourceExhausted)
                for task in slow { task.cancel() }
                for task in slow { _ = try? await task.value }
            }
        }
    }

    @Test("Response headers and trailers set by the handler reach the client")
    func responseMetadata() async throws {
        try await withRunningServer(services: [ProbeService()]) { server in
            try await withClient(server) { client in
                let response = try await client.unary(
                    Lyrica_Echo_V1_EchoService.Method.get, requestBody: try Lyrica_Echo_V1_EchoRequest().serializedBytes(),
                    options: CallOptions(metadata: ["x-reply-color": "blue"]))
                #expect(response.headers["x-reply-color"] == "blue")
                #expect(response.trailers["x-reply-color-trailer"] == "blue")
            }
        }
    }
}
