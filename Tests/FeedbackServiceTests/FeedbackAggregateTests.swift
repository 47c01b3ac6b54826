import AuthTestSupport
import FeedbackService
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaRedis
import SwiftProtobuf
import Testing
import TestSupport

/// What everyone's feedback adds up to: summaries, popular songs, taste profiles.
@Suite("Feedback summaries, popularity and taste", .serialized)
struct FeedbackAggregateTests {
    @Test("GetLyricsSummary counts feedback, averages and histograms each rating, and counts tags most used first")
    func summaryAddsUpEveryone() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner)
            let ratings: [(overall: Int32, quality: Int32?, liked: Bool, tags: [String])] = [
                (5, 4, true, ["catchy", "warm"]), (4, nil, true, ["catchy"]), (2, 2, false, ["slow"]),
            ]
            for rating in ratings {
                let (_, token) = try await harness.user()
                try await harness.submit(token, song.id) {
                    $0.overallRating = rating.overall
                    if let quality = rating.quality { $0.qualityRating = quality }
                    $0.liked = rating.liked
                    $0.shared = rating.overall == 5
                    $0.tags = .with { $0.tags = rating.tags }
                }
            }
            try await harness.submit(owner, song.id) {
                $0.saved = true
                $0.comment = "Mine"
            }
            let summary = try await harness.summary(owner, song.id)
            #expect(summary.feedbackCount == 4)
            #expect(summary.overall.count == 3)
            #expect(abs(summary.overall.average - 11.0 / 3) < 1e-9)
            #expect(summary.overall.histogram == [0, 1, 0, 1, 1])
            #expect(summary.quality.count == 2)
            #expect(summary.quality.average == 3)
            #expect(summary.creativity.count == 0)
            #expect(summary.creativity.histogram == [0, 0, 0, 0, 0])
            #expect(summary.likes == 2)
            #expect(summary.saves == 1)
            #expect(summary.shares == 1)
            #expect(summary.comments == 1)
            #expect(summary.tags.map(\.tag) == ["catchy", "slow", "warm"])
            #expect(summary.tags.map(\.count) == [2, 1, 1])
        }
    }

    @Test("A summary read from the cache changes as soon as feedback does")
    func summaryCacheFollowsWrites() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner)
            #expect(try await harness.summary(owner, song.id).feedbackCount == 0)
            try await harness.submit(owner, song.id) { $0.liked = true }
            #expect(try await harness.summary(owner, song.id).likes == 1)
            _ = try await harness.feedback.deleteFeedback(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(owner))
            #expect(try await harness.summary(owner, song.id).likes == 0)
        }
    }

    @Test("Another user's private song has no summary for anyone else")
    func summaryNeedsAReadableSong() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, other) = try await harness.user()
            let draft = try await harness.song(owner, published: false)
            try await harness.submit(owner, draft.id) { $0.liked = true }
            await expectFailure(.notFound, "No lyrics with id \(draft.id)") { _ = try await harness.summary(other, draft.id) }
            #expect(try await harness.summary(owner, draft.id).likes == 1)
        }
    }

    @Test("ListPopular ranks published songs by likes and ratings from others, best first, in pages")
    func popularRanksByLikesAndRatings() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let fans = [try await harness.user().token, try await harness.user().token, try await harness.user().token]
            let top = try await harness.song(owner, title: "Top")
            let middle = try await harness.song(owner, title: "Middle")
            let panned = try await harness.song(owner, title: "Panned")
            let ownLoved = try await harness.song(owner, title: "Own love only")
            let hidden = try await harness.song(owner, title: "Draft", published: false)
            for fan in fans {
                try await harness.submit(fan, top.id) {
                    $0.liked = true
                    $0.overallRating = 5
                }
            }
            try await harness.submit(fans[0], middle.id) { $0.liked = true }
            try await harness.submit(fans[0], panned.id) { $0.overallRating = 1 }
            try await harness.submit(owner, ownLoved.id) {
                $0.liked = true
                $0.overallRating = 5
            }
            try await harness.submit(owner, hidden.id) { $0.liked = true }
            let first = try await harness.popular(fans[0], pageSize: 1)
            #expect(first.lyrics.map(\.title) == ["Top"])
            #expect(first.lyrics.first?.score == 6)
            #expect(first.lyrics.first?.likes == 3)
            #expect(first.lyrics.first?.averageRating == 5)
            #expect(first.windowSeconds == 7 * 86_400)
            let rest = try await harness.popular(fans[0], pageSize: 5, pageToken: first.nextPageToken)
            #expect(rest.lyrics.map(\.title) == ["Middle"])
            #expect(rest.nextPageToken.isEmpty)
        }
    }

    @Test("After Redis loses popular_lyrics, the next ListPopular rebuilds it from PostgreSQL")
    func popularSurvivesARedisFlush() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, fan) = try await harness.user()
            let song = try await harness.song(owner)
            try await harness.submit(fan, song.id) {
                $0.liked = true
                $0.overallRating = 4
            }
            #expect(try await harness.popular(fan).lyrics.map(\.lyricsID) == [song.id])
            try await flushKeys(of: harness.redis)
            #expect(try await harness.redis.sortedSetTop(Popularity.key, count: 10).isEmpty)
            let rebuilt = try await harness.popular(fan).lyrics
            #expect(rebuilt.map(\.lyricsID) == [song.id])
            #expect(rebuilt.first?.score == 1.5)
            #expect(try await harness.redis.sortedSetTop(Popularity.key, count: 10).map(\.member) == [song.id])
        }
    }

    @Test("A song archived in the lyrics service leaves the popular list")
    func archivedSongsLeavePopular() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, fan) = try await harness.user()
            let song = try await harness.song(owner)
            try await harness.submit(fan, song.id) { $0.liked = true }
            #expect(try await harness.popular(fan).lyrics.count == 1)
            _ = try await harness.lyrics.archiveLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner))
            try await eventually("the archived song leaves ListPopular") { try await harness.popular(fan).lyrics.isEmpty }
        }
    }

    @Test("GetTasteProfile ranks the genres, moods and tags a user rates highest")
    func tasteFollowsRatings() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, listener) = try await harness.user()
            let folk1 = try await harness.song(owner, genre: "folk", mood: "hopeful")
            let folk2 = try await harness.song(owner, genre: "folk", mood: "melancholic")
            let rock = try await harness.song(owner, genre: "rock", mood: "hopeful")
            let pop = try await harness.song(owner, genre: "pop", mood: "energetic")
            try await harness.submit(listener, folk1.id) {
                $0.overallRating = 5
                $0.liked = true
                $0.tags = .with { $0.tags = ["acoustic"] }
            }
            try await harness.submit(listener, folk2.id) {
                $0.overallRating = 5
                $0.tags = .with { $0.tags = ["acoustic", "sad"] }
            }
            try await harness.submit(listener, rock.id) { $0.overallRating = 4 }
            try await harness.submit(listener, pop.id) {
                $0.overallRating = 1
                $0.tags = .with { $0.tags = ["loud"] }
            }
            let profile = try await harness.feedback.getTasteProfile(.init(), options: AuthHarness.bearer(listener)).profile
            #expect(profile.feedbackCount == 4)
            #expect(profile.genres.map(\.name) == ["folk", "rock"])
            #expect(abs(profile.genres[0].score - 3.0 / 3) < 1e-9)
            #expect(profile.genres[0].count == 2)
            #expect(profile.moods.map(\.name) == ["hopeful", "melancholic"])
            #expect(profile.tags.map(\.name) == ["acoustic", "sad"])
        }
    }
}

/// Deletes every key under the client's prefix: what a FLUSHALL does to this test's data,
/// without touching the other tests sharing the Redis server.
func flushKeys(of redis: RedisClient) async throws {
    var cursor = "0"
    repeat {
        let reply = try await redis.send(["SCAN", RedisArgument(cursor), "MATCH", RedisArgument(redis.key("*")), "COUNT", "1000"])
        guard let parts = reply.array, parts.count == 2 else { return }
        cursor = parts[0].string ?? "0"
        let keys = parts[1].array?.compactMap(\.string) ?? []
        if !keys.isEmpty { _ = try await redis.send(["DEL"] + keys.map { RedisArgument($0) }) }
    } while cursor != "0"
}
