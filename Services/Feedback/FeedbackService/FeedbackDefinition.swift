package import ArgumentParser
import Foundation
package import LyricaPostgres
import LyricaProtos
import LyricaRPC
package import LyricaService

/// The feedback service on the service kit: `lyrica-feedback`.
package struct FeedbackDefinition: LyricaServiceDefinition {
    package static let name = "feedback"
    package static let defaultRPCPort = 7105
    package static let defaultAdminPort = 9105
    package static let usesEvents = true

    package static func migrations() throws -> [Migration] {
        try Migration.load(bundle: .module, owner: "the feedback service")
    }

    package static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        let configuration = try FeedbackConfiguration(environment: runtime.configuration.environment)
        let store = FeedbackStore(postgres: runtime.postgres)
        let popularity = Popularity(redis: runtime.redis, store: store, window: configuration.popularWindow, size: configuration.popularSize)
        let summaries = MessageCache<Lyrica_Feedback_V1_LyricsSummary>(
            redis: runtime.redis, prefix: "feedback:summary:", ttl: configuration.summaryCacheTTL)
        let directory = LyricsDirectory(client: try runtime.client(for: "lyrics", defaultPort: 7102), callTimeout: configuration.callTimeout)
        let writes = MinuteQuota(redis: runtime.redis, action: "feedback", perMinute: configuration.writesPerMinute) {
            "You wrote feedback \($0) times"
        }
        let service = FeedbackService(store: store, directory: directory, popularity: popularity, summaries: summaries, writes: writes)
        let events = FeedbackEvents(store: store, popularity: popularity)
        let consumer = EventConsumer(
            group: Self.name, topics: FeedbackEvents.topics, schema: Self.name, postgres: runtime.postgres, redis: runtime.redis,
            logger: runtime.logger
        ) { event, connection, logger in try await events.handle(event, on: connection, logger: logger) }
        let relay = OutboxRelay(
            outbox: Outbox(schema: Self.name), source: Self.name, postgres: runtime.postgres, redis: runtime.redis, logger: runtime.logger)
        let rebuilder = PopularityRebuilder(popularity: popularity, interval: configuration.popularRebuildInterval, logger: runtime.logger)
        return ServiceParts(
            rpcServices: [service], interceptors: [try runtime.authInterceptor(policy: .feedback)], background: [relay, consumer, rebuilder])
    }
}

extension AuthPolicy {
    /// Who may call each FeedbackService method; every method acts on the caller's own feedback
    /// or on songs the caller can read.
    package static let feedback = AuthPolicy([
        Lyrica_Feedback_V1_FeedbackService.Method.submitFeedback: .scope(.write),
        Lyrica_Feedback_V1_FeedbackService.Method.deleteFeedback: .scope(.write),
        Lyrica_Feedback_V1_FeedbackService.Method.getMyFeedback: .scope(.read),
        Lyrica_Feedback_V1_FeedbackService.Method.getLyricsSummary: .scope(.read),
        Lyrica_Feedback_V1_FeedbackService.Method.listPopular: .scope(.read),
        Lyrica_Feedback_V1_FeedbackService.Method.listMyLiked: .scope(.read),
        Lyrica_Feedback_V1_FeedbackService.Method.listMySaved: .scope(.read),
        Lyrica_Feedback_V1_FeedbackService.Method.getTasteProfile: .scope(.read),
    ])
}
