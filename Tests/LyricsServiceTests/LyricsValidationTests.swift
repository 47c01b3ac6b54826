import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricsService
import SwiftProtobuf
import Testing

/// Every request the lyrics service must refuse with INVALID_ARGUMENT, and a phrase of the message.
@Suite("Lyrics: input validation", .timeLimit(.minutes(1)))
struct LyricsValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let fragment: String
        let call: @Sendable (Lyrica_Lyrics_V1_LyricsService.Client, CallOptions, Lyrica_Lyrics_V1_Lyrics) async throws -> Void
        var testDescription: String { self.name }
    }

    static func create(_ name: String, _ fragment: String, _ configure: @escaping @Sendable (inout Lyrica_Lyrics_V1_CreateLyricsRequest) -> Void) -> Case {
        Case(name: name, fragment: fragment) { lyrics, options, _ in
            var request = Lyrica_Lyrics_V1_CreateLyricsRequest.with {
                $0.title = "t"
                $0.sections = [.with { $0.sectionType = "verse"; $0.content = "words" }]
            }
            configure(&request)
            _ = try await lyrics.createLyrics(request, options: options)
        }
    }

    static func section(_ type: String, _ content: String) -> Lyrica_Lyrics_V1_Section {
        .with {
            $0.sectionType = type
            $0.content = content
        }
    }

    static let cases: [Case] = [
        create("no words", "Send the words") { $0.sections = [] },
        create("sections and content", "not both") { $0.content = "more words" },
        create("an unknown section type", "type 'rap-break'") { $0.sections = [section("rap-break", "yo")] },
        create("a section without type", "has no type") { $0.sections = [section("", "words")] },
        create("an empty section", "has no content") { $0.sections = [section("verse", "   ")] },
        create("too many sections", "the most is 100") { $0.sections = Array(repeating: section("verse", "la"), count: 101) },
        create("a section too long", "the most is 10000") { $0.sections = [section("verse", String(repeating: "a", count: 10_001))] },
        create("a title too long", "the most is 255") { $0.title = String(repeating: "t", count: 256) },
        create("a repeated order", "is used twice") {
            $0.sections = [
                .with { $0.sectionType = "verse"; $0.content = "a"; $0.order = 1 },
                .with { $0.sectionType = "chorus"; $0.content = "b"; $0.order = 1 },
            ]
        },
        create("a bad rhyme scheme", "letters only") { $0.sections = [.with { $0.sectionType = "verse"; $0.content = "a"; $0.rhymeScheme = "A-B" }] },
        create("a score above 1", "scores are from 0 to 1") { $0.scores.quality = 1.5 },
        create("a bad language", "is not a language tag") { $0.language = "English" },
        create("created as published", "set by PublishLyrics") { $0.status = .published },
        create("a request id too long", "request_id has 129 characters") { $0.requestID = String(repeating: "r", count: 129) },
        create("a request id with a control character", "request_id contains control characters") { $0.requestID = "retry\n1" },
        Case(name: "a bad id", fragment: "is not a lyrics id") { lyrics, options, _ in
            _ = try await lyrics.getLyrics(.with { $0.id = "song-1" }, options: options)
        },
        Case(name: "an update without version", fragment: "version is required") { lyrics, options, song in
            _ = try await lyrics.updateLyrics(
                .with {
                    $0.id = song.id
                    $0.updateMask.paths = ["title"]
                }, options: options)
        },
        Case(name: "an update without mask", fragment: "update_mask is required") { lyrics, options, song in
            _ = try await lyrics.updateLyrics(
                .with {
                    $0.id = song.id
                    $0.version = song.version
                }, options: options)
        },
        Case(name: "an update of a field that cannot change", fragment: "cannot be changed here") { lyrics, options, song in
            _ = try await lyrics.updateLyrics(
                .with {
                    $0.id = song.id
                    $0.version = song.version
                    $0.updateMask.paths = ["view_count"]
                }, options: options)
        },
        Case(name: "a bad page token", fragment: "is not a token") { lyrics, options, _ in
            _ = try await lyrics.listMyLyrics(.with { $0.pageToken = "bm9wZQ" }, options: options)
        },
        Case(name: "a page too large", fragment: "page_size must be 1 to 100") { lyrics, options, _ in
            _ = try await lyrics.listPublicLyrics(.with { $0.pageSize = 101 }, options: options)
        },
        Case(name: "an empty search", fragment: "query is required") { lyrics, options, _ in
            _ = try await lyrics.searchLyrics(.with { $0.query = "  " }, options: options)
        },
        Case(name: "a created range backwards", fragment: "must be before") { lyrics, options, _ in
            _ = try await lyrics.listMyLyrics(
                .with {
                    $0.filter.createdAfter = Google_Protobuf_Timestamp(date: Date())
                    $0.filter.createdBefore = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-60))
                }, options: options)
        },
    ]

    @Test("Bad input is INVALID_ARGUMENT with a message that says what to fix", arguments: cases)
    func invalidArgument(_ testCase: Case) async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            await expectFailure(.invalidArgument, testCase.fragment) {
                try await testCase.call(harness.lyrics, AuthHarness.bearer(owner.token), song)
            }
        }
    }
}
