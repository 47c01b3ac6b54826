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

@Suite("Lyrics: writing, versions and revisions", .timeLimit(.minutes(1)))
struct LyricsLifecycleTests {
    @Test("A created song reads back with its sections in order and its words joined")
    func createAndRead() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let created = try await harness.create(owner.token) {
                $0.genre = "Synthpop"
                $0.scores.rhyme = 0.75
            }
            #expect(created.version == 1)
            #expect(created.status == .draft)
            #expect(created.userID == owner.id)
            #expect(created.genre == "synthpop")
            #expect(created.sections.map(\.sectionType) == ["verse", "chorus"])
            #expect(created.sections.map(\.order) == [0, 1])
            #expect(created.sections[0].lineCount == 2)
            #expect(created.content == "Headlights on the empty road\nCarry me where rivers flowed\n\nDrive, drive through the night")
            #expect(created.structure.fields["sections"]?.listValue.values.map(\.stringValue) == ["verse", "chorus"])
            let read = try await harness.lyrics.getLyrics(.with { $0.id = created.id }, options: AuthHarness.bearer(owner.token)).lyrics
            #expect(read == created)
        }
    }

    @Test("A create retried with the caller's request id answers with the first song and saves no other")
    func requestIDMakesRetriesSafe() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let first = try await harness.lyrics.createLyrics(Self.request(title: "Night Drive", requestID: "retry-1"), options: AuthHarness.bearer(owner.token))
            let retried = try await harness.lyrics.createLyrics(Self.request(title: "Another Title", requestID: "retry-1"), options: AuthHarness.bearer(owner.token))
            #expect(first.created)
            #expect(!retried.created)
            #expect(retried.lyrics == first.lyrics)
            let other = try await harness.lyrics.createLyrics(Self.request(title: "Night Drive", requestID: "retry-2"), options: AuthHarness.bearer(owner.token))
            #expect(other.created)
            #expect(try await Self.songCount(harness, owner.token) == 2)
        }
    }

    @Test("Concurrent creates with one request id save one song and all answer with it")
    func concurrentRequestIDsSaveOneSong() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let answers = try await withThrowingTaskGroup(of: Lyrica_Lyrics_V1_CreateLyricsResponse.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await harness.lyrics.createLyrics(Self.request(title: "Night Drive", requestID: "same"), options: AuthHarness.bearer(owner.token))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter(\.created).count == 1)
            #expect(Set(answers.map(\.lyrics.id)).count == 1)
            #expect(try await Self.songCount(harness, owner.token) == 1)
        }
    }

    @Test("A request id belongs to its user: another user sending the same one saves their own song")
    func requestIDsArePerUser() async throws {
        try await withLyricsService { harness in
            let alice = try await harness.user()
            let bob = try await harness.user()
            let hers = try await harness.lyrics.createLyrics(Self.request(title: "Hers", requestID: "shared"), options: AuthHarness.bearer(alice.token))
            let his = try await harness.lyrics.createLyrics(Self.request(title: "His", requestID: "shared"), options: AuthHarness.bearer(bob.token))
            #expect(his.created)
            #expect(his.lyrics.id != hers.lyrics.id)
            #expect(his.lyrics.userID == bob.id)
        }
    }

    @Test("Without a request id every create saves a song")
    func createsWithoutRequestIDAreIndependent() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let first = try await harness.lyrics.createLyrics(Self.request(title: "Night Drive", requestID: ""), options: AuthHarness.bearer(owner.token))
            let second = try await harness.lyrics.createLyrics(Self.request(title: "Night Drive", requestID: ""), options: AuthHarness.bearer(owner.token))
            #expect(first.created && second.created)
            #expect(first.lyrics.id != second.lyrics.id)
        }
    }

    static func request(title: String, requestID: String) -> Lyrica_Lyrics_V1_CreateLyricsRequest {
        .with {
            $0.title = title
            $0.content = "Headlights on the empty road"
            $0.requestID = requestID
        }
    }

    static func songCount(_ harness: LyricsHarness, _ token: String) async throws -> Int {
        try await harness.lyrics.listMyLyrics(.with { $0.pageSize = 100 }, options: AuthHarness.bearer(token)).lyrics.count
    }

    @Test("An update with the version read succeeds and bumps it; a stale version is ABORTED")
    func optimisticConcurrency() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            let retitle = { (title: String) in
                Lyrica_Lyrics_V1_UpdateLyricsRequest.with {
                    $0.id = song.id
                    $0.version = song.version
                    $0.lyrics.title = title
                    $0.updateMask.paths = ["title"]
                }
            }
            let updated = try await harness.lyrics.updateLyrics(retitle("Morning Drive"), options: AuthHarness.bearer(owner.token)).lyrics
            #expect(updated.title == "Morning Drive")
            #expect(updated.version == 2)
            await expectFailure(.aborted, "changed since version 1 (now 2)") {
                _ = try await harness.lyrics.updateLyrics(retitle("Evening Drive"), options: AuthHarness.bearer(owner.token))
            }
        }
    }

    @Test("UpdateSection rewrites one section, its line count and the song's words")
    func updateSection() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            let updated = try await harness.lyrics.updateSection(
                .with {
                    $0.lyricsID = song.id
                    $0.version = song.version
                    $0.order = 1
                    $0.content = "Drive, drive\nall through the night"
                    $0.rhymeScheme = "ab"
                }, options: AuthHarness.bearer(owner.token)
            ).lyrics
            #expect(updated.sections[1].content == "Drive, drive\nall through the night")
            #expect(updated.sections[1].lineCount == 2)
            #expect(updated.sections[1].rhymeScheme == "AB")
            #expect(updated.sections[1].refinementCount == 1)
            #expect(updated.content.hasSuffix("Drive, drive\nall through the night"))
            await expectFailure(.notFound, "no section at position 7") {
                _ = try await harness.lyrics.updateSection(
                    .with {
                        $0.lyricsID = song.id
                        $0.version = updated.version
                        $0.order = 7
                        $0.content = "x"
                    }, options: AuthHarness.bearer(owner.token))
            }
        }
    }

    @Test("Every change of the words is a revision that reads back as it was")
    func revisions() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            let updated = try await harness.lyrics.updateLyrics(
                .with {
                    $0.id = song.id
                    $0.version = song.version
                    $0.lyrics.title = "Second Title"
                    $0.lyrics.genre = "rock"
                    $0.updateMask.paths = ["title", "genre"]
                }, options: AuthHarness.bearer(owner.token)
            ).lyrics
            // A change of metadata only is a new version but not a new revision.
            _ = try await harness.lyrics.updateLyrics(
                .with {
                    $0.id = song.id
                    $0.version = updated.version
                    $0.lyrics.mood = "calm"
                    $0.updateMask.paths = ["mood"]
                }, options: AuthHarness.bearer(owner.token))
            let list = try await harness.lyrics.listRevisions(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(owner.token))
            #expect(list.revisions.map(\.version) == [2, 1])
            #expect(list.revisions.map(\.title) == ["Second Title", "Night Drive"])
            let first = try await harness.lyrics.getRevision(
                .with {
                    $0.lyricsID = song.id
                    $0.version = 1
                }, options: AuthHarness.bearer(owner.token)
            ).revision
            #expect(first.title == "Night Drive")
            #expect(first.sections.map(\.content) == song.sections.map(\.content))
            await expectFailure(.notFound, "no version 9") {
                _ = try await harness.lyrics.getRevision(
                    .with {
                        $0.lyricsID = song.id
                        $0.version = 9
                    }, options: AuthHarness.bearer(owner.token))
            }
        }
    }

    @Test("Draft → completed → published → archived; published songs are public and frozen")
    func statusWorkflow() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            await expectFailure(.failedPrecondition, "Mark them completed first") {
                _ = try await harness.lyrics.publishLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token))
            }
            let published = try await harness.publish(song, token: owner.token)
            #expect(published.status == .published)
            #expect(published.isPublic)
            #expect(published.hasPublishedAt)
            await expectFailure(.failedPrecondition, "Published lyrics cannot be edited") {
                _ = try await harness.lyrics.updateLyrics(
                    .with {
                        $0.id = song.id
                        $0.version = published.version
                        $0.lyrics.title = "x"
                        $0.updateMask.paths = ["title"]
                    }, options: AuthHarness.bearer(owner.token))
            }
            let archived = try await harness.lyrics.archiveLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token)).lyrics
            #expect(archived.status == .archived)
            #expect(!archived.isPublic)
        }
    }

    @Test("DeleteLyrics removes the song and publishes lyrics.deleted")
    func deleteEmitsTheEvent() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            _ = try await harness.lyrics.deleteLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token))
            await expectFailure(.notFound) {
                _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(owner.token))
            }
            try await eventually("lyrics.deleted is on its stream") {
                let entries = try await harness.redis.streamRange(Event.stream(for: "lyrics.deleted"))
                return entries.contains { $0.fields["payload"]?.contains(song.id) == true }
            }
        }
    }
}
