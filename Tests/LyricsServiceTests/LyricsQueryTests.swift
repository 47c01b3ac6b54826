import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricsService
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Lyrics: lists and search", .timeLimit(.minutes(1)))
struct LyricsQueryTests {
    @Test("ListMyLyrics pages newest first with no song twice and none missed")
    func pagination() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            var created: [String] = []
            for index in 0..<5 { created.append(try await harness.create(owner.token, title: "Song \(index)").id) }
            _ = try await harness.create(try await harness.user().token, title: "Someone else's")
            var seen: [String] = []
            var token = ""
            repeat {
                let page = try await harness.lyrics.listMyLyrics(
                    .with {
                        $0.pageSize = 2
                        $0.pageToken = token
                    }, options: AuthHarness.bearer(owner.token))
                #expect(page.lyrics.count <= 2)
                seen += page.lyrics.map(\.lyrics.id)
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(seen == created.reversed())
        }
    }

    @Test("Filters narrow the list: genre, status and creation time")
    func filters() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let rock = try await harness.create(owner.token, title: "Loud") { $0.genre = "rock" }
            _ = try await harness.create(owner.token, title: "Quiet") { $0.genre = "folk"; $0.status = .completed }
            let byGenre = try await harness.lyrics.listMyLyrics(.with { $0.filter.genre = "Rock" }, options: AuthHarness.bearer(owner.token))
            #expect(byGenre.lyrics.map(\.lyrics.id) == [rock.id])
            let completed = try await harness.lyrics.listMyLyrics(.with { $0.filter.status = .completed }, options: AuthHarness.bearer(owner.token))
            #expect(completed.lyrics.map(\.lyrics.title) == ["Quiet"])
            let future = try await harness.lyrics.listMyLyrics(
                .with { $0.filter.createdAfter = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(60)) },
                options: AuthHarness.bearer(owner.token))
            #expect(future.lyrics.isEmpty)
        }
    }

    @Test("ListPublicLyrics shows published songs only, newest published first")
    func publicList() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let first = try await harness.publish(try await harness.create(owner.token, title: "First"), token: owner.token)
            _ = try await harness.create(owner.token, title: "Private draft")
            let second = try await harness.publish(try await harness.create(owner.token, title: "Second"), token: owner.token)
            let list = try await harness.lyrics.listPublicLyrics(.init(), options: AuthHarness.bearer(try await harness.user().token))
            #expect(list.lyrics.map(\.lyrics.id) == [second.id, first.id])
        }
    }

    @Test("Search ranks a title match above a match in the words only")
    func searchRanksTitlesHigher() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let inWords = try await harness.create(owner.token, title: "Harbour Song", verse: "The lighthouse keeps its watch\nover the sea")
            let inTitle = try await harness.create(owner.token, title: "Lighthouse", verse: "A tower of stone\nalone by the sea")
            _ = try await harness.create(owner.token, title: "Unrelated", verse: "Nothing here\nat all to see")
            let results = try await harness.lyrics.searchLyrics(.with { $0.query = "lighthouse" }, options: AuthHarness.bearer(owner.token))
            #expect(results.lyrics.map(\.lyrics.id) == [inTitle.id, inWords.id])
            #expect(results.lyrics[0].score > results.lyrics[1].score)
        }
    }

    @Test("Search finds a title spelt a little wrong")
    func fuzzyTitles() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token, title: "Midnight Serenade")
            let results = try await harness.lyrics.searchLyrics(.with { $0.query = "midnite serenade" }, options: AuthHarness.bearer(owner.token))
            #expect(results.lyrics.map(\.lyrics.id) == [song.id])
        }
    }

    @Test("Search shows published songs and the caller's own, never another's private ones")
    func searchRespectsVisibility() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let other = try await harness.user()
            let published = try await harness.publish(try await harness.create(owner.token, title: "Open Window"), token: owner.token)
            _ = try await harness.create(owner.token, title: "Closed Window")
            let mine = try await harness.create(other.token, title: "My Window")
            let results = try await harness.lyrics.searchLyrics(.with { $0.query = "window" }, options: AuthHarness.bearer(other.token))
            #expect(Set(results.lyrics.map(\.lyrics.id)) == [published.id, mine.id])
        }
    }

    @Test("Search pages by token until the results run out")
    func searchPages() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            for index in 0..<3 { _ = try await harness.create(owner.token, title: "River \(index)") }
            let first = try await harness.lyrics.searchLyrics(
                .with {
                    $0.query = "river"
                    $0.pageSize = 2
                }, options: AuthHarness.bearer(owner.token))
            #expect(first.lyrics.count == 2)
            let second = try await harness.lyrics.searchLyrics(
                .with {
                    $0.query = "river"
                    $0.pageSize = 2
                    $0.pageToken = first.nextPageToken
                }, options: AuthHarness.bearer(owner.token))
            #expect(second.lyrics.count == 1)
            #expect(second.nextPageToken.isEmpty)
            #expect(Set(first.lyrics.map(\.lyrics.id)).isDisjoint(with: second.lyrics.map(\.lyrics.id)))
        }
    }
}
