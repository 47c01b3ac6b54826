import AuthTestSupport
import FeedbackService
import Foundation
import LyricaProtos
import LyricaRPC
import PostgresNIO
import SwiftProtobuf
import Testing
import TestSupport

/// Events both ways: `feedback.changed` to the lyrics service; `user.deleted` (auth) and
/// `lyrics.deleted` (lyrics) into the feedback service.
@Suite("Feedback events", .serialized)
struct FeedbackEventTests {
    @Test("Likes and unlikes reach the song's like count in the lyrics service")
    func likeCountsReachLyrics() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner)
            var fans: [String] = []
            for _ in 0..<3 { fans.append(try await harness.user().token) }
            for fan in fans { try await harness.submit(fan, song.id) { $0.liked = true } }
            try await eventually("the like count is 3") { try await harness.likeCount(owner, song.id) == 3 }
            try await harness.submit(fans[0], song.id) { $0.liked = false }
            _ = try await harness.feedback.deleteFeedback(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(fans[1]))
            try await eventually("the like count is 1") { try await harness.likeCount(owner, song.id) == 1 }
        }
    }

    @Test("Concurrent likes of one song announce an exact count")
    func concurrentLikesCountExactly() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner)
            var fans: [String] = []
            for _ in 0..<8 { fans.append(try await harness.user().token) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for fan in fans { group.addTask { try await harness.submit(fan, song.id) { $0.liked = true } } }
                try await group.waitForAll()
            }
            try await eventually("the like count is 8") { try await harness.likeCount(owner, song.id) == 8 }
        }
    }

    @Test("A song deleted in the lyrics service takes its feedback with it")
    func deletedSongsLoseTheirFeedback() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, fan) = try await harness.user()
            let song = try await harness.song(owner)
            try await harness.submit(fan, song.id) { $0.liked = true }
            _ = try await harness.lyrics.deleteLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner))
            try await eventually("the fan's feedback is gone") {
                (try? await harness.feedback.getMyFeedback(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(fan))) == nil
            }
            #expect(try await harness.popular(fan).lyrics.isEmpty)
            #expect(try await harness.feedback.listMyLiked(.init(), options: AuthHarness.bearer(fan)).feedback.isEmpty)
        }
    }

    @Test("A submit that found a song just before its deletion arrived is NOT_FOUND and brings nothing back")
    func deletionWinsARacingSubmit() async throws {
        try await withFeedbackService { harness in
            let (ownerID, owner) = try await harness.user()
            let (fanID, fan) = try await harness.user()
            let known = try await harness.song(owner, title: "Known")  // has feedback before it goes
            let unknown = try await harness.song(owner, title: "Unknown")  // never had any
            try await harness.submit(fan, known.id) { $0.liked = true }
            for song in [known, unknown] { _ = try await harness.lyrics.deleteLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner)) }
            let ids = [known, unknown].map { UUID(uuidString: $0.id)! }
            try await eventually("both deletions reached the feedback service") {
                let rows = try await harness.postgres.query(
                    "SELECT count(*) FROM feedback.lyrics_info WHERE lyrics_id = ANY(\(ids)) AND deleted", logger: testLogger())
                for try await count in rows.decode(Int.self) { return count == 2 }
                return false
            }
            // As SubmitFeedback does after the lyrics service answered, before the deletion arrived.
            let store = FeedbackStore(postgres: harness.postgres)
            let change = try FeedbackChange(.with { $0.liked = true })
            for song in [known, unknown] {
                let facts = SongFacts(
                    lyricsID: UUID(uuidString: song.id)!, ownerID: UUID(uuidString: ownerID)!, title: song.title, genre: song.genre,
                    mood: song.mood, isPublic: true, version: song.version)
                await #expect {
                    _ = try await store.submit(change, userID: UUID(uuidString: fanID)!, facts: facts, logger: testLogger())
                } throws: { error in
                    (error as? any RPCErrorConvertible)?.rpcError.message == "No lyrics with id \(song.id)"
                }
                await expectFailure(.notFound, "No lyrics") { _ = try await harness.summary(fan, song.id) }
            }
            let rows = try await harness.postgres.query(
                "SELECT count(*) FROM feedback.user_feedback WHERE lyrics_id = ANY(\(ids))", logger: testLogger())
            for try await count in rows.decode(Int.self) { #expect(count == 0) }
            #expect(try await harness.popular(fan).lyrics.isEmpty)
        }
    }

    @Test("A deleted account's feedback is deleted and the songs it liked count one like fewer")
    func deletedUsersLoseTheirFeedback() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, stays) = try await harness.user()
            let (_, leaves) = try await harness.user()
            let song = try await harness.song(owner)
            try await harness.submit(stays, song.id) { $0.liked = true }
            try await harness.submit(leaves, song.id) {
                $0.liked = true
                $0.overallRating = 5
            }
            try await eventually("the like count is 2") { try await harness.likeCount(owner, song.id) == 2 }
            _ = try await harness.auth.auth.deleteAccount(.with { $0.password = AuthHarness.password }, options: AuthHarness.bearer(leaves))
            try await eventually("the like count is 1") { try await harness.likeCount(owner, song.id) == 1 }
            let summary = try await harness.summary(owner, song.id)
            #expect(summary.feedbackCount == 1)
            #expect(summary.overall.count == 0)
            let popular = try await harness.popular(owner).lyrics.first
            #expect(popular?.score == 1)
            #expect(popular?.likes == 1)
            #expect(popular?.ratings == 0)
        }
    }

    @Test("A title changed in the lyrics service shows in the liked list")
    func titleChangesReachFeedback() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner, published: false)
            try await harness.submit(owner, song.id) { $0.liked = true }
            _ = try await harness.lyrics.updateLyrics(
                .with {
                    $0.id = song.id
                    $0.version = song.version
                    $0.lyrics.title = "Renamed"
                    $0.updateMask.paths = ["title"]
                }, options: AuthHarness.bearer(owner))
            try await eventually("the liked list shows the new title") {
                try await harness.feedback.listMyLiked(.init(), options: AuthHarness.bearer(owner)).feedback.first?.lyricsTitle == "Renamed"
            }
        }
    }
}
