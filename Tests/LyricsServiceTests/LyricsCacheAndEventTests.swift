import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaRedis
import LyricaService
import LyricsService
import PostgresNIO
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Lyrics: cache, view counts and events", .timeLimit(.minutes(1)))
struct LyricsCacheAndEventTests {
    private func cached(_ id: String, _ harness: LyricsHarness) async throws -> Bool {
        try await harness.redis.send(["EXISTS", RedisArgument(harness.redis.key("api:lyrics:\(id)"))]).int == 1
    }

    @Test("GetLyrics fills the cache and every write empties it")
    func cacheInvalidation() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            #expect(try await !self.cached(song.id, harness))
            _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token))
            #expect(try await self.cached(song.id, harness))
            let updated = try await harness.lyrics.updateLyrics(
                .with {
                    $0.id = song.id
                    $0.version = song.version
                    $0.lyrics.title = "Fresh Title"
                    $0.updateMask.paths = ["title"]
                }, options: AuthHarness.bearer(owner.token)
            ).lyrics
            #expect(try await !self.cached(song.id, harness))
            let read = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token)).lyrics
            #expect(read.title == "Fresh Title")
            #expect(read.version == updated.version)
        }
    }

    @Test("A cached private song is still hidden from other users")
    func cacheKeepsAccessRules() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token))
            await expectFailure(.notFound) {
                _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(try await harness.user().token))
            }
        }
    }

    @Test("Views by others are counted in Redis and reach PostgreSQL; the owner's are not counted")
    func viewCounts() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let reader = try await harness.user()
            let song = try await harness.publish(try await harness.create(owner.token), token: owner.token)
            for _ in 0..<3 { _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(reader.token)) }
            _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token))
            try await eventually("three views are in PostgreSQL") {
                let rows = try await harness.postgres.query(
                    "SELECT view_count FROM lyrics.lyrics WHERE id = \(UUID(uuidString: song.id)!)", logger: testLogger())
                for try await count in rows.decode(Int64.self) { return count == 3 }
                return false
            }
        }
    }

    @Test("Deleting an account in auth deletes its songs here (and from the cache), announced as lyrics.deleted")
    func userDeletedRemovesSongs() async throws {
        try await withLyricsService { harness in
            let registered = try await harness.auth.register()
            let token = registered.tokens.accessToken
            let song = try await harness.create(token)
            let keeper = try await harness.user()
            let kept = try await harness.create(keeper.token)
            _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(token))  // now cached
            _ = try await harness.auth.auth.deleteAccount(.with { $0.password = AuthHarness.password }, options: AuthHarness.bearer(token))
            try await eventually("the deleted user's song is gone") {
                let rows = try await harness.postgres.query("SELECT count(*) FROM lyrics.lyrics", logger: testLogger())
                for try await count in rows.decode(Int.self) { return count == 1 }
                return false
            }
            _ = try await harness.lyrics.getLyrics(.with { $0.id = kept.id }, options: AuthHarness.bearer(keeper.token))
            // The deleted account's access token lives on until it expires; the cache must not.
            await expectFailure(.notFound) {
                _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(token))
            }
            try await eventually("lyrics.deleted names the song") {
                try await harness.redis.streamRange(Event.stream(for: "lyrics.deleted")).contains { $0.fields["payload"]?.contains(song.id) == true }
            }
        }
    }

    @Test("feedback.changed sets the like count (the cached copy too); an older count never overwrites a newer one")
    func likeCounts() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token))  // now cached
            let now = Date().timeIntervalSince1970
            for (count, asOf) in [(7, now), (3, now - 60)] {
                try await harness.redis.streamAdd(
                    Event.stream(for: "feedback.changed"),
                    fields: [
                        ("event_id", UUID().uuidString.lowercased()), ("topic", "feedback.changed"), ("source", "feedback"),
                        ("occurred_at", String(now)),
                        ("payload", #"{"lyrics_id":"\#(song.id)","like_count":\#(count),"as_of":\#(asOf)}"#),
                    ])
            }
            try await eventually("the like count is 7") {
                let rows = try await harness.postgres.query(
                    "SELECT like_count FROM lyrics.lyrics WHERE id = \(UUID(uuidString: song.id)!)", logger: testLogger())
                for try await count in rows.decode(Int64.self) { return count == 7 }
                return false
            }
            try await Task.sleep(for: .milliseconds(300))
            let read = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token)).lyrics
            #expect(read.likeCount == 7)
        }
    }
}
