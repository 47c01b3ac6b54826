import AuthService
import AuthTestSupport
import FeedbackService
import Foundation
import GenerationService
import LyricaProtos
import LyricaRPC
import LyricaService
import LyricsService
import PostgresNIO
import RetrievalService
import SwiftProtobuf
import Testing
import TestSupport

/// Auth, lyrics, retrieval (with a small corpus) and generation running together on loopback
/// with real PostgreSQL and Redis, and a signed-in user.
struct GenerationHarness: Sendable {
    let auth: AuthHarness
    let generationHost: ServiceHost<GenerationDefinition>
    let client: RPCClient
    let lyricsClient: RPCClient
    let token: String
    let userID: String
    /// What another generation replica needs (database, Redis, endpoints, secret).
    let environment: [String: String]
    let databaseURL: String
    let postgres: PostgresClient
    /// The feedback service, when the harness was asked for it.
    let feedbackClient: RPCClient?

    var generation: Lyrica_Generation_V1_GenerationService.Client { .init(wrapping: self.client) }
    var lyrics: Lyrica_Lyrics_V1_LyricsService.Client { .init(wrapping: self.lyricsClient) }
    var user: CallOptions { AuthHarness.bearer(self.token) }
    var feedback: Lyrica_Feedback_V1_FeedbackService.Client? { self.feedbackClient.map { .init(wrapping: $0) } }

    /// Every event of a Generate call, and how it ended.
    func generate(_ request: Lyrica_Generation_V1_GenerationRequest) async throws -> [Lyrica_Generation_V1_GenerationEvent] {
        try await self.generation.generate(request, options: self.user) { events in
            var all: [Lyrica_Generation_V1_GenerationEvent] = []
            for try await event in events { all.append(event) }
            return all
        }
    }

    func watch(_ id: String, after: Int64 = 0) async throws -> [Lyrica_Generation_V1_GenerationEvent] {
        try await self.generation.watchGeneration(
            .with {
                $0.id = id
                $0.afterSequence = after
            }, options: self.user
        ) { events in
            var all: [Lyrica_Generation_V1_GenerationEvent] = []
            for try await event in events { all.append(event) }
            return all
        }
    }

    func start(_ request: Lyrica_Generation_V1_GenerationRequest) async throws -> Lyrica_Generation_V1_Generation {
        try await self.generation.startGeneration(.with { $0.request = request }, options: self.user).generation
    }

    func get(_ id: String) async throws -> Lyrica_Generation_V1_Generation {
        try await self.generation.getGeneration(.with { $0.id = id }, options: self.user).generation
    }

    /// Waits until the generation is in `status`.
    func waitFor(_ id: String, _ status: Lyrica_Generation_V1_GenerationStatus, timeout: Duration = .seconds(20)) async throws {
        try await eventually("generation \(id) is \(status)", timeout: timeout) { try await self.get(id).status == status }
    }
}

/// The lexicon Deploy/local/lexicon.sh installs (the test command exports its folder).
let lexiconDirectory = ProcessInfo.processInfo.environment["LYRICA_TEST_LEXICON"] ?? ".build/lexicon"

/// Passages for the researcher; the first one is the source a copied line would come from.
let corpus = [
    "The harbour lights are burning low, the sailors sing of home; we wait beside the silver sea and never walk alone.",
    "Summer rain upon the window, gardens drinking deep; the river carries every secret that the mountains keep.",
    "City lights and midnight trains, the station clock is slow; a stranger hums a quiet song of places we used to know.",
    "Autumn leaves are falling down, the orchard turning gold; we gather apples in the dusk before the nights grow cold.",
]

/// The four services (five `withFeedback`); `environment` adds generation settings (e.g. the
/// model backend).
func withGenerationService<Result: Sendable>(
    environment extra: [String: String] = [:], withFeedback: Bool = false, _ body: (GenerationHarness) async throws -> Result
) async throws -> Result {
    let redisURL = try TestServers.redisURL()
    return try await withAuthService(redisURL: redisURL) { auth in
        let admin = try await auth.admin()
        let registered = try await auth.register()
        return try await withServiceHost(LyricsDefinition.self, environment: try await auth.environment(forService: "lyrics"), redisURL: redisURL) {
            lyricsHost, _ in
            var retrievalEnvironment = try await auth.environment(forService: "retrieval")
            retrievalEnvironment["INDEX_POLL_INTERVAL"] = "50ms"
            return try await withServiceHost(RetrievalDefinition.self, environment: retrievalEnvironment, redisURL: redisURL) { retrievalHost, _ in
                try await withClient(retrievalHost) { retrievalClient in
                    let retrieval = Lyrica_Retrieval_V1_RetrievalService.Client(wrapping: retrievalClient)
                    for (index, passage) in corpus.enumerated() {
                        _ = try await retrieval.upsertDocument(
                            .with {
                                $0.document.content = passage
                                $0.document.externalID = "test:\(index)"
                            }, options: AuthHarness.bearer(admin))
                    }
                    var values = try await auth.environment(forService: "generation")
                    values["LYRICS_ENDPOINTS"] = "127.0.0.1:\(try await lyricsHost.server.listeningAddress.port!)"
                    values["RETRIEVAL_ENDPOINTS"] = "127.0.0.1:\(try await retrievalHost.server.listeningAddress.port!)"
                    values["LEXICON_DIR"] = lexiconDirectory
                    values["GENERATION_POLL_INTERVAL"] = "100ms"
                    values["USE_TASTE"] = withFeedback ? "true" : "false"
                    values.merge(extra) { $1 }
                    return try await withOptionalFeedback(withFeedback, auth: auth, lyricsHost: lyricsHost, redisURL: redisURL) { feedback in
                        if let feedback { values["FEEDBACK_ENDPOINTS"] = "127.0.0.1:\(feedback.port)" }
                        return try await withTestDatabase { postgres, databaseURL in
                            try await withServiceHost(GenerationDefinition.self, databaseURL: databaseURL, environment: values, redisURL: redisURL) { host in
                                try await withClient(host) { client in
                                    try await withClient(lyricsHost) { lyricsClient in
                                        try await body(
                                            GenerationHarness(
                                                auth: auth, generationHost: host, client: client, lyricsClient: lyricsClient,
                                                token: registered.tokens.accessToken, userID: registered.user.id,
                                                environment: values.merging(["REDIS_URL": redisURL]) { $1 }, databaseURL: databaseURL,
                                                postgres: postgres,
                                                feedbackClient: feedback?.client))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Runs `body` with the feedback service's port and a client of it, or nil without starting it.
private func withOptionalFeedback<Result: Sendable>(
    _ wanted: Bool, auth: AuthHarness, lyricsHost: ServiceHost<LyricsDefinition>, redisURL: String,
    _ body: ((port: Int, client: RPCClient)?) async throws -> Result
) async throws -> Result {
    guard wanted else { return try await body(nil) }
    var values = try await auth.environment(forService: "feedback")
    values["LYRICS_ENDPOINTS"] = "127.0.0.1:\(try await lyricsHost.server.listeningAddress.port!)"
    return try await withServiceHost(FeedbackDefinition.self, environment: values, redisURL: redisURL) { host, _ in
        let port = try await host.server.listeningAddress.port!
        return try await withClient(host) { client in try await body((port, client)) }
    }
}

/// A request with everything the tests care about fixed.
func songRequest(
    theme: String = "moonlit harbour", seed: UInt64 = 42, _ configure: (inout Lyrica_Generation_V1_GenerationRequest) -> Void = { _ in }
) -> Lyrica_Generation_V1_GenerationRequest {
    var request = Lyrica_Generation_V1_GenerationRequest.with {
        $0.prompt = "A hopeful song about the \(theme)"
        $0.theme = theme
        $0.genre = "pop"
        $0.mood = "hopeful"
        $0.seed = seed
    }
    configure(&request)
    return request
}
