package import Embedding
import Foundation
package import Logging
package import LyricaRPC
import VectorIndex

/// Embeds documents' chunks and writes them: the one path every write takes (the RPCs, and the
/// `reembed` command after an embedder change). Vectors are checked before they are stored.
package struct DocumentWriter: Sendable {
    package let store: DocumentStore
    package let embedder: any Embedder

    package init(store: DocumentStore, embedder: any Embedder) {
        self.store = store
        self.embedder = embedder
    }

    /// Embeds every chunk of `drafts` in one call and writes them in one transaction.
    package func write(_ drafts: [DocumentDraft], logger: Logger) async throws -> (written: [DocumentStore.Written], change: Int64?) {
        let texts = drafts.flatMap { $0.chunks.map(\.text) }
        let vectors = try await self.embed(texts)
        var embedded: [DocumentStore.Embedded] = []
        var offset = 0
        for draft in drafts {
            embedded.append(DocumentStore.Embedded(draft: draft, vectors: Array(vectors[offset..<offset + draft.chunks.count])))
            offset += draft.chunks.count
        }
        return try await self.store.write(embedded, space: self.embedder.space, logger: logger)
    }

    /// Vectors for `texts`, checked: an embedder that answers wrongly fails the call rather than
    /// storing vectors the index cannot compare.
    package func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let vectors: [[Float]]
        do { vectors = try await self.embedder.embed(texts) } catch EmbeddingError.noWords {
            throw RPCError(.invalidArgument, "A text could not be embedded: \(EmbeddingError.noWords)")
        } catch EmbeddingError.remote(let message) {
            throw RPCError(.unavailable, "The embedding service failed: \(message)")
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(.unavailable, "The embedder failed: \(error)")
        }
        guard vectors.count == texts.count, vectors.allSatisfy({ $0.count == self.embedder.dimension && $0.allSatisfy(\.isFinite) }) else {
            throw RPCError(.internalError, "The embedder \(self.embedder.space) answered with the wrong number or shape of vectors")
        }
        let normalized = vectors.compactMap(VectorMath.normalized)
        guard normalized.count == vectors.count else {
            throw RPCError(.invalidArgument, "A text embedded to a zero vector (\(self.embedder.space)); it needs words the embedder knows")
        }
        return normalized
    }
}
