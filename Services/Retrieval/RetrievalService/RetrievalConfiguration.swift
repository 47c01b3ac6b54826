import Foundation
package import LyricaRPC
package import LyricaService
package import VectorIndex

/// The retrieval service's own settings, beside the kit's `ServiceConfiguration`.
package struct RetrievalConfiguration: Sendable {
    /// `INDEX_M`, `INDEX_EF_CONSTRUCTION`, `INDEX_EF_SEARCH`: 16, 200 and 50 by default.
    package var index = HNSWIndex.Parameters()
    /// `INDEX_SNAPSHOT_PATH`: where the index is saved and restored from; unset, it is rebuilt
    /// from PostgreSQL at every start. `INDEX_SNAPSHOT_INTERVAL` (default 5 min) and
    /// `INDEX_POLL_INTERVAL` (how often the change log is read; default 250 ms).
    package var follower = IndexFollower.Settings()
    /// `EMBEDDING_DIMENSION` of the built-in hashing embedder. Default 384.
    package var dimension = 384
    /// `EMBEDDING_CACHE_TTL`: how long embeddings stay in Redis. Default 7 days; `0s` turns it off.
    package var embeddingCacheTTL: Duration = .seconds(7 * 24 * 3600)
    /// `SEARCH_CACHE_TTL`: how long search answers stay in Redis. Default 60 s; `0s` turns it off.
    package var searchCacheTTL: Duration = .seconds(60)

    package init() {}

    package init(environment: Environment) throws(ConfigurationError) {
        if let m = try environment.int("INDEX_M", in: 2...128) { self.index.m = m }
        if let ef = try environment.int("INDEX_EF_CONSTRUCTION", in: 10...4_000) { self.index.efConstruction = ef }
        if let ef = try environment.int("INDEX_EF_SEARCH", in: 1...1_000) { self.index.efSearch = ef }
        if let path = environment.string("INDEX_SNAPSHOT_PATH"), !path.isEmpty { self.follower.snapshotURL = URL(fileURLWithPath: path) }
        if let interval = try environment.duration("INDEX_SNAPSHOT_INTERVAL") {
            guard interval > .zero else { throw ConfigurationError("INDEX_SNAPSHOT_INTERVAL must be positive") }
            self.follower.snapshotInterval = interval
        }
        if let interval = try environment.duration("INDEX_POLL_INTERVAL") {
            guard interval > .zero else { throw ConfigurationError("INDEX_POLL_INTERVAL must be positive") }
            self.follower.pollInterval = interval
        }
        if let dimension = try environment.int("EMBEDDING_DIMENSION", in: 8...4_096) { self.dimension = dimension }
        if let ttl = try environment.duration("EMBEDDING_CACHE_TTL") { self.embeddingCacheTTL = ttl }
        if let ttl = try environment.duration("SEARCH_CACHE_TTL") { self.searchCacheTTL = ttl }
    }
}
