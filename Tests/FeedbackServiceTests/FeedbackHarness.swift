import AuthService
import AuthTestSupport
import FeedbackService
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

/// Auth, lyrics and feedback running together on loopback (real PostgreSQL, real Redis under one
/// key prefix so events flow between them), with a client for lyrics and feedback.
struct FeedbackHarness: Sendable {
    let auth: AuthHarness
    let host: ServiceHost<FeedbackDefinition>
    let postgres: PostgresClient
    let client: RPCClient
    let lyricsClient: RPCClient

    var feedback: Lyrica_Feedback_V1_FeedbackService.Client { .init(wrapping: self.client) }
    var lyrics: Lyrica_Lyrics_V1_LyricsService.Client { .init(wrapping: self.lyricsClient) }
    var redis: RedisClient { self.host.runtime.redis }

    /// A new account: its id and access token.
    func user() async throws -> (id: String, token: String) {
        let registered = try await self.auth.register()
        return (registered.user.id, registered.tokens.accessToken)
    }

    /// A song owned by `token`'s account, published unless `published` is false.
    func song(
        _ token: String, title: String = "Harbour Lights", genre: String = "folk", mood: String = "hopeful", published: Bool = true
    ) async throws -> Lyrica_Lyrics_V1_Lyrics {
        let created = try await self.lyrics.createLyrics(
            .with {
                $0.title = title
                $0.genre = genre
                $0.mood = mood
                $0.sections = [
                    .with {
                        $0.sectionType = "verse"
                        $0.content = "Lanterns swing above the quay\nThe tide comes home to me"
                    }
                ]
                $0.status = published ? .completed : .draft
            }, options: AuthHarness.bearer(token)
        ).lyrics
        guard published else { return created }
        return try await self.lyrics.publishLyrics(.with { $0.id = created.id }, options: AuthHarness.bearer(token)).lyrics
    }

    /// Submits feedback on `lyricsID` as `token`'s user.
    @discardableResult
    func submit(
        _ token: String, _ lyricsID: String, _ configure: (inout Lyrica_Feedback_V1_SubmitFeedbackRequest) -> Void
    ) async throws -> Lyrica_Feedback_V1_SubmitFeedbackResponse {
        var request = Lyrica_Feedback_V1_SubmitFeedbackRequest.with { $0.lyricsID = lyricsID }
        configure(&request)
        return try await self.feedback.submitFeedback(request, options: AuthHarness.bearer(token))
    }

    func summary(_ token: String, _ lyricsID: String) async throws -> Lyrica_Feedback_V1_LyricsSummary {
        try await self.feedback.getLyricsSummary(.with { $0.lyricsID = lyricsID }, options: AuthHarness.bearer(token)).summary
    }

    func popular(_ token: String, pageSize: Int32 = 20, pageToken: String = "") async throws -> Lyrica_Feedback_V1_ListPopularResponse {
        try await self.feedback.listPopular(
            .with {
                $0.pageSize = pageSize
                $0.pageToken = pageToken
            }, options: AuthHarness.bearer(token))
    }

    /// The song's like count as the lyrics service shows it.
    func likeCount(_ token: String, _ lyricsID: String) async throws -> Int64 {
        try await self.lyrics.getLyrics(.with { $0.id = lyricsID }, options: AuthHarness.bearer(token)).lyrics.likeCount
    }
}

/// The three services; `environment` adds feedback settings.
func withFeedbackService<Result: Sendable>(
    environment extra: [String: String] = [:], _ body: (FeedbackHarness) async throws -> Result
) async throws -> Result {
    let redisURL = try TestServers.redisURL() + "?key_prefix=test:\(UUID().uuidString.lowercased()):"
    return try await withAuthService(redisURL: redisURL) { auth in
        try await withServiceHost(LyricsDefinition.self, environment: try await auth.environment(forService: "lyrics"), redisURL: redisURL) {
            lyricsHost, _ in
            var values = try await auth.environment(forService: "feedback")
            values["LYRICS_ENDPOINTS"] = "127.0.0.1:\(try await lyricsHost.server.listeningAddress.port!)"
            values.merge(extra) { $1 }
            return try await withServiceHost(FeedbackDefinition.self, environment: values, redisURL: redisURL) { host, postgres in
                try await withClient(host) { client in
                    try await withClient(lyricsHost) { lyricsClient in
                        try await body(FeedbackHarness(auth: auth, host: host, postgres: postgres, client: client, lyricsClient: lyricsClient))
                    }
                }
            }
        }
    }
}
