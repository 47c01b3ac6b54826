import EchoService
import LyricaProtos
import LyricaRPC
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Shutdown, reconnects and balancing", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test("Graceful shutdown lets in-flight calls finish")
    func shutdownDrainsInFlightCalls() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe]) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                let inFlight = Task { try await echo.get(.with { $0.text = "finish me"; $0.delayMillis = 300 }) }
                try await probe.waitUntil { $0.contexts.count == 1 }
                await server.shutDown()
                let response = try await inFlight.value
                #expect(response.text == "finish me")
                // New calls are refused once the server is going away.
                let error = await #expect(throws: RPCError.self) { try await echo.get(.init()) }
                #expect(error?.code == .unavailable)
            }
        }
    }

    @Test("Calls still running after the grace period end with UNAVAILABLE")
    func shutdownGracePeriodEndsStragglers() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe], configure: { $0.shutdownGracePeriod = .milliseconds(200) }) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                let straggler = Task { try await echo.get(.with { $0.delayMillis = 20_000 }) }
                try await probe.waitUntil { $0.contexts.count == 1 }
                await server.shutDown()
                let error = await #expect(throws: RPCError.self) { try await straggler.value }
                #expect(error?.code == .unavailable)
            }
        }
    }

    @Test("With nothing listening, a call fails fast with UNAVAILABLE")
    func failsFastWhenUnreachable() async throws {
        let port = try TestPorts.unused()
        var configuration = RPCClient.Configuration.defaults
        configuration.backoff.initial = .seconds(5)
        let client = RPCClient(endpoints: [Endpoint(host: "127.0.0.1", port: port)], configuration: configuration, logger: testLogger())
        let start = NIODeadline.now()
        let error = await #expect(throws: RPCError.self) { try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(.init()) }
        #expect(error?.code == .unavailable)
        // A second call during the backoff does not even try to connect.
        let again = await #expect(throws: RPCError.self) { try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(.init()) }
        #expect(again?.message.contains("retrying in") == true)
        // Neither call waited out the connect timeout (5 s): refusal and backoff answer at once.
        #expect(NIODeadline.now() - start < client.configuration.connectTimeout)
        await client.close()
    }

    @Test("The client reconnects after the server restarts")
    func reconnectsAfterRestart() async throws {
        let port = try TestPorts.unused()
        var configuration = RPCClient.Configuration.defaults
        configuration.backoff.initial = .milliseconds(20)
        configuration.backoff.maximum = .milliseconds(100)
        let client = RPCClient(endpoints: [Endpoint(host: "127.0.0.1", port: port)], configuration: configuration, logger: testLogger())
        let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
        for round in 0..<2 {
            try await withRunningServer(configure: { $0.port = port }) { _ in
                // The first call after a restart may race the old connection's close; retry briefly.
                var reply: Lyrica_Echo_V1_EchoResponse?
                for _ in 0..<50 where reply == nil {
                    reply = try? await echo.get(.with { $0.text = "round \(round)" })
                    if reply == nil { try await Task.sleep(nanoseconds: 20_000_000) }
                }
                #expect(reply?.text == "round \(round)")
            }
        }
        await client.close()
    }

    @Test("A client with several endpoints spreads calls over all of them")
    func balancesOverEndpoints() async throws {
        let first = ProbeService()
        let second = ProbeService()
        try await withRunningServer(services: [first]) { a in
            try await withRunningServer(services: [second]) { b in
                let client = RPCClient(endpoints: [a.endpoint, b.endpoint], logger: testLogger())
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                for _ in 0..<20 { _ = try await echo.get(.init()) }
                await client.close()
                #expect(first.observations.completedCalls > 0)
                #expect(second.observations.completedCalls > 0)
                #expect(first.observations.completedCalls + second.observations.completedCalls == 20)
            }
        }
    }

    @Test("Calls keep working when one of several endpoints is down")
    func skipsDeadEndpoint() async throws {
        let dead = Endpoint(host: "127.0.0.1", port: try TestPorts.unused())
        try await withRunningServer { live in
            let client = RPCClient(endpoints: [dead, live.endpoint], logger: testLogger())
            let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
            for index in 0..<10 {
                let response = try await echo.get(.with { $0.text = "\(index)" })
                #expect(response.text == "\(index)")
            }
            await client.close()
        }
    }

    @Test("An idempotent method is retried on UNAVAILABLE when the caller opts in")
    func idempotentRetry() async throws {
        let failures = FailFirstCalls(count: 2)
        try await withRunningServer(interceptors: [failures]) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                let once = await #expect(throws: RPCError.self) { try await echo.get(.init()) }
                #expect(once?.code == .unavailable)
                failures.reset(count: 2)
                let response = try await echo.get(.with { $0.text = "third time" }, options: CallOptions(maxAttempts: 3))
                #expect(response.text == "third time")
            }
        }
    }
}

/// Fails the first `count` calls with UNAVAILABLE, as a server going away would.
final class FailFirstCalls: RPCServerInterceptor {
    private let remaining: NIOLockedValueBox<Int>
    init(count: Int) { self.remaining = NIOLockedValueBox(count) }
    func reset(count: Int) { self.remaining.withLockedValue { $0 = count } }

    func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws {
        let fail = self.remaining.withLockedValue { remaining in
            defer { remaining -= 1 }
            return remaining > 0
        }
        if fail { throw RPCError(.unavailable, "Injected failure") }
        try await next(context)
    }
}
