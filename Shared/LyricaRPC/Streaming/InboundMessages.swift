package import NIOCore
import NIOConcurrencyHelpers

/// The messages of one call in one direction, between the connection (which appends on its event
/// loop) and the task that reads them. Bounded by the call's flow-control window: the peer may
/// send only as many messages as it was granted, and credit is granted back as the reader
/// consumes, so a slow reader slows the sender instead of growing this buffer.
package final class InboundMessages: Sendable {
    private struct State {
        var buffer = CircularBuffer<ByteBuffer>(initialCapacity: 4)
        var waiter: CheckedContinuation<ByteBuffer?, any Error>?
        var end: Result<Void, RPCError>?
        var consumedSinceGrant: UInt32 = 0
    }

    private let state = NIOLockedValueBox(State())
    /// Messages the peer may have in flight; it was granted this many at the start.
    package let window: UInt32
    /// Called (from the reading task) with a count of consumed messages to grant back.
    private let grantCredit: @Sendable (UInt32) -> Void

    package init(window: UInt32, grantCredit: @escaping @Sendable (UInt32) -> Void) {
        self.window = max(window, 1)
        self.grantCredit = grantCredit
    }

    /// Adds a message from the peer. Returns false if the peer overran its window: a flow-control
    /// violation the connection answers with GOAWAY.
    package func append(_ message: ByteBuffer) -> Bool {
        let (waiter, accepted): (CheckedContinuation<ByteBuffer?, any Error>?, Bool) = self.state.withLockedValue { state in
            guard state.end == nil else { return (nil, true) }  // reader gone; drop
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, true)
            }
            guard state.buffer.count < Int(self.window) else { return (nil, false) }
            state.buffer.append(message)
            return (nil, true)
        }
        if let waiter {
            self.noteConsumed()
            waiter.resume(returning: message)
        }
        return accepted
    }

    /// The peer finished sending (`.success`) or the call ended with an error.
    package func finish(_ result: Result<Void, RPCError>) {
        let waiter: CheckedContinuation<ByteBuffer?, any Error>? = self.state.withLockedValue { state in
            guard state.end == nil else { return nil }
            state.end = result
            defer { state.waiter = nil }
            return state.waiter
        }
        switch result {
        case .success: waiter?.resume(returning: nil)
        case .failure(let error): waiter?.resume(throwing: error)
        }
    }

    /// The next message, nil at the end of the stream; throws the call's error if it failed.
    package func next() async throws -> ByteBuffer? {
        enum Step { case message(ByteBuffer), end, failed(RPCError), wait }
        let step: Step = self.state.withLockedValue { state in
            if let message = state.buffer.popFirst() { return .message(message) }
            switch state.end {
            case .success: return .end
            case .failure(let error): return .failed(error)
            case nil: return .wait
            }
        }
        switch step {
        case .message(let message):
            self.noteConsumed()
            return message
        case .end: return nil
        case .failed(let error): throw error
        case .wait: break
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate: Result<ByteBuffer?, any Error>? = self.state.withLockedValue { state in
                    if let message = state.buffer.popFirst() { return .success(message) }
                    switch state.end {
                    case .success: return .success(nil)
                    case .failure(let error): return .failure(error)
                    case nil:
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiter = continuation
                        return nil
                    }
                }
                if let immediate {
                    if case .success(.some) = immediate { self.noteConsumed() }
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Grants credit back once half the window was consumed, batching CREDIT frames.
    private func noteConsumed() {
        let grant: UInt32 = self.state.withLockedValue { state in
            state.consumedSinceGrant += 1
            guard state.consumedSinceGrant >= max(self.window / 2, 1), state.end == nil else { return 0 }
            defer { state.consumedSinceGrant = 0 }
            return state.consumedSinceGrant
        }
        if grant > 0 { self.grantCredit(grant) }
    }
}
