package import Foundation
import NIOConcurrencyHelpers
package import VectorIndex

/// One chunk as the index needs it: ids, filterable metadata and (when new to the index) its vector.
package struct IndexEntry: Sendable {
    package var chunkID: UUID
    package var documentID: UUID
    package var metadata: [String: [MetadataValue]]
    package var vector: [Float]?

    package init(chunkID: UUID, documentID: UUID, metadata: [String: [MetadataValue]], vector: [Float]?) {
        self.chunkID = chunkID
        self.documentID = documentID
        self.metadata = metadata
        self.vector = vector
    }
}

/// A chunk found by a search.
package struct ChunkHit: Sendable, Equatable {
    package var chunkID: UUID
    /// Cosine similarity.
    package var score: Float
}

/// The HNSW graph of every chunk's vector together with the chunks' metadata (for filters) and
/// which chunks make up each document (to replace a document's chunks as one). Searches run
/// concurrently with writes; only the index follower writes.
package final class ChunkIndex: Sendable {
    package let vectors: HNSWIndex
    private let catalog = NIOLockedValueBox(Catalog())

    private struct Catalog {
        var metadata = MetadataIndex()
        var chunksOfDocument: [UUID: [UUID]] = [:]
    }

    package init(vectors: HNSWIndex) {
        self.vectors = vectors
    }

    package var dimension: Int { self.vectors.dimension }

    /// Makes the document's chunks exactly `entries` (none: the document is gone). Entries whose
    /// chunk is not indexed yet must carry a vector.
    package func replaceDocument(_ documentID: UUID, with entries: [IndexEntry]) {
        let keep = Set(entries.map(\.chunkID))
        let old = self.catalog.withLockedValue { $0.chunksOfDocument[documentID] ?? [] }
        for chunk in old where !keep.contains(chunk) { self.removeChunk(chunk) }
        for entry in entries { self.add(entry) }
        self.catalog.withLockedValue { $0.chunksOfDocument[documentID] = entries.isEmpty ? nil : entries.map(\.chunkID) }
    }

    /// The chunks of `entries` the index does not hold yet: their vectors must be fetched.
    package func missing(_ entries: [IndexEntry]) -> [UUID] {
        entries.filter { !self.vectors.contains($0.chunkID) }.map(\.chunkID)
    }

    /// Makes the whole index exactly `entries` (the database's catalog), keeping the vectors it
    /// holds and taking the missing ones from `fetched`.
    package func reconcile(with entries: [IndexEntry], fetched: [UUID: [Float]]) {
        let wanted = Set(entries.map(\.chunkID))
        for case let chunk? in self.vectors.slotIDs() where !wanted.contains(chunk) { self.removeChunk(chunk) }
        var documents: [UUID: [UUID]] = [:]
        for var entry in entries {
            if entry.vector == nil { entry.vector = fetched[entry.chunkID] }
            documents[entry.documentID, default: []].append(entry.chunkID)
            self.add(entry)
        }
        self.catalog.withLockedValue { $0.chunksOfDocument = documents }
    }

    /// The `k` chunks nearest to `query` (unit length) among those passing `filter`, best first.
    package func search(_ query: [Float], k: Int, ef: Int?, filter: MetadataFilter?) -> [ChunkHit] {
        var slotFilter: SlotFilter?
        if let filter {
            let slotCount = self.vectors.slotCount
            slotFilter = SlotFilter(passes: self.catalog.withLockedValue { $0.metadata.slots(matching: filter, slotCount: slotCount) })
            if slotFilter?.passingCount == 0 { return [] }
        }
        let found = self.vectors.search(query, k: k, ef: ef, filter: slotFilter)
        guard let filter else { return found.map { ChunkHit(chunkID: $0.id, score: 1 - $0.distance) } }
        // A slot deleted and taken over by another chunk between the filter and the walk could
        // carry another chunk's metadata: each result is checked against the filter again.
        return self.catalog.withLockedValue { catalog in
            found.compactMap { neighbor in
                guard let slot = self.vectors.slot(of: neighbor.id), catalog.metadata.matches(filter, slot: Int(slot)) else { return nil }
                return ChunkHit(chunkID: neighbor.id, score: 1 - neighbor.distance)
            }
        }
    }

    package var documentCount: Int { self.catalog.withLockedValue { $0.chunksOfDocument.count } }

    private func add(_ entry: IndexEntry) {
        if !self.vectors.contains(entry.chunkID) {
            guard let vector = entry.vector, vector.count == self.vectors.dimension else { return }
            self.vectors.upsert(entry.chunkID, vector: vector)
        }
        guard let slot = self.vectors.slot(of: entry.chunkID) else { return }
        self.catalog.withLockedValue { $0.metadata.set(entry.metadata, slot: Int(slot)) }
    }

    private func removeChunk(_ chunk: UUID) {
        guard let slot = self.vectors.slot(of: chunk) else { return }
        self.vectors.remove(chunk)
        self.catalog.withLockedValue { $0.metadata.clear(slot: Int(slot)) }
    }
}
