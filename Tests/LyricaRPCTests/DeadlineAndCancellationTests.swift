import LyricaProtos
import LyricaRPC
import NIOCore
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Deadlines and cancellation", .timeLimit(.minutes(1)))
struct DeadlineAndCancellationTests {
    @Test("A call that outlives its timeout fails with DEADLINE_EXCEEDED and the handler is cancelled")
    func deadlineExceeded() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe]) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                _ = try await echo.get(.init())  // connect first: only the slow call should race the clock
                let error = await #expect(throws: RPCError.self) {
                    try await echo.get(.with { $0.delayMillis = 10_000 }, options: CallOptions(timeout: .milliseconds(500)))
                }
                #expect(error?.code == .deadlineExceeded)
                try await probe.waitUntil { $0.cancelledCalls == 1 }
                #expect(probe.observations.completedCalls == 1)
            }
        }
    }

    @Test("The server enforces the deadline the client sent, even if the client waits longer")
    func serverEnforcesDeadline() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe]) { server in
            try await RawConnection.with(server.endpoint) { raw in
                try await raw.sendHello()
                let request: ByteBuffer = try Lyrica_Echo_V1_EchoRequest.with { $0.delayMillis = 5_000 }.serializedBytes()
                try await raw.open(callID: 1, method: Lyrica_Echo_V1_EchoService.Method.get.path, timeoutMicros: 100_000, request: request)
                let frame = try #require(try await raw.waitFor(.status, callID: 1))
                let status = try Lyrica_Rpc_V1_CallStatus(serializedBytes: frame.body)
                #expect(status.code == RPCError.Code.deadlineExceeded.rawValue)
            }
            try await probe.waitUntil { $0.cancelledCalls == 1 }
        }
    }

    @Test("The handler sees the deadline the client set")
    func handlerSeesDeadline() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe]) { server in
            try await withClient(server) { client in
                _ = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(.init(), options: CallOptions(timeout: .seconds(30)))
                let deadline = try #require(probe.observations.contexts.first?.deadline)
                let remaining = deadline - .now()
                #expect(remaining > .seconds(25) && remaining <= .seconds(30))
            }
        }
    }

    @Test("Cancelling the client's task cancels the server handler")
    func clientCancellationReachesHandler() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe]) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                let task = Task { try await echo.get(.with { $0.delayMillis = 10_000 }) }
                try await probe.waitUntil { $0.contexts.count == 1 }
                task.cancel()
                let result = await task.result
                #expect((try? result.get()) == nil)
                if case .failure(let error as RPCError) = result { #expect(error.code == .cancelled) }
                try await probe.waitUntil { $0.cancelledCalls == 1 }
            }
        }
    }

    @Test("An outgoing call from a handler inherits the remaining deadline")
    func deadlinePropagates() async throws {
        let downstream = ProbeService()
        try await withRunningServer(services: [downstream]) { downstreamServer in
            let downstreamClient = downstreamServer.makeClient()
            let relay = ProbeService { _, _ in
                _ = try await Lyrica_Echo_V1_EchoService.Client(wrapping: downstreamClient).get(.with { $0.text = "relayed" })
            }
            try await withRunningServer(services: [relay]) { relayServer in
                try await withClient(relayServer) { client in
                    _ = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(.init(), options: CallOptions(timeout: .seconds(20)))
                }
            }
            await downstreamClient.close()
            let inherited = try #require(downstream.observations.contexts.first?.deadline)
            #expect(inherited - .now() <= .seconds(20))
        }
    }

    @Test("An outgoing call from a handler is cancelled when the handler's caller cancels")
    func cancellationPropagates() async throws {
        let downstream = ProbeService()
        try await withRunningServer(services: [downstream]) { downstreamServer in
            let downstreamClient = downstreamServer.makeClient()
            let relay = ProbeService { _, _ in
                _ = try await Lyrica_Echo_V1_EchoService.Client(wrapping: downstreamClient).get(.with { $0.delayMillis = 10_000 })
            }
            try await withRunningServer(services: [relay]) { relayServer in
                try await withClient(relayServer) { client in
                    let task = Task { try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(.init()) }
                    try await downstream.waitUntil { $0.contexts.count == 1 }
                    task.cancel()
                    _ = await task.result
                    try await downstream.waitUntil { $0.cancelledCalls == 1 }
                }
            }
            await downstreamClient.close()
        }
    }
}
