package import LyricaProtos
package import LyricaRPC
import NIOConcurrencyHelpers
import NIOCore
import SwiftProtobuf

/// An Echo service that records what its handlers saw, for tests of deadlines, cancellation,
/// metadata and backpressure. `get` waits `delay_millis` (cancellably); `expand` writes `count`
/// messages as fast as flow control allows; `collect` reads nothing until `releaseReader`.
package final class ProbeService: Lyrica_Echo_V1_EchoService.ServiceProtocol, Sendable {
    package struct Observations: Sendable {
        package var contexts: [RPCContext] = []
        package var cancelledCalls = 0
        package var completedCalls = 0
        package var messagesWritten = 0
        package var messagesRead = 0
    }

    private let state = NIOLockedValueBox(Observations())
    private let readerGate = NIOLockedValueBox<[CheckedContinuation<Void, Never>]?>([])
    /// Called by `get` with the request and context, e.g. to call another server.
    private let onGet: (@Sendable (Lyrica_Echo_V1_EchoRequest, RPCContext) async throws -> Void)?

    package init(onGet: (@Sendable (Lyrica_Echo_V1_EchoRequest, RPCContext) async throws -> Void)? = nil) {
        self.onGet = onGet
    }

    package var observations: Observations { self.state.withLockedValue { $0 } }

    /// Waits until `condition` holds for the observations (polling), up to 10 s.
    package func waitUntil(_ condition: @Sendable (Observations) -> Bool) async throws {
        for _ in 0..<1000 {
            if condition(self.observations) { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw RPCError(.deadlineExceeded, "Condition not met; observations: \(self.observations)")
    }

    package func releaseReader() {
        let waiters = self.readerGate.withLockedValue { gate in
            defer { gate = nil }
            return gate ?? []
        }
        waiters.forEach { $0.resume() }
    }

    package func get(_ request: Lyrica_Echo_V1_EchoRequest, context: RPCContext) async throws -> Lyrica_Echo_V1_EchoResponse {
        self.state.withLockedValue { $0.contexts.append(context) }
        do {
            try await self.onGet?(request, context)
            if request.delayMillis > 0 { try await Task.sleep(nanoseconds: UInt64(request.delayMillis) * 1_000_000) }
        } catch {
            if Task.isCancelled { self.state.withLockedValue { $0.cancelledCalls += 1 } }
            throw error
        }
        self.state.withLockedValue { $0.completedCalls += 1 }
        for (key, value) in context.metadata where key.hasPrefix("x-reply-") {
            context.response.headers[key] = value
            context.response.trailers[key + "-trailer"] = value
        }
        return .with { $0.text = request.text }
    }

    package func expand(
        _ request: Lyrica_Echo_V1_EchoRequest, responses: RPCWriter<Lyrica_Echo_V1_EchoResponse>, context: RPCContext
    ) async throws {
        for index in 0..<request.count {
            try await responses.write(.with { $0.index = index })
            self.state.withLockedValue { $0.messagesWritten += 1 }
        }
    }

    package func collect(_ requests: RPCStream<Lyrica_Echo_V1_EchoRequest>, context: RPCContext) async throws
        -> Lyrica_Echo_V1_EchoResponse
    {
        await withCheckedContinuation { continuation in
            let proceed = self.readerGate.withLockedValue { gate in
                guard gate != nil else { return true }
                gate!.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
        var count: UInt32 = 0
        for try await _ in requests {
            count += 1
            self.state.withLockedValue { $0.messagesRead += 1 }
        }
        return .with { $0.index = count }
    }

    package func update(
        _ requests: RPCStream<Lyrica_Echo_V1_EchoRequest>, responses: RPCWriter<Lyrica_Echo_V1_EchoResponse>,
        context: RPCContext
    ) async throws {
        for try await request in requests {
            try await responses.write(.with { $0.text = request.text.uppercased() })
        }
    }
}
