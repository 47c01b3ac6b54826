import AuthService
import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaRedis
import LyricaService
import LyricsService
import NIOCore
import PostgresNIO
import SwiftProtobuf
import Testing
import TestSupport

/// The auth and lyrics services running together (real stores, real TCP), sharing one Redis key
/// prefix so events flow between them, and a client for each.
struct LyricsHarness: Sendable {
    let auth: AuthHarness
    let host: ServiceHost<LyricsDefinition>
    let postgres: PostgresClient
    let client: RPCClient

    var lyrics: Lyrica_Lyrics_V1_LyricsService.Client { .init(wrapping: self.client) }
    var redis: RedisClient { self.host.runtime.redis }

    /// A new account: its id and an access token.
    func user() async throws -> (id: String, token: String) {
        let registered = try await self.auth.register()
        return (registered.user.id, registered.tokens.accessToken)
    }

    /// A new account holding the admin scope too.
    func admin() async throws -> String { try await self.auth.admin() }

    /// Creates a song of verse and chorus for `token`'s account.
    func create(
        _ token: String, title: String = "Night Drive", verse: String = "Headlights on the empty road\nCarry me where rivers flowed",
        configure: (inout Lyrica_Lyrics_V1_CreateLyricsRequest) -> Void = { _ in }
    ) async throws -> Lyrica_Lyrics_V1_Lyrics {
        var request = Lyrica_Lyrics_V1_CreateLyricsRequest.with {
            $0.title = title
            $0.sections = [
                .with {
                    $0.sectionType = "verse"
                    $0.content = verse
                },
                .with {
                    $0.sectionType = "chorus"
                    $0.content = "Drive, drive through the night"
                },
            ]
        }
        configure(&request)
        return try await self.lyrics.createLyrics(request, options: AuthHarness.bearer(token)).lyrics
    }

    /// Marks a song completed and publishes it.
    func publish(_ song: Lyrica_Lyrics_V1_Lyrics, token: String) async throws -> Lyrica_Lyrics_V1_Lyrics {
        let completed = try await self.lyrics.updateLyrics(
            .with {
                $0.id = song.id
                $0.version = song.version
                $0.lyrics.status = .completed
                $0.updateMask.paths = ["status"]
            }, options: AuthHarness.bearer(token)
        ).lyrics
        return try await self.lyrics.publishLyrics(.with { $0.id = completed.id }, options: AuthHarness.bearer(token)).lyrics
    }
}

func withLyricsService<Result: Sendable>(
    environment: [String: String] = [:], _ body: (LyricsHarness) async throws -> Result
) async throws -> Result {
    let redisURL = try TestServers.redisURL() + "?key_prefix=test:\(UUID().uuidString.lowercased()):"
    return try await withAuthService(redisURL: redisURL) { auth in
        var values = try await auth.environment(forService: "lyrics")
        values["VIEW_FLUSH_INTERVAL"] = "100ms"
        values.merge(environment) { $1 }
        return try await withServiceHost(LyricsDefinition.self, environment: values, redisURL: redisURL) { host, postgres in
            try await withClient(host) { client in
                try await body(LyricsHarness(auth: auth, host: host, postgres: postgres, client: client))
            }
        }
    }
}
