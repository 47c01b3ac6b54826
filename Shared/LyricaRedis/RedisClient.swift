package import Logging
package import LyricaRPC
import NIOConcurrencyHelpers
import NIOPosix
package import ServiceLifecycle

/// A pool of hiredis connections. hiredis blocks, so every command runs on the client's own
/// thread pool, never on an event loop. A connection that fails is dropped and the next command
/// connects anew, so the client recovers by itself when Redis restarts; idle connections the
/// server closed are noticed before reuse. Redis being down is `UNAVAILABLE`.
package final class RedisClient: Service, Sendable {
    package let configuration: RedisConfiguration
    private let threads: NIOThreadPool
    private let logger: Logger
    private let pool: NIOLockedValueBox<PoolState>

    private struct PoolState {
        var idle: [RedisConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var closed = false
    }

    package init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: max(configuration.maxConnections, 1))
        self.threads.start()
        self.pool = NIOLockedValueBox(PoolState())
    }

    /// Waits for graceful shutdown, then closes (for use in a `ServiceGroup`).
    package func run() async throws {
        try? await gracefulShutdown()
        await self.close()
    }

    package func close() async {
        let (idle, waiters) = self.pool.withLockedValue { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        _ = idle
        waiters.forEach { $0.resume() }
        try? await self.threads.shutdownGracefully()
    }

    /// Runs one command.
    @discardableResult
    package func send(_ arguments: [RedisArgument]) async throws -> RedisValue {
        try await self.pipeline([arguments])[0]
    }

    /// Runs several commands in one round trip; replies in order.
    package func pipeline(_ commands: [[RedisArgument]], timeout: Duration? = nil) async throws -> [RedisValue] {
        let connection = try await self.checkOut()
        do {
            let replies = try await self.threads.runIfActive {
                if let timeout { connection.setTimeout(timeout) }
                defer { if timeout != nil { connection.setTimeout(self.configuration.commandTimeout) } }
                return try connection.pipeline(commands)
            }
            self.checkIn(connection)
            return replies
        } catch {
            self.discard(connection)
            if let error = error as? RPCError { throw error }
            throw RPCError(.unavailable, "Redis is unavailable: \(error)")
        }
    }

    // MARK: Pool

    private func checkOut() async throws -> RedisConnection {
        while true {
            enum Step { case reuse(RedisConnection), create, wait, closed }
            let step: Step = self.pool.withLockedValue { state in
                if state.closed { return .closed }
                if let connection = state.idle.popLast() { return .reuse(connection) }
                if state.open < self.configuration.maxConnections {
                    state.open += 1
                    return .create
                }
                return .wait
            }
            switch step {
            case .closed:
                throw RPCError(.unavailable, "The Redis client is closed")
            case .reuse(let connection):
                if connection.isClosedByServer {
                    self.logger.debug("Dropping a Redis connection the server closed", metadata: ["redis.server": "\(connection.description)"])
                    self.discard(connection)
                    continue
                }
                return connection
            case .create:
                do {
                    let configuration = self.configuration
                    return try await self.threads.runIfActive { try RedisConnection(configuration: configuration) }
                } catch {
                    self.release()
                    if let error = error as? RPCError { throw error }
                    throw RPCError(.unavailable, "Redis is unavailable: \(error)")
                }
            case .wait:
                await withCheckedContinuation { continuation in
                    let resumeNow = self.pool.withLockedValue { state in
                        if state.closed || !state.idle.isEmpty || state.open < self.configuration.maxConnections { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    private func checkIn(_ connection: RedisConnection) {
        guard !connection.isBroken else { return self.discard(connection) }
        let waiter: CheckedContinuation<Void, Never>? = self.pool.withLockedValue { state in
            if !state.closed { state.idle.append(connection) } else { state.open -= 1 }
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
        }
        waiter?.resume()
    }

    private func discard(_ connection: RedisConnection) {
        self.release()
    }

    private func release() {
        let waiter: CheckedContinuation<Void, Never>? = self.pool.withLockedValue { state in
            state.open -= 1
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}
