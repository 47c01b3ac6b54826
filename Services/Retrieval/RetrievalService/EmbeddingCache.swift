package import Embedding
import Foundation
package import Logging
import LyricaService
package import LyricaRedis

/// An embedder that remembers vectors in Redis (`embedding:{sha256 of space and text}`, float32
/// little-endian) for `ttl`: one MGET for a batch, the misses embedded together and stored in
/// one pipeline. Redis being down only costs the cache; a zero `ttl` turns it off.
package struct CachedEmbedder: Embedder {
    package let base: any Embedder
    package let redis: RedisClient
    package let ttl: Duration
    private let logger: Logger

    package init(base: any Embedder, redis: RedisClient, ttl: Duration, logger: Logger) {
        self.base = base
        self.redis = redis
        self.ttl = ttl
        self.logger = logger
    }

    package var space: String { self.base.space }
    package var dimension: Int { self.base.dimension }

    package func embed(_ texts: [String]) async throws -> [[Float]] {
        guard self.ttl > .zero, !texts.isEmpty else { return try await self.base.embed(texts) }
        let keys = texts.map { RedisArgument(self.redis.key(self.key($0))) }
        var vectors: [[Float]?] = Array(repeating: nil, count: texts.count)
        if case .array(let cached)? = try? await self.redis.send(["MGET"] + keys) {
            for (position, value) in cached.enumerated() where position < texts.count {
                if case .bulk(let bytes) = value, bytes.count == self.dimension * 4 { vectors[position] = VectorBytes.vector(bytes) }
            }
        }
        let missing = vectors.indices.filter { vectors[$0] == nil }
        guard !missing.isEmpty else { return vectors.map { $0! } }
        let embedded = try await self.base.embed(missing.map { texts[$0] })
        let milliseconds = RedisArgument(RedisClient.milliseconds(self.ttl))
        var writes: [[RedisArgument]] = []
        for (offset, position) in missing.enumerated() {
            vectors[position] = embedded[offset]
            writes.append(["SET", keys[position], RedisArgument(bytes: VectorBytes.bytes(embedded[offset])), "PX", milliseconds])
        }
        do { _ = try await self.redis.pipeline(writes) } catch {
            self.logger.debug("Could not cache embeddings", metadata: ["error": "\(error)"])
        }
        return vectors.map { $0! }
    }

    private func key(_ text: String) -> String {
        "embedding:" + sha256Hex(Array((self.space + "\n" + text).utf8))
    }
}
