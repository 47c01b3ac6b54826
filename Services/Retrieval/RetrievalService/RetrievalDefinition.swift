import ArgumentParser
import Embedding
import Foundation
import Logging
package import LyricaPostgres
import LyricaProtos
import LyricaRPC
package import LyricaService
import VectorIndex

/// The retrieval service on the service kit: `lyrica-retrieval`.
package struct RetrievalDefinition: LyricaServiceDefinition {
    package static let name = "retrieval"
    package static let defaultRPCPort = 7104
    package static let defaultAdminPort = 9104

    package static func migrations() throws -> [Migration] {
        try Migration.load(bundle: .module, owner: "the retrieval service")
    }

    package static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        let configuration = try RetrievalConfiguration(environment: runtime.configuration.environment)
        let base: any Embedder = configuration.openAI.map { OpenAIEmbedder(configuration: $0) } ?? HashingEmbedder(dimension: configuration.dimension)
        let embedder = CachedEmbedder(base: base, redis: runtime.redis, ttl: configuration.embeddingCacheTTL, logger: runtime.logger)
        let store = DocumentStore(postgres: runtime.postgres)
        let vectors = IndexFollower.restore(
            from: configuration.follower.snapshotURL, dimension: embedder.dimension, parameters: configuration.index, logger: runtime.logger)
        let follower = IndexFollower(
            index: ChunkIndex(vectors: vectors), store: store, space: embedder.space, settings: configuration.follower, logger: runtime.logger)
        let service = RetrievalService(
            store: store, follower: follower, embedder: embedder, searchCache: SearchCache(redis: runtime.redis, ttl: configuration.searchCacheTTL))
        runtime.logger.info("Embedding with \(embedder.space)")
        return ServiceParts(
            rpcServices: [service], interceptors: [try runtime.authInterceptor(policy: .retrieval)], background: [follower],
            readiness: [IndexReadiness(follower: follower)])
    }
}

/// `/readyz` fails until the index has loaded from PostgreSQL.
struct IndexReadiness: ReadinessCheck {
    let follower: IndexFollower
    var name: String { "index" }

    func check() async throws {
        guard await self.follower.applied != nil else { throw RetrievalError.indexLoading.rpcError }
    }
}

extension AuthPolicy {
    /// Reads need the read scope; changing the corpus needs admin.
    package static let retrieval = AuthPolicy([
        Lyrica_Retrieval_V1_RetrievalService.Method.search: .scope(.read),
        Lyrica_Retrieval_V1_RetrievalService.Method.getDocument: .scope(.read),
        Lyrica_Retrieval_V1_RetrievalService.Method.listDocuments: .scope(.read),
        Lyrica_Retrieval_V1_RetrievalService.Method.stats: .scope(.read),
        Lyrica_Retrieval_V1_RetrievalService.Method.addDocuments: .scope(.admin),
        Lyrica_Retrieval_V1_RetrievalService.Method.upsertDocument: .scope(.admin),
        Lyrica_Retrieval_V1_RetrievalService.Method.deleteDocument: .scope(.admin),
    ])
}
