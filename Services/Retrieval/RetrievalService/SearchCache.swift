import Foundation
package import Logging
import LyricaService
package import LyricaProtos
package import LyricaRedis
import SwiftProtobuf

/// Search answers in Redis (`vector_search:{sha256 of the request}`) for `ttl`, stamped with the
/// change the answering index had applied. An entry counts only for an index at that same
/// change: every write moves the change forward, so an answer computed before a write is never
/// served after it (the entry is overwritten or expires). A zero `ttl` turns the cache off.
package struct SearchCache: Sendable {
    package let redis: RedisClient
    package let ttl: Duration

    package init(redis: RedisClient, ttl: Duration) {
        self.redis = redis
        self.ttl = ttl
    }

    package func response(for request: Lyrica_Retrieval_V1_SearchRequest, space: String, change: Int64) async
        -> Lyrica_Retrieval_V1_SearchResponse?
    {
        guard self.ttl > .zero, let key = self.key(request, space: space),
            case .bulk(let bytes)? = try? await self.redis.send(["GET", RedisArgument(key)]), bytes.count >= 8
        else { return nil }
        let stamp = bytes.prefix(8).reduce(0) { $0 << 8 | Int64($1) }
        guard stamp == change else { return nil }
        return try? Lyrica_Retrieval_V1_SearchResponse(serializedBytes: Array(bytes.dropFirst(8)))
    }

    package func remember(
        _ response: Lyrica_Retrieval_V1_SearchResponse, for request: Lyrica_Retrieval_V1_SearchRequest, space: String, change: Int64,
        logger: Logger
    ) async {
        guard self.ttl > .zero, let key = self.key(request, space: space), let body: [UInt8] = try? response.serializedBytes() else { return }
        let stamp = (0..<8).map { UInt8(truncatingIfNeeded: change >> (56 - 8 * $0)) }
        do {
            _ = try await self.redis.send([
                "SET", RedisArgument(key), RedisArgument(bytes: stamp + body), "PX", RedisArgument(RedisClient.milliseconds(self.ttl)),
            ])
        } catch {
            logger.debug("Could not cache a search answer", metadata: ["error": "\(error)"])
        }
    }

    private func key(_ request: Lyrica_Retrieval_V1_SearchRequest, space: String) -> String? {
        guard let bytes: [UInt8] = try? request.serializedBytes() else { return nil }
        return self.redis.key("vector_search:" + sha256Hex(Array(space.utf8) + [0] + bytes))
    }
}
