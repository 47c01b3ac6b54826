import LyricaRPC
import LyricaRedis
import Testing
import TestSupport

@Suite("Redis", .timeLimit(.minutes(1)))
struct RedisClientTests {
    @Test("Strings round-trip and expire")
    func stringsWithTTL() async throws {
        try await withTestRedis { redis in
            try await redis.set("greeting", "hello", ttl: .seconds(60))
            #expect(try await redis.get("greeting") == "hello")
            let ttl = try #require(try await redis.ttl("greeting"))
            #expect(ttl > .seconds(50) && ttl <= .seconds(60))
            try await redis.set("short", "gone soon", ttl: .milliseconds(50))
            try await Task.sleep(nanoseconds: 150_000_000)
            #expect(try await redis.get("short") == nil)
        }
    }

    @Test("Increment with expiry sets the expiry once, atomically")
    func incrementWithExpiry() async throws {
        try await withTestRedis { redis in
            #expect(try await redis.increment("rate_limit:user:1", expiringAfter: .seconds(60)) == 1)
            #expect(try await redis.increment("rate_limit:user:1", by: 4, expiringAfter: .seconds(60)) == 5)
            let ttl = try #require(try await redis.ttl("rate_limit:user:1"))
            #expect(ttl <= .seconds(60))
        }
    }

    @Test("Many concurrent commands share a small pool")
    func poolUnderConcurrency() async throws {
        try await withTestRedis(configure: { $0.maxConnections = 4 }) { redis in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<500 {
                    group.addTask { _ = try await redis.increment("counter", expiringAfter: .seconds(60)) }
                }
                try await group.waitForAll()
            }
            #expect(try await redis.get("counter") == "500")
        }
    }

    @Test("A pipeline sends several commands in one round trip, replies in order")
    func pipeline() async throws {
        try await withTestRedis { redis in
            let key = redis.key("list")
            let replies = try await redis.pipeline([["RPUSH", .init(key), "a"], ["RPUSH", .init(key), "b"], ["LRANGE", .init(key), "0", "-1"]])
            #expect(replies[0] == .integer(1))
            #expect(replies[1] == .integer(2))
            #expect(replies[2].array?.compactMap(\.string) == ["a", "b"])
        }
    }

    @Test("Hashes and sorted sets")
    func hashesAndSortedSets() async throws {
        try await withTestRedis { redis in
            try await redis.hashSet("stats", ["views": "1", "likes": "0"])
            #expect(try await redis.hashIncrement("stats", field: "views", by: 2) == 3)
            #expect(try await redis.hashGetAll("stats") == ["views": "3", "likes": "0"])
            _ = try await redis.sortedSetIncrement("popular_lyrics", member: "song-a", by: 2)
            _ = try await redis.sortedSetIncrement("popular_lyrics", member: "song-b", by: 5)
            try await redis.sortedSetAdd("popular_lyrics", member: "song-c", score: 1)
            let top = try await redis.sortedSetTop("popular_lyrics", count: 2)
            #expect(top.map(\.member) == ["song-b", "song-a"])
        }
    }

    @Test("Scripts run by SHA and fall back to EVAL when the server forgot them")
    func scriptFallback() async throws {
        try await withTestRedis { redis in
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            _ = try await redis.send(["SCRIPT", "FLUSH"])
            #expect(try await redis.run(script, keys: ["n"], arguments: ["2"]).int == 2)  // via EVAL
            #expect(try await redis.run(script, keys: ["n"], arguments: ["3"]).int == 5)  // via EVALSHA
        }
    }

    @Test("Consumer groups deliver, acknowledge, and hand over unacknowledged entries")
    func streamsWithConsumerGroups() async throws {
        try await withTestRedis { redis in
            try await redis.streamCreateGroup("events:test", group: "feedback")
            try await redis.streamCreateGroup("events:test", group: "feedback")  // idempotent
            let id = try await redis.streamAdd("events:test", fields: [("event_id", "e1"), ("payload", "{}")])
            let first = try await redis.streamReadGroup("events:test", group: "feedback", consumer: "a", count: 10, block: .milliseconds(100))
            #expect(first.map(\.id) == [id])
            #expect(first.first?.fields["event_id"] == "e1")
            // Consumer a dies without acknowledging; b claims the entry after it idled.
            try await Task.sleep(nanoseconds: 60_000_000)
            let claimed = try await redis.streamAutoClaim("events:test", group: "feedback", consumer: "b", minIdle: .milliseconds(50))
            #expect(claimed.entries.map(\.id) == [id])
            try await redis.streamAcknowledge("events:test", group: "feedback", ids: [id])
            #expect(try await redis.streamPendingCount("events:test", group: "feedback") == 0)
            let none = try await redis.streamReadGroup("events:test", group: "feedback", consumer: "b", count: 10, block: .milliseconds(50))
            #expect(none.isEmpty)
        }
    }

    @Test("With Redis down, commands fail with UNAVAILABLE; after it restarts, the pool recovers")
    func recoversAfterRestart() async throws {
        let server = try RedisServerProcess()
        try await server.start()
        try await withTestRedis(url: server.url) { redis in
            try await redis.set("before", "1")
            server.stop()
            let error = await #expect(throws: RPCError.self) { try await redis.get("before") }
            #expect(error?.code == .unavailable)
            try await server.start()
            // Append-only persistence kept the acknowledged write; idle connections were replaced.
            #expect(try await redis.get("before") == "1")
            try await redis.set("after", "2")
            #expect(try await redis.get("after") == "2")
        }
        server.stop()
    }

    @Test("REDIS_URL mistakes are explained")
    func badRedisURL() {
        let error = #expect(throws: ConfigurationError.self) { try RedisConfiguration(url: "http://localhost") }
        #expect(error?.message.contains("redis://") == true)
    }
}
