package import Foundation
package import Logging
import NIOCore
import PostgresNIO
import VectorIndex

/// What the index followers read: the change log and the chunks' metadata and vectors.
extension DocumentStore {
    /// The number of the last committed change (0 before any).
    package func latestChange(logger: Logger) async throws -> Int64 {
        let rows = try await self.postgres.query("SELECT seq FROM retrieval.change_counter", logger: logger)
        for try await seq in rows.decode(Int64.self) { return seq }
        return 0
    }

    /// The oldest change still logged; nil when the log is empty.
    package func oldestLoggedChange(logger: Logger) async throws -> Int64? {
        let rows = try await self.postgres.query("SELECT min(seq) FROM retrieval.changes", logger: logger)
        for try await seq in rows.decode(Int64?.self) { return seq }
        return nil
    }

    /// Documents changed by changes `after` < n ≤ `through`.
    package func changedDocuments(after: Int64, through: Int64, logger: Logger) async throws -> [UUID] {
        let rows = try await self.postgres.query(
            "SELECT DISTINCT document_id FROM retrieval.changes WHERE seq > \(after) AND seq <= \(through)", logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// Index entries for the chunks of `documents` (all documents when nil) embedded in `space`,
    /// with vectors when asked.
    package func indexEntries(documents: [UUID]?, space: String, vectors: Bool, logger: Logger) async throws -> [IndexEntry] {
        let rows = try await self.postgres.query(
            """
            SELECT c.id, c.document_id, c.chunk_index, d.word_count, d.year, d.genre, d.mood, d.theme, d.artist, d.language, d.source,
                d.tags, \(unescaped: vectors ? "c.embedding" : "NULL::bytea")
            FROM retrieval.chunks c JOIN retrieval.documents d ON d.id = c.document_id
            WHERE c.embedding_space = \(space) AND (\(documents)::uuid[] IS NULL OR c.document_id = ANY(\(documents)::uuid[]))
            """, logger: logger)
        var entries: [IndexEntry] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let documentID = try cells[1].decode(UUID.self)
            var metadata: [String: [MetadataValue]] = [
                "document_id": [.text(documentID.uuidString.lowercased())],
                "chunk_index": [.number(Double(try cells[2].decode(Int32.self)))],
                "word_count": [.number(Double(try cells[3].decode(Int32.self)))],
            ]
            if let year = try cells[4].decode(Int32?.self) { metadata["year"] = [.number(Double(year))] }
            for (offset, field) in ["genre", "mood", "theme", "artist", "language", "source"].enumerated() {
                if let value = try cells[5 + offset].decode(String?.self) { metadata[field] = [.text(value)] }
            }
            let tags = try cells[11].decode([String].self)
            if !tags.isEmpty { metadata["tags"] = tags.map { .text($0) } }
            let vector = try cells[12].decode(ByteBuffer?.self).map(VectorBytes.vector)
            entries.append(IndexEntry(chunkID: try cells[0].decode(UUID.self), documentID: documentID, metadata: metadata, vector: vector))
        }
        return entries
    }

    /// The stored vectors of these chunks.
    package func vectors(chunkIDs: [UUID], logger: Logger) async throws -> [UUID: [Float]] {
        let rows = try await self.postgres.query(
            "SELECT id, embedding FROM retrieval.chunks WHERE id = ANY(\(chunkIDs)::uuid[])", logger: logger)
        var vectors: [UUID: [Float]] = [:]
        for try await (id, bytes) in rows.decode((UUID, ByteBuffer).self) { vectors[id] = VectorBytes.vector(bytes) }
        return vectors
    }

    /// Up to `limit` documents embedded in another space than `space`, in id order after `after`.
    package func documents(outsideSpace space: String, after: UUID?, limit: Int, logger: Logger) async throws -> [UUID] {
        let rows = try await self.postgres.query(
            """
            SELECT id FROM retrieval.documents
            WHERE embedding_space <> \(space) AND (\(after)::uuid IS NULL OR id > \(after)) ORDER BY id LIMIT \(limit)
            """, logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// Chunks embedded in another space than `space`: they need a re-embed to be searchable.
    package func chunksInOtherSpaces(than space: String, logger: Logger) async throws -> Int64 {
        let rows = try await self.postgres.query(
            "SELECT count(*) FROM retrieval.chunks WHERE embedding_space <> \(space)", logger: logger)
        for try await count in rows.decode(Int64.self) { return count }
        return 0
    }

    /// Forgets logged changes older than `age`; a replica that was away longer reloads in full.
    package func pruneChanges(olderThan age: Duration, logger: Logger) async throws {
        let seconds = Double(age.components.seconds)
        try await self.postgres.query(
            "DELETE FROM retrieval.changes WHERE changed_at < now() - make_interval(secs => \(seconds))", logger: logger)
    }
}
