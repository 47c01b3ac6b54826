import SwiftProtobuf
package import Foundation
import Logging
package import LyricaProtos
package import LyricaRPC
import NIOCore

/// The other services the agents call, as the generation service acting for the job's user
/// (service token + `lyrica-on-behalf-of`, from the task's RPC context), each call with its own
/// timeout inside the job's deadline. A service that is briefly unavailable (restarting) is
/// retried with backoff, so a job rides out a restart.
package struct Collaborators: Sendable {
    package let auth: RPCClient
    package let retrieval: RPCClient
    package let lyrics: RPCClient
    /// Where taste profiles come from; optional to the planner.
    package let feedback: RPCClient?
    package let callTimeout: Duration
    /// How long to keep retrying an unavailable service.
    package let retryWindow: Duration

    package init(
        auth: RPCClient, retrieval: RPCClient, lyrics: RPCClient, feedback: RPCClient?, callTimeout: Duration,
        retryWindow: Duration = .seconds(15)
    ) {
        self.auth = auth
        self.retrieval = retrieval
        self.lyrics = lyrics
        self.feedback = feedback
        self.callTimeout = callTimeout
        self.retryWindow = retryWindow
    }

    private var options: CallOptions {
        CallOptions(timeout: TimeAmount(self.callTimeout))
    }

    /// The user's saved preferences.
    package func preferences() async throws -> Lyrica_Auth_V1_Preferences {
        try await self.retrying("auth") {
            try await Lyrica_Auth_V1_AuthService.Client(wrapping: self.auth).getPreferences(.init(), options: self.options).preferences
        }
    }

    /// The genres, moods and tags the user rates highest; one try, no retries: the planner goes
    /// on without it when the feedback service cannot answer.
    package func taste() async throws -> Lyrica_Feedback_V1_TasteProfile? {
        guard let feedback = self.feedback else { return nil }
        return try await Lyrica_Feedback_V1_FeedbackService.Client(wrapping: feedback).getTasteProfile(.init(), options: self.options).profile
    }

    /// The passages nearest the theme.
    package func search(_ text: String, k: Int) async throws -> [Lyrica_Retrieval_V1_SearchResult] {
        try await self.retrying("retrieval") {
            try await Lyrica_Retrieval_V1_RetrievalService.Client(wrapping: self.retrieval).search(
                .with {
                    $0.text = text
                    $0.k = Int32(k)
                    $0.include = [.chunkText]
                }, options: self.options
            ).results
        }
    }

    /// Vectors in the retrieval index's space.
    package func embed(_ texts: [String]) async throws -> [[Float]] {
        try await self.retrying("retrieval") {
            try await Lyrica_Retrieval_V1_RetrievalService.Client(wrapping: self.retrieval).embed(.with { $0.texts = texts }, options: self.options)
                .vectors.map(\.values)
        }
    }

    package func createLyrics(_ request: Lyrica_Lyrics_V1_CreateLyricsRequest) async throws -> Lyrica_Lyrics_V1_Lyrics {
        try await self.retrying("lyrics") {
            try await Lyrica_Lyrics_V1_LyricsService.Client(wrapping: self.lyrics).createLyrics(request, options: self.options).lyrics
        }
    }

    /// Runs `call` again while it fails UNAVAILABLE, for up to `retryWindow`; other failures
    /// name the service they came from.
    private func retrying<Result: Sendable>(_ service: String, _ call: () async throws -> Result) async throws -> Result {
        let giveUp = ContinuousClock.now + self.retryWindow
        var delay = Duration.milliseconds(100)
        while true {
            do {
                return try await call()
            } catch let error as RPCError where error.code == .unavailable && ContinuousClock.now + delay < giveUp {
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            } catch let error as RPCError {
                throw RPCError(error.code, "The \(service) service: \(error.message)", cause: error)
            }
        }
    }
}
