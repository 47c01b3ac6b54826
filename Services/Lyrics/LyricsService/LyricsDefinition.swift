package import ArgumentParser
import Foundation
package import LyricaPostgres
import LyricaProtos
import LyricaRPC
package import LyricaService

/// The lyrics service on the service kit: `lyrica-lyrics`.
package struct LyricsDefinition: LyricaServiceDefinition {
    package static let name = "lyrics"
    package static let defaultRPCPort = 7102
    package static let defaultAdminPort = 9102
    package static let usesEvents = true

    package static func migrations() throws -> [Migration] {
        try Migration.load(bundle: .module, owner: "the lyrics service")
    }

    package static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        let configuration = try LyricsConfiguration(environment: runtime.configuration.environment)
        let store = LyricsStore(postgres: runtime.postgres)
        let views = ViewCounter(redis: runtime.redis, store: store, interval: configuration.viewFlushInterval, logger: runtime.logger)
        let cache = LyricsCache(redis: runtime.redis, ttl: configuration.cacheTTL)
        let service = LyricsService(store: store, cache: cache, views: views)
        let events = LyricsEvents(store: store, cache: cache)
        let consumer = EventConsumer(
            group: Self.name, topics: LyricsEvents.topics, schema: Self.name, postgres: runtime.postgres, redis: runtime.redis,
            logger: runtime.logger
        ) { event, connection, logger in try await events.handle(event, on: connection, logger: logger) }
        let relay = OutboxRelay(
            outbox: Outbox(schema: Self.name), source: Self.name, postgres: runtime.postgres, redis: runtime.redis, logger: runtime.logger)
        return ServiceParts(
            rpcServices: [service], interceptors: [try runtime.authInterceptor(policy: .lyrics)], background: [relay, consumer, views])
    }
}

extension AuthPolicy {
    /// Who may call each LyricsService method; ownership is checked by the handlers.
    package static let lyrics = AuthPolicy([
        Lyrica_Lyrics_V1_LyricsService.Method.getLyrics: .scope(.read),
        Lyrica_Lyrics_V1_LyricsService.Method.listMyLyrics: .scope(.read),
        Lyrica_Lyrics_V1_LyricsService.Method.listPublicLyrics: .scope(.read),
        Lyrica_Lyrics_V1_LyricsService.Method.searchLyrics: .scope(.read),
        Lyrica_Lyrics_V1_LyricsService.Method.listRevisions: .scope(.read),
        Lyrica_Lyrics_V1_LyricsService.Method.getRevision: .scope(.read),
        Lyrica_Lyrics_V1_LyricsService.Method.createLyrics: .scope(.write),
        Lyrica_Lyrics_V1_LyricsService.Method.updateLyrics: .scope(.write),
        Lyrica_Lyrics_V1_LyricsService.Method.updateSection: .scope(.write),
        Lyrica_Lyrics_V1_LyricsService.Method.deleteLyrics: .scope(.write),
        Lyrica_Lyrics_V1_LyricsService.Method.publishLyrics: .scope(.write),
        Lyrica_Lyrics_V1_LyricsService.Method.archiveLyrics: .scope(.write),
    ])
}
