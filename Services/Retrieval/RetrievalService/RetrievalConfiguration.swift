package import Foundation
package import Logging
import NIOCore
package import LyricaRPC
package import LyricaService
package import VectorIndex
package import Embedding

/// The retrieval service's own settings, beside the kit's `ServiceConfiguration`.
package struct RetrievalConfiguration: Sendable {
    /// `INDEX_M`, `INDEX_EF_CONSTRUCTION`, `INDEX_EF_SEARCH`: 16, 200 and 50 by default.
    package var index = HNSWIndex.Parameters()
    /// `INDEX_SNAPSHOT_PATH`: where the index is saved and restored from; unset, it is rebuilt
    /// from PostgreSQL at every start. `INDEX_SNAPSHOT_INTERVAL` (default 5 min) and
    /// `INDEX_POLL_INTERVAL` (how often the change log is read; default 250 ms).
    package var follower = IndexFollower.Settings()
    /// `EMBEDDER`: `auto` (the default: MiniLM when its weights are in `MINILM_DIR`, else the
    /// hashing embedder with a warning), `minilm` (all-MiniLM-L6-v2 in process; missing weights
    /// stop the start), `hashing` (built in, no files) or `openai` (an OpenAI-compatible
    /// `/v1/embeddings` endpoint: `EMBEDDING_URL`, `EMBEDDING_MODEL`, `EMBEDDING_API_KEY`,
    /// `EMBEDDING_TIMEOUT` (30 s), `EMBEDDING_BATCH` (64 texts per request)).
    package var embedder = "auto"
    /// `MINILM_DIR`: where `Deploy/local/minilm.sh` put the weights. Default /var/lib/lyrica/minilm.
    package var miniLMDirectory = URL(fileURLWithPath: "/var/lib/lyrica/minilm")
    /// `EMBEDDING_WORKERS`: threads MiniLM computes on. Default: one per core.
    package var embeddingWorkers = System.coreCount
    package var openAI: OpenAIEmbedder.Configuration?
    /// `EMBEDDING_DIMENSION`: of the hashing embedder, or what the endpoint's model returns. Default 384.
    package var dimension = 384
    /// `EMBEDDING_CACHE_TTL`: how long embeddings stay in Redis. Default 7 days; `0s` turns it off.
    package var embeddingCacheTTL: Duration = .seconds(7 * 24 * 3600)
    /// `SEARCH_CACHE_TTL`: how long search answers stay in Redis. Default 60 s; `0s` turns it off.
    package var searchCacheTTL: Duration = .seconds(60)

    package init() {}

    /// The configured embedder (without the Redis cache), saying which at start.
    package func makeEmbedder(logger: Logger) throws -> any Embedder {
        if let openAI = self.openAI { return OpenAIEmbedder(configuration: openAI) }
        switch self.embedder {
        case "minilm":
            return try MiniLMEmbedder(directory: self.miniLMDirectory, workers: self.embeddingWorkers)
        case "auto" where MiniLMEmbedder.isInstalled(in: self.miniLMDirectory):
            return try MiniLMEmbedder(directory: self.miniLMDirectory, workers: self.embeddingWorkers)
        case "auto":
            logger.warning(
                "MiniLM weights not found; embedding with the hashing embedder, which matches words, not meaning",
                metadata: ["minilm.dir": "\(self.miniLMDirectory.path)", "fix": "Deploy/local/minilm.sh \(self.miniLMDirectory.path)"])
            return HashingEmbedder(dimension: self.dimension)
        default:
            return HashingEmbedder(dimension: self.dimension)
        }
    }

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
        self.embedder = try environment.choice("EMBEDDER", ["auto", "minilm", "hashing", "openai"]) ?? "auto"
        if let path = environment.string("MINILM_DIR"), !path.isEmpty { self.miniLMDirectory = URL(fileURLWithPath: path) }
        if let workers = try environment.int("EMBEDDING_WORKERS", in: 1...256) { self.embeddingWorkers = workers }
        if self.embedder == "openai" {
            guard let url = environment.string("EMBEDDING_URL"), url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigurationError("EMBEDDER=openai needs EMBEDDING_URL, the API root such as http://127.0.0.1:8080/v1")
            }
            guard let model = environment.string("EMBEDDING_MODEL"), !model.isEmpty else {
                throw ConfigurationError("EMBEDDER=openai needs EMBEDDING_MODEL, the model name the endpoint expects")
            }
            var openAI = OpenAIEmbedder.Configuration(
                baseURL: url, model: model, apiKey: environment.string("EMBEDDING_API_KEY"), dimension: self.dimension)
            if let timeout = try environment.duration("EMBEDDING_TIMEOUT") {
                guard timeout > .zero else { throw ConfigurationError("EMBEDDING_TIMEOUT must be positive") }
                openAI.timeout = timeout
            }
            if let batch = try environment.int("EMBEDDING_BATCH", in: 1...2_048) { openAI.batchSize = batch }
            self.openAI = openAI
        }
        if let ttl = try environment.duration("EMBEDDING_CACHE_TTL") { self.embeddingCacheTTL = ttl }
        if let ttl = try environment.duration("SEARCH_CACHE_TTL") { self.searchCacheTTL = ttl }
    }
}
