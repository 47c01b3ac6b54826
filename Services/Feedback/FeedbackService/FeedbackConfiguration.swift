package import LyricaRPC
package import LyricaService

/// The feedback service's own settings, beside the kit's `ServiceConfiguration`.
package struct FeedbackConfiguration: Sendable {
    /// `POPULAR_WINDOW`: how far back feedback counts towards popularity. Default 7 days.
    package var popularWindow: Duration = .seconds(7 * 86_400)
    /// `POPULAR_REBUILD_INTERVAL`: how often `popular_lyrics` is rebuilt from PostgreSQL (old
    /// feedback leaves the window; anything Redis missed comes back). Default 5 minutes.
    package var popularRebuildInterval: Duration = .seconds(300)
    /// `POPULAR_SIZE`: songs kept in the sorted set, best first. Default 1,000.
    package var popularSize = 1_000
    /// `FEEDBACK_WRITES_PER_MINUTE`: SubmitFeedback and DeleteFeedback calls per user. Default 120.
    package var writesPerMinute = 120
    /// `SUMMARY_CACHE_TTL`: how long GetLyricsSummary answers stay in Redis (keyed by the song's
    /// feedback write count, so never stale; `0s` turns the cache off). Default 5 minutes.
    package var summaryCacheTTL: Duration = .seconds(300)
    /// `CALL_TIMEOUT`: each call to the lyrics service. Default 5 s.
    package var callTimeout: Duration = .seconds(5)

    package init() {}

    package init(environment: Environment) throws(ConfigurationError) {
        if let window = try environment.duration("POPULAR_WINDOW") {
            guard window >= .seconds(60) else { throw ConfigurationError("POPULAR_WINDOW must be at least 1m") }
            self.popularWindow = window
        }
        if let interval = try environment.duration("POPULAR_REBUILD_INTERVAL") {
            guard interval > .zero else { throw ConfigurationError("POPULAR_REBUILD_INTERVAL must be positive") }
            self.popularRebuildInterval = interval
        }
        if let size = try environment.int("POPULAR_SIZE", in: 10...100_000) { self.popularSize = size }
        if let writes = try environment.int("FEEDBACK_WRITES_PER_MINUTE", in: 1...1_000_000) { self.writesPerMinute = writes }
        if let ttl = try environment.duration("SUMMARY_CACHE_TTL") { self.summaryCacheTTL = ttl }
        if let timeout = try environment.duration("CALL_TIMEOUT") {
            guard timeout > .zero else { throw ConfigurationError("CALL_TIMEOUT must be positive") }
            self.callTimeout = timeout
        }
    }
}
