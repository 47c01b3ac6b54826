import Foundation
import LyricaRPC
import Logging
import LyricaPostgres
import LyricaRedis
import LyricaService
import NIOConcurrencyHelpers
import PostgresNIO
import Testing
import TestSupport

/// Outbox → relay → Redis stream → consumer group, against real PostgreSQL and Redis.
@Suite("Events", .timeLimit(.minutes(1)))
struct EventDeliveryTests {
    /// The producer's and consumer's schemas live in one test database here; in production each
    /// service has its own database.
    private static func prepare(_ client: PostgresClient) async throws {
        for schema in ["producer", "consumer"] {
            try await Outbox(schema: schema).migrationRunner(client: client).apply(logger: testLogger())
        }
        try await client.query("CREATE TABLE producer.songs (id uuid PRIMARY KEY, title text NOT NULL)", logger: testLogger())
        try await client.query("CREATE TABLE consumer.deletions (song_id uuid PRIMARY KEY, seen integer NOT NULL DEFAULT 1)", logger: testLogger())
    }

    /// Deletes a song and records `song.deleted` in one transaction.
    private static func deleteSong(_ id: UUID, client: PostgresClient, fail: Bool = false) async throws {
        try await client.transaction(logger: testLogger()) { connection in
            try await connection.query("INSERT INTO producer.songs (id, title) VALUES (\(id), 'x')", logger: testLogger())
            try await Outbox(schema: "producer").enqueue(
                Event(topic: "song.deleted", payload: #"{"song_id":"\#(id.uuidString)"}"#, source: "producer"), on: connection,
                logger: testLogger())
            if fail { throw CancellationError() }
        }
    }

    /// Applies `song.deleted`; counts how often a song was seen, so double application shows.
    private static let recordDeletion: EventConsumer.Handler = { event, connection, logger in
        let payload = try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as! [String: String]
        let id = UUID(uuidString: payload["song_id"]!)!
        try await connection.query(
            "INSERT INTO consumer.deletions (song_id) VALUES (\(id)) ON CONFLICT (song_id) DO UPDATE SET seen = deletions.seen + 1",
            logger: logger)
        return nil
    }

    private static func deletions(_ client: PostgresClient) async throws -> [UUID: Int] {
        var seen: [UUID: Int] = [:]
        let rows = try await client.query("SELECT song_id, seen FROM consumer.deletions", logger: testLogger())
        for try await (id, count) in rows.decode((UUID, Int).self) { seen[id] = count }
        return seen
    }

    private static func waitFor(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<400 {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        Issue.record("condition not met in 10 s")
    }

    /// Runs the relay and a consumer in the background while `body` runs.
    private static func withPipeline<Result: Sendable>(
        client: PostgresClient, redis: RedisClient, handler: @escaping EventConsumer.Handler = recordDeletion,
        claimAfter: Duration = .seconds(30), _ body: () async throws -> Result
    ) async throws -> Result {
        var relayConfiguration = OutboxRelay.Configuration()
        relayConfiguration.maxBackoff = .milliseconds(200)
        let relay = OutboxRelay(outbox: Outbox(schema: "producer"), source: "producer", postgres: client, redis: redis, configuration: relayConfiguration, logger: testLogger())
        var consumerConfiguration = EventConsumer.Configuration()
        consumerConfiguration.block = .milliseconds(100)
        consumerConfiguration.claimAfter = claimAfter
        consumerConfiguration.maxBackoff = .milliseconds(200)
        let consumer = EventConsumer(
            group: "consumer", consumer: "test", topics: ["song.deleted"], schema: "consumer", postgres: client, redis: redis,
            configuration: consumerConfiguration, logger: testLogger(), handler: handler)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await relay.run() }
            group.addTask { try await consumer.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    @Test("An event committed with its change reaches the consumer once")
    func deliversCommittedEvent() async throws {
        try await withTestDatabase { client, _ in
            try await Self.prepare(client)
            try await withTestRedis { redis in
                try await Self.withPipeline(client: client, redis: redis) {
                    let id = UUID()
                    try await Self.deleteSong(id, client: client)
                    try await Self.waitFor { try await Self.deletions(client)[id] == 1 }
                    // The relay marks the row after Redis took it, so the consumer may be faster.
                    try await Self.waitFor { try await Outbox(schema: "producer").unpublishedCount(client: client, logger: testLogger()) == 0 }
                }
            }
        }
    }

    @Test("A rolled-back change leaves no event")
    func rollbackLeavesNoEvent() async throws {
        try await withTestDatabase { client, _ in
            try await Self.prepare(client)
            await #expect(throws: CancellationError.self) { try await Self.deleteSong(UUID(), client: client, fail: true) }
            let rows = try await client.query("SELECT count(*) FROM producer.outbox", logger: testLogger())
            for try await count in rows.decode(Int.self) { #expect(count == 0) }
        }
    }

    @Test("Events committed while Redis is down are all delivered once it is back")
    func nothingLostWhileRedisIsDown() async throws {
        let server = try RedisServerProcess()
        try await server.start()
        try await withTestDatabase { client, _ in
            try await Self.prepare(client)
            try await withTestRedis(url: server.url) { redis in
                try await Self.withPipeline(client: client, redis: redis) {
                    server.stop()
                    let ids = (0..<20).map { _ in UUID() }
                    for id in ids { try await Self.deleteSong(id, client: client) }
                    try await Task.sleep(nanoseconds: 300_000_000)  // the relay fails and backs off meanwhile
                    #expect(try await Outbox(schema: "producer").unpublishedCount(client: client, logger: testLogger()) == 20)
                    try await server.start()
                    try await Self.waitFor { try await Self.deletions(client).count == 20 }
                    let seen = try await Self.deletions(client)
                    #expect(Set(seen.keys) == Set(ids))
                    #expect(seen.values.allSatisfy { $0 == 1 })
                }
            }
        }
        server.stop()
    }

    @Test("An event delivered twice is applied once")
    func redeliveryIsIdempotent() async throws {
        try await withTestDatabase { client, _ in
            try await Self.prepare(client)
            try await withTestRedis { redis in
                try await Self.withPipeline(client: client, redis: redis) {
                    let id = UUID()
                    let event = Event(topic: "song.deleted", payload: #"{"song_id":"\#(id.uuidString)"}"#, source: "producer")
                    let fields: [(String, String)] = [
                        ("event_id", event.id.uuidString), ("topic", event.topic), ("source", "producer"), ("occurred_at", "0"),
                        ("payload", event.payload),
                    ]
                    // As a relay that crashed after publishing, before marking the row, would.
                    try await redis.streamAdd(Event.stream(for: event.topic), fields: fields)
                    try await redis.streamAdd(Event.stream(for: event.topic), fields: fields)
                    try await Self.waitFor {
                        let applied = try await Self.deletions(client)[id] != nil
                        let pending = try await redis.streamPendingCount(Event.stream(for: event.topic), group: "consumer")
                        return applied && pending == 0
                    }
                    try await Task.sleep(nanoseconds: 200_000_000)
                    #expect(try await Self.deletions(client)[id] == 1)
                }
            }
        }
    }

    @Test("A handler's after-commit work runs once its changes are visible to everyone")
    func afterCommitSeesTheCommittedChange() async throws {
        try await withTestDatabase { client, _ in
            try await Self.prepare(client)
            let seenAfterCommit = NIOLockedValueBox<[UUID: Int]?>(nil)
            let handler: EventConsumer.Handler = { event, connection, logger in
                _ = try await Self.recordDeletion(event, connection, logger)
                return {
                    // Another connection: it sees only what has committed.
                    let seen = try? await Self.deletions(client)
                    seenAfterCommit.withLockedValue { $0 = seen }
                }
            }
            try await withTestRedis { redis in
                try await Self.withPipeline(client: client, redis: redis, handler: handler) {
                    let id = UUID()
                    try await Self.deleteSong(id, client: client)
                    try await Self.waitFor { seenAfterCommit.withLockedValue { $0 } != nil }
                    #expect(seenAfterCommit.withLockedValue { $0 }?[id] == 1)
                }
            }
        }
    }

    @Test("An event whose handler failed is retried until it succeeds")
    func failedHandlerIsRetried() async throws {
        let attempts = NIOLockedValueBox(0)
        let flaky: EventConsumer.Handler = { event, connection, logger in
            let attempt = attempts.withLockedValue { value in
                value += 1
                return value
            }
            if attempt == 1 { throw CancellationError() }
            return try await Self.recordDeletion(event, connection, logger)
        }
        try await withTestDatabase { client, _ in
            try await Self.prepare(client)
            try await withTestRedis { redis in
                try await Self.withPipeline(client: client, redis: redis, handler: flaky, claimAfter: .milliseconds(300)) {
                    let id = UUID()
                    try await Self.deleteSong(id, client: client)
                    try await Self.waitFor { try await Self.deletions(client)[id] == 1 }
                    #expect(attempts.withLockedValue { $0 } == 2)
                }
            }
        }
    }
}

@Suite("Poison events", .timeLimit(.minutes(1)))
struct PoisonEventTests {
    @Test("An event that always fails goes to the dead-letter stream with its error, and later events still flow")
    func poisonEventIsDeadLettered() async throws {
        try await withTestDatabase { client, _ in
            try await Outbox(schema: "consumer").migrationRunner(client: client).apply(logger: testLogger())
            try await withTestRedis { redis in
                let handled = NIOLockedValueBox<[String]>([])
                var configuration = EventConsumer.Configuration()
                configuration.block = .milliseconds(50)
                configuration.claimAfter = .milliseconds(100)
                configuration.maxDeliveries = 3
                let consumer = EventConsumer(
                    group: "consumer", consumer: "test", topics: ["song.deleted"], schema: "consumer", postgres: client, redis: redis,
                    configuration: configuration, logger: testLogger()
                ) { event, _, _ in
                    if event.payload == "poison" { throw RPCError(.internalError, "cannot digest this") }
                    handled.withLockedValue { $0.append(event.payload) }
                    return nil
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await consumer.run() }
                    defer { group.cancelAll() }
                    for payload in ["poison", "fine"] {
                        let event = Event(topic: "song.deleted", payload: payload, source: "test")
                        try await redis.streamAdd(Event.stream(for: event.topic), fields: [
                            ("event_id", event.id.uuidString), ("topic", event.topic), ("source", "test"), ("occurred_at", "0"),
                            ("payload", payload),
                        ])
                    }
                    var dead: [StreamEntry] = []
                    for _ in 0..<400 where dead.isEmpty {
                        dead = try await redis.streamRange("events-dead:song.deleted")
                        if dead.isEmpty { try await Task.sleep(nanoseconds: 25_000_000) }
                    }
                    #expect(dead.count == 1)
                    #expect(dead.first?.fields["payload"] == "poison")
                    #expect(dead.first?.fields["last_error"]?.contains("cannot digest this") == true)
                    #expect(handled.withLockedValue { $0 } == ["fine"])
                    // The dead letter is written before the original is acknowledged (never lose it): wait for the ack.
                    var pending = -1
                    for _ in 0..<200 where pending != 0 {
                        pending = try await redis.streamPendingCount(Event.stream(for: "song.deleted"), group: "consumer")
                        if pending != 0 { try await Task.sleep(nanoseconds: 25_000_000) }
                    }
                    #expect(pending == 0)
                }
            }
        }
    }
}
