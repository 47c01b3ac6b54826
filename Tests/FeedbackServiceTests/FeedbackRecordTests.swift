import AuthTestSupport
import FeedbackService
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import SwiftProtobuf
import Testing
import TestSupport

/// One user's feedback on one song: created once, changed in place, read back, deleted, listed.
@Suite("Feedback records", .serialized)
struct FeedbackRecordTests {
    @Test("The first submit creates the feedback; the next one changes only the fields it sends")
    func upsertKeepsWhatIsNotSent() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, fan) = try await harness.user()
            let song = try await harness.song(owner)
            let first = try await harness.submit(fan, song.id) {
                $0.overallRating = 4
                $0.comment = "  Lovely chorus  "
                $0.tags = .with { $0.tags = ["Catchy", "catchy", "sea shanty"] }
            }
            #expect(first.created)
            let second = try await harness.submit(fan, song.id) { $0.liked = true }
            #expect(!second.created)
            #expect(second.feedback.id == first.feedback.id)
            let mine = try await harness.feedback.getMyFeedback(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(fan)).feedback
            #expect(mine.ratings.overall == 4)
            #expect(mine.comment == "Lovely chorus")
            #expect(mine.tags == ["catchy", "sea shanty"])
            #expect(mine.liked)
            #expect(mine.lyricsTitle == "Harbour Lights")
        }
    }

    @Test("A rating of 0 withdraws that rating and an empty comment removes the comment")
    func zeroWithdrawsARating() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner)
            try await harness.submit(owner, song.id) {
                $0.qualityRating = 2
                $0.comment = "Needs work"
            }
            let changed = try await harness.submit(owner, song.id) {
                $0.qualityRating = 0
                $0.comment = ""
            }.feedback
            #expect(changed.ratings.quality == 0)
            #expect(changed.comment.isEmpty)
        }
    }

    @Test("Another user's private song is NOT_FOUND, like a song that does not exist; published songs take anyone's feedback")
    func feedbackNeedsASongTheCallerCanRead() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, other) = try await harness.user()
            let draft = try await harness.song(owner, published: false)
            await expectFailure(.notFound, "No lyrics with id \(draft.id)") {
                try await harness.submit(other, draft.id) { $0.liked = true }
            }
            let missing = UUID().uuidString.lowercased()
            await expectFailure(.notFound, "No lyrics with id \(missing)") {
                try await harness.submit(other, missing) { $0.liked = true }
            }
            #expect(try await harness.submit(owner, draft.id) { $0.liked = true }.created)
            let published = try await harness.song(owner)
            #expect(try await harness.submit(other, published.id) { $0.liked = true }.created)
        }
    }

    @Test("Bad input is INVALID_ARGUMENT with a message saying what to fix")
    func badInputIsInvalidArgument() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner)
            let cases: [(String, (inout Lyrica_Feedback_V1_SubmitFeedbackRequest) -> Void)] = [
                ("overall_rating is 6; ratings are 1 to 5", { $0.overallRating = 6 }),
                ("creativity_rating is -1", { $0.creativityRating = -1 }),
                ("comment has 2001 characters; the most is 2000", { $0.comment = String(repeating: "a", count: 2_001) }),
                // Accents as combining marks: 1,001 letters to Swift, 2,002 code points to PostgreSQL's limit.
                ("comment has 2002 characters; the most is 2000", { $0.comment = String(repeating: "e\u{301}", count: 1_001) }),
                ("More than 10 different tags sent; the most is 10", { $0.tags = .with { $0.tags = (0...10).map { "tag\($0)" } } }),
                ("More than 10 different tags sent", { $0.tags = .with { $0.tags = (0..<100_000).map { "t\($0)" } } }),
                ("has 33 characters; the most is 32", { $0.tags = .with { $0.tags = [String(repeating: "b", count: 33)] } }),
                ("may only hold letters, digits", { $0.tags = .with { $0.tags = ["<script>"] } }),
                ("Nothing to record", { _ in }),
                ("lyrics_id 'song-1' is not a lyrics id", { $0.lyricsID = "song-1" }),
            ]
            for (fragment, configure) in cases {
                await expectFailure(.invalidArgument, fragment) { try await harness.submit(owner, song.id, configure) }
            }
        }
    }

    @Test("DeleteFeedback removes the caller's feedback; deleting again is NOT_FOUND")
    func deleteRemovesFeedback() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner)
            try await harness.submit(owner, song.id) { $0.overallRating = 5 }
            _ = try await harness.feedback.deleteFeedback(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(owner))
            await expectFailure(.notFound, "You have given no feedback on lyrics \(song.id)") {
                _ = try await harness.feedback.getMyFeedback(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(owner))
            }
            await expectFailure(.notFound) {
                _ = try await harness.feedback.deleteFeedback(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(owner))
            }
        }
    }

    @Test("ListMyLiked pages through liked songs, most recently liked first, without unliked ones")
    func likedSongsAreListedNewestFirst() async throws {
        try await withFeedbackService { harness in
            let (_, owner) = try await harness.user()
            let (_, fan) = try await harness.user()
            var songs: [String] = []
            for index in 0..<5 { songs.append(try await harness.song(owner, title: "Song \(index)").id) }
            for id in songs { try await harness.submit(fan, id) { $0.liked = true } }
            try await harness.submit(fan, songs[1]) { $0.liked = false }
            try await harness.submit(fan, songs[0]) { $0.saved = true }
            var seen: [String] = []
            var token = ""
            repeat {
                let page = try await harness.feedback.listMyLiked(
                    .with {
                        $0.pageSize = 2
                        $0.pageToken = token
                    }, options: AuthHarness.bearer(fan))
                seen += page.feedback.map(\.lyricsID)
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(seen == [songs[4], songs[3], songs[2], songs[0]])
            let saved = try await harness.feedback.listMySaved(.init(), options: AuthHarness.bearer(fan)).feedback
            #expect(saved.map(\.lyricsID) == [songs[0]])
            #expect(saved.first?.lyricsTitle == "Song 0")
        }
    }

    @Test("Writes over FEEDBACK_WRITES_PER_MINUTE are RESOURCE_EXHAUSTED with a retry hint")
    func writesAreRateLimitedPerUser() async throws {
        try await withFeedbackService(environment: ["FEEDBACK_WRITES_PER_MINUTE": "3"]) { harness in
            let (_, owner) = try await harness.user()
            let song = try await harness.song(owner)
            for rating in 1...3 { try await harness.submit(owner, song.id) { $0.overallRating = Int32(rating) } }
            let error = await expectFailure(.resourceExhausted, "You wrote feedback 3 times this minute, the limit") {
                try await harness.submit(owner, song.id) { $0.liked = true }
            }
            #expect(error?.trailingMetadata["retry-after"] != nil)
            let (_, other) = try await harness.user()
            #expect(try await harness.submit(other, song.id) { $0.liked = true }.created)
        }
    }

    @Test("Every FeedbackService method has an access rule")
    func everyMethodHasAPolicy() {
        #expect(AuthPolicy.feedback.uncovered(Lyrica_Feedback_V1_FeedbackService.Method.all).isEmpty)
    }
}
