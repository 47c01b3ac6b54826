import Foundation
import NIOConcurrencyHelpers
package import Logging
package import LyricaPostgres
package import LyricaRedis
package import PostgresNIO
package import ServiceLifecycle

/// Consumes topics as one consumer group per service (at least once), and makes handling
/// idempotent: each event's id is recorded in `processed_events` in the same transaction as the
/// handler's changes, so a redelivered event is acknowledged without running the handler again.
/// A handler that throws leaves its event unacknowledged; after `claimAfter` any consumer of the
/// group takes it over (XAUTOCLAIM) and tries again; after `maxDeliveries` tries it is moved to the
/// dead-letter stream `events-dead:<topic>` (with the last error) and acknowledged, so one poison
/// event cannot block its topic forever, and nothing is silently dropped.
package struct EventConsumer: Service {
    /// Work to do once the handler's transaction has committed, e.g. dropping cached copies
    /// (dropped before the commit, a read could cache the old state again).
    package typealias AfterCommit = @Sendable () async -> Void
    /// Handles one event inside the transaction that records it as processed.
    package typealias Handler = @Sendable (Event, PostgresConnection, Logger) async throws -> AfterCommit?

    package struct Configuration: Sendable {
        /// How long an entry may stay unacknowledged before another consumer retries it. Default 30 s.
        package var claimAfter: Duration = .seconds(30)
        /// How long one read waits for new entries. Default 1 s.
        package var block: Duration = .seconds(1)
        /// Entries per read. Default 50.
        package var batchSize: Int = 50
        /// Deliveries before an event goes to the dead-letter stream. Default 10.
        package var maxDeliveries: Int = 10
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
    /// The last failure per entry id, for the dead-letter record.
    private let lastErrors = NIOLockedValueBox([String: String]())

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
        var backoff = RetryDelay(maximum: self.configuration.maxBackoff)
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
                for entry in entries { await self.process(entry, stream: stream) }
                backoff.reset()
            } catch {
                guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
                self.logger.warning("Event consumer cannot proceed; retrying", metadata: [
                    "events.topic": "\(topic)", "error": "\(error)", "retry_in": "\(backoff.current)",
                ])
                await backoff.wait()
            }
        }
    }

    /// Takes over entries that stayed unacknowledged too long (a crashed consumer, a failed handler).
    private func reclaim(_ stream: String) async throws {
        var cursor = "0-0"
        repeat {
            let (entries, next) = try await self.redis.streamAutoClaim(
                stream, group: self.group, consumer: self.consumer, minIdle: self.configuration.claimAfter, start: cursor)
            for entry in entries {
                let deliveries = try await self.redis.streamDeliveryCount(stream, group: self.group, id: entry.id)
                if deliveries > self.configuration.maxDeliveries {
                    try await self.deadLetter(entry, stream: stream, deliveries: deliveries)
                } else {
                    await self.process(entry, stream: stream)
                }
            }
            cursor = next
        } while cursor != "0-0"
    }

    /// Handles one entry; a failure leaves it pending (reclaimed and retried after `claimAfter`)
    /// and does not hold up the rest of the batch.
    private func process(_ entry: StreamEntry, stream: String) async {
        do {
            try await self.handle(entry, stream: stream)
            self.lastErrors.withLockedValue { _ = $0.removeValue(forKey: entry.id) }
        } catch {
            self.lastErrors.withLockedValue { $0[entry.id] = "\(error)" }
            self.logger.warning("Event handling failed; it will be retried", metadata: [
                "events.stream": "\(stream)", "events.entry": "\(entry.id)", "error": "\(error)",
            ])
        }
    }

    /// Moves an entry that failed too often to `events-dead:<topic>` and acknowledges it.
    private func deadLetter(_ entry: StreamEntry, stream: String, deliveries: Int) async throws {
        let reason = self.lastErrors.withLockedValue { $0.removeValue(forKey: entry.id) } ?? "handler failed"
        let fields = entry.fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            + [("consumer_group", self.group), ("deliveries", String(deliveries)), ("last_error", reason), ("entry_id", entry.id)]
        try await self.redis.streamAdd("events-dead:" + stream.dropFirst("events:".count), fields: fields)
        try await self.redis.streamAcknowledge(stream, group: self.group, ids: [entry.id])
        self.logger.error("Event moved to the dead-letter stream after repeated failures", metadata: [
            "events.stream": "\(stream)", "events.entry": "\(entry.id)", "events.deliveries": "\(deliveries)", "error": "\(reason)",
        ])
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
        let afterCommit = try await self.postgres.transaction(logger: logger) { connection -> AfterCommit? in
            let rows = try await connection.query(
                """
                INSERT INTO \(unescaped: self.schema).processed_events (consumer_group, event_id) VALUES (\(self.group), \(event.id))
                ON CONFLICT DO NOTHING RETURNING event_id
                """, logger: logger2)
            var firstTime = false
            for try await _ in rows { firstTime = true }
            guard firstTime else {
                logger2.debug("Event already processed; acknowledging again")
                return nil
            }
            return try await self.handler(event, connection, logger2)
        }
        await afterCommit?()
        try await self.redis.streamAcknowledge(stream, group: self.group, ids: [entry.id])
    }
}
