package import LyricaRPC
package import LyricaService

/// The lyrics service's own settings, beside the kit's `ServiceConfiguration`.
package struct LyricsConfiguration: Sendable {
    /// How long GetLyrics answers stay in Redis (`LYRICS_CACHE_TTL`; `0s` turns the cache off).
    /// Default 5 minutes.
    package var cacheTTL: Duration = .seconds(300)
    /// How often view counts move from Redis to PostgreSQL (`VIEW_FLUSH_INTERVAL`). Default 5 s.
    package var viewFlushInterval: Duration = .seconds(5)

    package init() {}

    package init(environment: Environment) throws(ConfigurationError) {
        if let ttl = try environment.duration("LYRICS_CACHE_TTL") { self.cacheTTL = ttl }
        if let interval = try environment.duration("VIEW_FLUSH_INTERVAL") {
            guard interval > .zero else { throw ConfigurationError("VIEW_FLUSH_INTERVAL must be positive") }
            self.viewFlushInterval = interval
        }
    }
}
