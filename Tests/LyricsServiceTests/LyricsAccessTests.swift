import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import LyricsService
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Lyrics: who may read and write", .timeLimit(.minutes(1)))
struct LyricsAccessTests {
    @Test("Another user's private song is NOT_FOUND for reads and writes, exactly like a missing one")
    func privateSongsAreInvisible() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let other = try await harness.user()
            let song = try await harness.create(owner.token)
            let hidden = await expectFailure(.notFound) {
                _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(other.token))
            }
            let missingID = UUID().uuidString.lowercased()
            let missing = await expectFailure(.notFound) {
                _ = try await harness.lyrics.getLyrics(.with { $0.id = missingID }, options: AuthHarness.bearer(other.token))
            }
            #expect(hidden?.message.replacingOccurrences(of: song.id, with: "ID") == missing?.message.replacingOccurrences(of: missingID, with: "ID"))
            await expectFailure(.notFound) {
                _ = try await harness.lyrics.updateLyrics(
                    .with {
                        $0.id = song.id
                        $0.version = 1
                        $0.lyrics.title = "mine now"
                        $0.updateMask.paths = ["title"]
                    }, options: AuthHarness.bearer(other.token))
            }
            await expectFailure(.notFound) {
                _ = try await harness.lyrics.deleteLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(other.token))
            }
            await expectFailure(.notFound) {
                _ = try await harness.lyrics.listRevisions(.with { $0.lyricsID = song.id }, options: AuthHarness.bearer(other.token))
            }
        }
    }

    @Test("A published song is readable by anyone signed in, and still only its owner changes it")
    func publicSongs() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let other = try await harness.user()
            let song = try await harness.publish(try await harness.create(owner.token), token: owner.token)
            let read = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(other.token)).lyrics
            #expect(read.title == song.title)
            await expectFailure(.permissionDenied, "Only the owner") {
                _ = try await harness.lyrics.archiveLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(other.token))
            }
            await expectFailure(.unauthenticated) { _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }) }
        }
    }

    @Test("The admin scope reads private songs and may archive or delete them")
    func adminModerates() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let admin = try await harness.admin()
            let song = try await harness.create(owner.token)
            _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(admin))
            _ = try await harness.lyrics.archiveLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(admin))
            _ = try await harness.lyrics.deleteLyrics(.with { $0.id = song.id }, options: AuthHarness.bearer(admin))
        }
    }

    @Test("A read-only API key reads but cannot write")
    func readOnlyKey() async throws {
        try await withLyricsService { harness in
            let owner = try await harness.user()
            let song = try await harness.create(owner.token)
            let key = try await harness.auth.createApiKey(token: owner.token, scopes: ["read"]).secret
            _ = try await harness.lyrics.getLyrics(.with { $0.id = song.id }, options: AuthHarness.apiKey(key))
            await expectFailure(.permissionDenied, "'write' scope") {
                _ = try await harness.lyrics.deleteLyrics(.with { $0.id = song.id }, options: AuthHarness.apiKey(key))
            }
        }
    }

    @Test("Every LyricsService method has an access rule")
    func policyCoversEveryMethod() {
        #expect(AuthPolicy.lyrics.uncovered(Lyrica_Lyrics_V1_LyricsService.Method.all).isEmpty)
    }
}
