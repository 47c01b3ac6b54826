import LyricaRedis
import LyricaService
import NIOConcurrencyHelpers
import SwiftProtobuf
import Testing
import TestSupport

/// The read-through cache against a real Redis.
@Suite("Message cache", .timeLimit(.minutes(1)))
struct MessageCacheTests {
    private typealias Text = Google_Protobuf_StringValue

    private static func cache(_ redis: RedisClient) -> MessageCache<Text> {
        MessageCache(redis: redis, prefix: "cache-test:", ttl: .seconds(60))
    }

    @Test("A second read is answered from the cache without loading")
    func aHitDoesNotLoad() async throws {
        try await withTestRedis { redis in
            let cache = Self.cache(redis)
            let loads = NIOLockedValueBox(0)
            for _ in 0..<3 {
                let value = try await cache.value("song") {
                    loads.withLockedValue { $0 += 1 }
                    return Text("first")
                }
                #expect(value?.value == "first")
            }
            #expect(loads.withLockedValue { $0 } == 1)
        }
    }

    @Test("A read that loaded the old row before a write dropped the entry does not cache that old row")
    func aReadRacingAWriteDoesNotCacheTheOldAnswer() async throws {
        try await withTestRedis { redis in
            let cache = Self.cache(redis)
            // The reader loads the old row; meanwhile the writer commits and drops the entry.
            let raced = try await cache.value("song") {
                await cache.forget("song", logger: testLogger())
                return Text("old")
            }
            #expect(raced?.value == "old")
            let next = try await cache.value("song") { Text("new") }
            #expect(next?.value == "new")
        }
    }

    @Test("A dropped entry is loaded again")
    func aDroppedEntryIsLoadedAgain() async throws {
        try await withTestRedis { redis in
            let cache = Self.cache(redis)
            _ = try await cache.value("song") { Text("old") }
            await cache.forget("song", logger: testLogger())
            let reloaded = try await cache.value("song") { Text("new") }
            #expect(reloaded?.value == "new")
        }
    }

    @Test("Nothing found is not cached")
    func nothingFoundIsNotCached() async throws {
        try await withTestRedis { redis in
            let cache = Self.cache(redis)
            let missing = try await cache.value("song") { nil }
            #expect(missing == nil)
            // The miss's lease blocks no one: the next reader loads, and its answer is returned.
            let created = try await cache.value("song") { Text("created") }
            #expect(created?.value == "created")
        }
    }

    @Test("With Redis unreachable every read loads from the database")
    func unreachableRedisLoads() async throws {
        try await withTestRedis(url: "redis://127.0.0.1:1") { redis in
            let cache = Self.cache(redis)
            let loaded = try await cache.value("song") { Text("from the database") }
            #expect(loaded?.value == "from the database")
        }
    }
}

extension Google_Protobuf_StringValue {
    fileprivate init(_ value: String) {
        self.init()
        self.value = value
    }
}
