package import ArgumentParser
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

    package static var commands: [any ParsableCommand.Type] { [ReembedCommand.self] }

    package static func migrations() throws -> [Migration] {
        try Migration.load(bundle: .module, owner: "the retrieval service")
    }

    package static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        let configuration = try RetrievalConfiguration(environment: runtime.configuration.environment)
        let embedder = CachedEmbedder(base: try configuration.makeEmbedder(logger: runtime.logger), redis: runtime.redis, ttl: configuration.embeddingCacheTTL, logger: runtime.logger)
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
        Lyrica_Retrieval_V1_RetrievalService.Method.embed: .scope(.read),
        Lyrica_Retrieval_V1_RetrievalService.Method.addDocuments: .scope(.admin),
        Lyrica_Retrieval_V1_RetrievalService.Method.upsertDocument: .scope(.admin),
        Lyrica_Retrieval_V1_RetrievalService.Method.deleteDocument: .scope(.admin),
    ])
}

/// `lyrica-retrieval reembed`: after a change of embedder (or of its model), rewrites every
/// document whose chunks are in another vector space with the configured embedder. The running
/// replicas pick the rewrites up from the change log; until then those documents are not found.
struct ReembedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reembed", abstract: "Re-embed the documents embedded in another vector space than the configured embedder's.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        try await self.options.withPostgres(for: RetrievalDefinition.self, task: "reembed") { client, logger in
            let configuration = try RetrievalConfiguration(environment: Environment())
            let store = DocumentStore(postgres: client)
            let writer = DocumentWriter(store: store, embedder: try configuration.makeEmbedder(logger: logger))
            var after: UUID?
            var rewritten = 0
            while true {
                let ids = try await store.documents(outsideSpace: writer.embedder.space, after: after, limit: 64, logger: logger)
                guard let last = ids.last else { break }
                var drafts: [DocumentDraft] = []
                for id in ids {
                    guard let document = try await store.document(id: id, logger: logger) else { continue }  // deleted meanwhile
                    drafts.append(try DocumentDraft(document))
                }
                rewritten += try await writer.write(drafts, logger: logger).written.count
                after = last
                print("re-embedded \(rewritten) documents")
            }
            print("Every document is in \(writer.embedder.space) (\(rewritten) re-embedded)")
        }
    }
}
