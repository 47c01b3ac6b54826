import Foundation
package import Logging
package import LyricaPostgres
package import LyricaRedis
package import PostgresNIO
package import ServiceLifecycle

/// Consumes topics as one consumer group per service (at least once), and makes handling
/// idempotent: each event's id is recorded in `processed_events` in the same transaction as the
/// handler's changes, so a redelivered event is acknowledged without running the handler again.
/// A handler that throws leaves its event unacknowledged; after `claimAfter` any consumer of the
/// group takes it over (XAUTOCLAIM) and tries again.
package struct EventConsumer: Service {
    /// Handles one event inside the transaction that records it as processed.
    package typealias Handler = @Sendable (Event, PostgresConnection, Logger) async throws -> Void

    package struct Configuration: Sendable {
        /// How long an entry may stay unacknowledged before another consumer retries it. Default 30 s.
        package var claimAfter: Duration = .seconds(30)
        /// How long one read waits for new entries. Default 1 s.
        package var block: Duration = .seconds(1)
        /// Entries per read. Default 50.
        package var batchSize: Int = 50
        /// Longest pause between retries while Redis or PostgreSQL is down. Default 5 s.
        package var maxBackoff: Duration = .seconds(5)
        package init() {}
    }

    /// The consumer group: the consuming service's name.
    let group: String
    /// This replica's name within the group.
    let consumer: String
    let topics: [String]
    /// The consuming service's schema, holding `processed_events`.
    let schema: String
    let postgres: PostgresClient
    let redis: RedisClient
    let configuration: Configuration
    let logger: Logger
    let handler: Handler

    package init(
        group: String, consumer: String = "\(ProcessInfo.processInfo.hostName)-\(getpid())", topics: [String], schema: String,
        postgres: PostgresClient, redis: RedisClient, configuration: Configuration = Configuration(), logger: Logger,
        handler: @escaping Handler
    ) {
        self.group = group
        self.consumer = consumer
        self.topics = topics
        self.schema = schema
        self.postgres = postgres
        self.redis = redis
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
    }

    package func run() async throws {
        await withDiscardingTaskGroup { group in
            for topic in self.topics {
                group.addTask { await self.consume(topic) }
            }
        }
    }

    private func consume(_ topic: String) async {
        let stream = Event.stream(for: topic)
        var backoff = Duration.milliseconds(50)
        var groupReady = false
        var lastClaim = ContinuousClock.now - self.configuration.claimAfter
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if !groupReady {
                    try await self.redis.streamCreateGroup(stream, group: self.group, startAt: "0")
                    groupReady = true
                }
                if ContinuousClock.now - lastClaim >= self.configuration.claimAfter / 2 {
                    lastClaim = ContinuousClock.now
                    try await self.reclaim(stream)
                }
                let entries = try await cancelWhenGracefulShutdown {
                    try await self.redis.streamReadGroup(
                        stream, group: self.group, consumer: self.consumer, count: self.configuration.batchSize,
                        block: self.configuration.block)
                }
                for entry in entries { try await self.handle(entry, stream: stream) }
                backoff = .milliseconds(50)
            } catch {
                guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
                self.logger.warning("Event consumer cannot proceed; retrying", metadata: [
                    "events.topic": "\(topic)", "error": "\(error)", "retry_in": "\(backoff)",
                ])
                await sleepUnlessShuttingDown(backoff)
                backoff = min(backoff * 2, self.configuration.maxBackoff)
            }
        }
    }

    /// Takes over entries that stayed unacknowledged too long (a crashed consumer, a failed handler).
    private func reclaim(_ stream: String) async throws {
        var cursor = "0-0"
        repeat {
            let (entries, next) = try await self.redis.streamAutoClaim(
                stream, group: self.group, consumer: self.consumer, minIdle: self.configuration.claimAfter, start: cursor)
            for entry in entries { try await self.handle(entry, stream: stream) }
            cursor = next
        } while cursor != "0-0"
    }

    private func handle(_ entry: StreamEntry, stream: String) async throws {
        guard let event = Event(streamFields: entry.fields) else {
            self.logger.error("Dropping a malformed event entry", metadata: ["events.stream": "\(stream)", "events.entry": "\(entry.id)"])
            try await self.redis.streamAcknowledge(stream, group: self.group, ids: [entry.id])
            return
        }
        var logger = self.logger
        logger[metadataKey: "events.id"] = "\(event.id)"
        logger[metadataKey: "events.topic"] = "\(event.topic)"
        let logger2 = logger
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO \(unescaped: self.schema).processed_events (consumer_group, event_id) VALUES (\(self.group), \(event.id))
                ON CONFLICT DO NOTHING RETURNING event_id
                """, logger: logger2)
            var firstTime = false
            for try await _ in rows { firstTime = true }
            if firstTime {
                try await self.handler(event, connection, logger2)
            } else {
                logger2.debug("Event already processed; acknowledging again")
            }
        }
        try await self.redis.streamAcknowledge(stream, group: self.group, ids: [entry.id])
    }
}
