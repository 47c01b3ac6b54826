import Foundation
package import Logging
package import LyricaPostgres
package import LyricaRedis
package import PostgresNIO
package import ServiceLifecycle

/// Publishes outbox rows to Redis streams (`events:<topic>`) and marks them published, in batches,
/// oldest first. If Redis is down the rows stay unpublished and the relay retries with backoff, so
/// nothing committed is lost; a crash between publishing and marking publishes again (consumers
/// deduplicate). Several replicas can run: rows are claimed with `FOR UPDATE SKIP LOCKED`.
package struct OutboxRelay: Service {
    package struct Configuration: Sendable {
        /// Pause when there was nothing to publish. Default 100 ms.
        package var pollInterval: Duration = .milliseconds(100)
        /// Rows per batch. Default 100.
        package var batchSize: Int = 100
        /// Streams are trimmed to about this many entries. Default 100,000.
        package var maxStreamLength: Int = 100_000
        /// Longest pause between retries while Redis or PostgreSQL is down. Default 5 s.
        package var maxBackoff: Duration = .seconds(5)
        package init() {}
    }

    let outbox: Outbox
    /// The producing service, recorded with each event.
    let source: String
    let postgres: PostgresClient
    let redis: RedisClient
    let configuration: Configuration
    let logger: Logger

    package init(
        outbox: Outbox, source: String, postgres: PostgresClient, redis: RedisClient,
        configuration: Configuration = Configuration(), logger: Logger
    ) {
        self.outbox = outbox
        self.source = source
        self.postgres = postgres
        self.redis = redis
        self.configuration = configuration
        self.logger = logger
    }

    package func run() async throws {
        var backoff = RetryDelay(maximum: self.configuration.maxBackoff)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let published = try await self.publishBatch()
                backoff.reset()
                if published < self.configuration.batchSize {
                    await sleepUnlessShuttingDown(self.configuration.pollInterval)
                }
            } catch {
                self.logger.warning("Outbox relay cannot publish; retrying", metadata: ["error": "\(error)", "retry_in": "\(backoff.current)"])
                await backoff.wait()
            }
        }
    }

    /// Publishes up to one batch; returns how many events went out.
    @discardableResult
    package func publishBatch() async throws -> Int {
        try await self.postgres.transaction(logger: self.logger) { connection in
            let rows = try await connection.query(
                """
                SELECT id, event_id, topic, payload, occurred_at FROM \(unescaped: self.outbox.schema).outbox
                WHERE published_at IS NULL ORDER BY id LIMIT \(self.configuration.batchSize) FOR UPDATE SKIP LOCKED
                """, logger: self.logger)
            var ids: [Int] = []
            var events: [Event] = []
            for try await (id, eventID, topic, payload, occurredAt) in rows.decode((Int, UUID, String, String, Date).self) {
                ids.append(id)
                events.append(Event(id: eventID, topic: topic, payload: payload, source: self.source, occurredAt: occurredAt))
            }
            guard !events.isEmpty else { return 0 }
            let commands: [[RedisArgument]] = events.map { event in
                ["XADD", RedisArgument(self.redis.key(Event.stream(for: event.topic))), "MAXLEN", "~",
                 RedisArgument(self.configuration.maxStreamLength), "*"]
                    + event.streamFields.flatMap { [RedisArgument($0.0), RedisArgument($0.1)] }
            }
            for reply in try await self.redis.pipeline(commands) { _ = try self.redis.checked(reply, command: "XADD") }
            try await connection.query(
                "UPDATE \(unescaped: self.outbox.schema).outbox SET published_at = now() WHERE id = ANY(\(ids))", logger: self.logger)
            self.logger.debug("Published events", metadata: ["events.count": "\(events.count)"])
            return events.count
        }
    }
}
