package import Embedding
import Foundation
import Logging
package import LyricaProtos
package import LyricaRPC
package import LyricaText
import LyricaService
import SwiftProtobuf
import VectorIndex

/// Serves lyrica.retrieval.v1.RetrievalService: checks requests, embeds, writes through the
/// store and waits for this replica's index to apply the write; searches the index and fills
/// the results in from PostgreSQL.
package struct RetrievalService: Lyrica_Retrieval_V1_RetrievalService.ServiceProtocol {
    package let store: DocumentStore
    package let follower: IndexFollower
    package let embedder: any Embedder
    package let searchCache: SearchCache
    package var chunker = Chunker()

    package init(store: DocumentStore, follower: IndexFollower, embedder: any Embedder, searchCache: SearchCache) {
        self.store = store
        self.follower = follower
        self.embedder = embedder
        self.searchCache = searchCache
    }

    var index: ChunkIndex { self.follower.index }
    var writer: DocumentWriter { DocumentWriter(store: self.store, embedder: self.embedder) }

    // MARK: Writing

    /// A bulk load commits in batches of up to this many documents or `batchBytes` of content.
    static let batchDocuments = 256
    static let batchBytes = 4 << 20

    package func addDocuments(
        _ requests: RPCStream<Lyrica_Retrieval_V1_AddDocumentsRequest>, responses: RPCWriter<Lyrica_Retrieval_V1_AddDocumentsResponse>,
        context: RPCContext
    ) async throws {
        var progress = Lyrica_Retrieval_V1_AddDocumentsResponse()
        var batch: [DocumentDraft] = []
        var batchBytes = 0
        var lastChange: Int64?
        func commit() async throws {
            guard !batch.isEmpty else { return }
            let (written, change) = try await self.writer.write(batch, logger: context.logger)
            batch.removeAll()
            batchBytes = 0
            progress.committed += Int64(written.count)
            for outcome in written.map(\.outcome) {
                switch outcome {
                case .created: progress.created += 1
                case .replaced: progress.replaced += 1
                case .unchanged: progress.unchanged += 1
                }
            }
            progress.chunks += Int64(written.reduce(0) { $0 + $1.chunks })
            lastChange = change ?? lastChange
            try await responses.write(progress)
        }
        for try await request in requests {
            progress.received += 1
            let draft: DocumentDraft
            do {
                draft = try DocumentDraft(request.document, position: "document \(progress.received)", chunker: self.chunker)
            } catch {
                // Everything before the bad document is kept, and the caller hears how much that is.
                try await commit()
                throw error
            }
            batch.append(draft)
            batchBytes += draft.content.utf8.count
            if batch.count >= Self.batchDocuments || batchBytes >= Self.batchBytes { try await commit() }
        }
        try await commit()
        if let lastChange { await self.follower.catchUp(to: lastChange) }
        progress.done = true
        try await responses.write(progress)
    }

    package func upsertDocument(_ request: Lyrica_Retrieval_V1_UpsertDocumentRequest, context: RPCContext) async throws
        -> Lyrica_Retrieval_V1_UpsertDocumentResponse
    {
        let draft = try DocumentDraft(request.document, chunker: self.chunker)
        let (written, change) = try await self.writer.write([draft], logger: context.logger)
        if let change { await self.follower.catchUp(to: change) }
        guard let result = written.first, let document = try await self.store.document(id: result.id, logger: context.logger) else {
            throw RetrievalError.documentNotFound(draft.id?.uuidString.lowercased() ?? "")
        }
        return .with {
            $0.document = document
            $0.created = result.outcome == .created
        }
    }

    package func deleteDocument(_ request: Lyrica_Retrieval_V1_DeleteDocumentRequest, context: RPCContext) async throws
        -> Lyrica_Retrieval_V1_DeleteDocumentResponse
    {
        let id = request.id.isEmpty ? nil : try Self.documentID(request.id)
        let externalID = request.externalID.isEmpty ? nil : request.externalID
        guard id != nil || externalID != nil else { throw RPCError(.invalidArgument, "id or external_id is required") }
        guard let deleted = try await self.store.delete(id: id, externalID: externalID, logger: context.logger) else {
            throw RetrievalError.documentNotFound(request.id.isEmpty ? "external_id \(request.externalID)" : request.id)
        }
        await self.follower.catchUp(to: deleted.change)
        return .init()
    }

    // MARK: Reading

    package func getDocument(_ request: Lyrica_Retrieval_V1_GetDocumentRequest, context: RPCContext) async throws
        -> Lyrica_Retrieval_V1_GetDocumentResponse
    {
        let id = try Self.documentID(request.id)
        guard let document = try await self.store.document(id: id, logger: context.logger) else {
            throw RetrievalError.documentNotFound(request.id)
        }
        let chunks = request.includeChunks ? try await self.store.chunks(ofDocument: id, logger: context.logger) : []
        return .with {
            $0.document = document
            $0.chunks = chunks
        }
    }

    package func listDocuments(_ request: Lyrica_Retrieval_V1_ListDocumentsRequest, context: RPCContext) async throws
        -> Lyrica_Retrieval_V1_ListDocumentsResponse
    {
        let size = try PageToken.size(request.pageSize)
        let filter = try SearchFilter(request.hasFilter ? request.filter : nil, forDocuments: true)
        let after = try PageToken.key(request.pageToken).map { ($0.micros, $0.id) }
        let rows = try await self.store.page(filter: filter, after: after, limit: size + 1, content: !request.omitContent, logger: context.logger)
        return .with {
            $0.documents = rows.prefix(size).map { $0.document }
            if rows.count > size, let last = rows.prefix(size).last, let id = UUID(uuidString: last.document.id) {
                $0.nextPageToken = PageToken.encode(PageToken.Key(micros: last.micros, id: id))
            }
        }
    }

    package func search(_ request: Lyrica_Retrieval_V1_SearchRequest, context: RPCContext) async throws -> Lyrica_Retrieval_V1_SearchResponse {
        let query = try SearchQuery(request, dimension: self.embedder.dimension)
        guard let change = await self.follower.applied else { throw RetrievalError.indexLoading }
        if var cached = await self.searchCache.response(for: request, space: self.embedder.space, change: change) {
            cached.cached = true
            return cached
        }
        let vector: [Float]
        switch query.input {
        case .vector(let given): vector = given
        case .text(let text): vector = try await self.writer.embed([text])[0]
        }
        let hits = self.index.search(vector, k: query.k, ef: query.ef, filter: query.filter?.condition)
        let found = try await self.store.hits(
            chunkIDs: hits.map(\.chunkID), content: query.include.contains(.documentContent), logger: context.logger)
        let response = Lyrica_Retrieval_V1_SearchResponse.with { response in
            response.embeddingSpace = self.embedder.space
            response.results = hits.compactMap { hit in
                guard let (text, document) = found[hit.chunkID] else { return nil }  // deleted meanwhile
                return .with {
                    $0.chunkID = hit.chunkID.uuidString.lowercased()
                    $0.documentID = document.id
                    $0.score = hit.score
                    if query.include.contains(.chunkText) { $0.text = text }
                    if query.include.contains(.document) || query.include.contains(.documentContent) { $0.document = document }
                    if query.include.contains(.embedding) { $0.embedding = self.index.vectors.vector(of: hit.chunkID) ?? [] }
                }
            }
        }
        await self.searchCache.remember(response, for: request, space: self.embedder.space, change: change, logger: context.logger)
        return response
    }

    package func embed(_ request: Lyrica_Retrieval_V1_EmbedRequest, context: RPCContext) async throws -> Lyrica_Retrieval_V1_EmbedResponse {
        guard (1...64).contains(request.texts.count) else {
            throw RPCError(.invalidArgument, "texts must hold 1 to 64 texts (got \(request.texts.count))")
        }
        if let long = request.texts.firstIndex(where: { $0.count > 10_000 }) {
            throw RPCError(.invalidArgument, "text \(long) is longer than 10,000 characters")
        }
        let vectors = try await self.writer.embed(request.texts)
        return .with {
            $0.vectors = vectors.map { vector in .with { $0.values = vector } }
            $0.embeddingSpace = self.embedder.space
        }
    }

    package func stats(_ request: Lyrica_Retrieval_V1_StatsRequest, context: RPCContext) async throws -> Lyrica_Retrieval_V1_StatsResponse {
        let counts = try await self.store.counts(logger: context.logger)
        let latest = try await self.store.latestChange(logger: context.logger)
        let applied = await self.follower.applied
        let snapshotAt = await self.follower.snapshotAt
        let vectors = self.index.vectors
        return .with {
            $0.documents = counts.documents
            $0.chunks = counts.chunks
            $0.indexedChunks = Int64(vectors.count)
            $0.tombstones = Int64(vectors.deletedCount)
            $0.dimension = Int32(vectors.dimension)
            $0.embeddingSpace = self.embedder.space
            $0.m = Int32(vectors.parameters.m)
            $0.efConstruction = Int32(vectors.parameters.efConstruction)
            $0.efSearch = Int32(vectors.parameters.efSearch)
            $0.indexMemoryBytes = Int64(vectors.memoryBytes)
            $0.appliedChange = applied ?? 0
            $0.latestChange = latest
            if let snapshotAt { $0.snapshotAt = Google_Protobuf_Timestamp(date: snapshotAt) }
        }
    }

    static func documentID(_ raw: String) throws(RPCError) -> UUID {
        guard let id = UUID(uuidString: raw) else {
            throw RPCError(.invalidArgument, raw.isEmpty ? "id is required" : "id '\(raw.prefix(40))' is not a document id (UUID)")
        }
        return id
    }
}
