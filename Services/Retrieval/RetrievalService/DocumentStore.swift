package import Foundation
package import Logging
import LyricaPostgres
package import LyricaProtos
import LyricaRPC
import LyricaText
import NIOCore
package import PostgresNIO
import SwiftProtobuf

/// All SQL for documents and chunks. Every write transaction ends by taking the next change
/// number (under the counter's row lock, so numbers commit in order), logging the documents it
/// touched under that number, which the replicas' index followers poll.
package struct DocumentStore: Sendable {
    package let postgres: PostgresClient

    package init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    package enum Outcome: Sendable, Equatable {
        case created, replaced, unchanged
    }

    /// A draft with one unit vector per chunk.
    package struct Embedded: Sendable {
        package var draft: DocumentDraft
        package var vectors: [[Float]]

        package init(draft: DocumentDraft, vectors: [[Float]]) {
            self.draft = draft
            self.vectors = vectors
        }
    }

    package struct Written: Sendable {
        package var id: UUID
        package var outcome: Outcome
        /// Chunks written (none when unchanged).
        package var chunks: Int
    }

    // MARK: Writing

    /// Creates or replaces the documents in one transaction; returns what happened to each and
    /// the change number, nil when nothing changed.
    package func write(_ documents: [Embedded], space: String, logger: Logger) async throws -> (written: [Written], change: Int64?) {
        try await self.postgres.transaction(logger: logger) { connection in
            var written: [Written] = []
            for document in documents {
                written.append(try await Self.write(document, space: space, on: connection, logger: logger))
            }
            let touched = written.filter { $0.outcome != .unchanged }.map(\.id)
            let change = try await Self.recordChange(touched, on: connection, logger: logger)
            return (written, change)
        }
    }

    private static func write(_ document: Embedded, space: String, on connection: PostgresConnection, logger: Logger) async throws -> Written {
        let draft = document.draft
        let fingerprint = ByteBuffer(bytes: draft.fingerprint(space: space))
        // The key that identifies an existing document: its id, its external id, or none (new).
        let conflict = draft.id != nil ? "id" : draft.externalID != nil ? "external_id" : nil
        let onConflict = conflict.map {
            """
            ON CONFLICT (\($0)) DO UPDATE SET
                external_id = EXCLUDED.external_id, title = EXCLUDED.title, content = EXCLUDED.content, genre = EXCLUDED.genre,
                mood = EXCLUDED.mood, theme = EXCLUDED.theme, artist = EXCLUDED.artist, album = EXCLUDED.album, year = EXCLUDED.year,
                language = EXCLUDED.language, tags = EXCLUDED.tags, custom_metadata = EXCLUDED.custom_metadata,
                source = EXCLUDED.source, word_count = EXCLUDED.word_count, chunk_count = EXCLUDED.chunk_count,
                fingerprint = EXCLUDED.fingerprint, embedding_space = EXCLUDED.embedding_space, is_indexed = true,
                indexed_at = now(), updated_at = now()
            WHERE documents.fingerprint <> EXCLUDED.fingerprint
            """
        } ?? ""
        let rows = try await connection.query(
            """
            INSERT INTO retrieval.documents AS documents (
                id, external_id, title, content, genre, mood, theme, artist, album, year, language, tags, custom_metadata, source,
                word_count, chunk_count, fingerprint, embedding_space, is_indexed, indexed_at)
            VALUES (
                COALESCE(\(draft.id), gen_random_uuid()), \(draft.externalID), \(draft.title), \(draft.content), \(draft.genre),
                \(draft.mood), \(draft.theme), \(draft.artist), \(draft.album), \(draft.year), \(draft.language), \(draft.tags),
                \(draft.customMetadataJSON)::jsonb, \(draft.source), \(draft.wordCount), \(draft.chunks.count), \(fingerprint),
                \(space), true, now())
            \(unescaped: onConflict)
            RETURNING id, xmax = 0
            """, logger: logger)
        var result: (UUID, Bool)?
        for try await row in rows.decode((UUID, Bool).self) { result = row }
        guard let (id, inserted) = result else {
            // The conflict's WHERE held back an identical rewrite.
            let existing = try await Self.existingID(of: draft, on: connection, logger: logger)
            return Written(id: existing, outcome: .unchanged, chunks: 0)
        }
        if !inserted {
            try await connection.query("DELETE FROM retrieval.chunks WHERE document_id = \(id)", logger: logger)
        }
        try await Self.insertChunks(document, documentID: id, space: space, on: connection, logger: logger)
        return Written(id: id, outcome: inserted ? .created : .replaced, chunks: draft.chunks.count)
    }

    private static func existingID(of draft: DocumentDraft, on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        if let id = draft.id { return id }
        let rows = try await connection.query(
            "SELECT id FROM retrieval.documents WHERE external_id = \(draft.externalID)", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        throw RPCError(.internalError, "An unchanged document was not found again")
    }

    private static func insertChunks(
        _ document: Embedded, documentID: UUID, space: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let chunks = document.draft.chunks
        guard !chunks.isEmpty else { return }
        let indexes = chunks.map { Int32($0.index) }
        let texts = chunks.map(\.text)
        let tokens = chunks.map { Int32($0.tokenCount) }
        let embeddings = document.vectors.map(VectorBytes.buffer)
        try await connection.query(
            """
            INSERT INTO retrieval.chunks (document_id, chunk_index, content, token_count, word_count, embedding, embedding_space)
            SELECT \(documentID), i, c, t, t, e, \(space)
            FROM unnest(\(indexes)::int4[], \(texts)::text[], \(tokens)::int4[], \(embeddings)::bytea[]) AS u(i, c, t, e)
            """, logger: logger)
    }

    /// Takes the next change number and logs `documents` under it; nil (and no number taken)
    /// when there are none.
    private static func recordChange(_ documents: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        guard !documents.isEmpty else { return nil }
        let rows = try await connection.query(
            "UPDATE retrieval.change_counter SET seq = seq + 1 RETURNING seq", logger: logger)
        var change: Int64?
        for try await seq in rows.decode(Int64.self) { change = seq }
        guard let change else { throw RPCError(.internalError, "The change counter row is missing") }
        try await connection.query(
            """
            INSERT INTO retrieval.changes (seq, document_id) SELECT \(change), d FROM unnest(\(documents)::uuid[]) AS d
            ON CONFLICT DO NOTHING
            """, logger: logger)
        return change
    }

    /// Deletes a document (and its chunks); nil if there was none.
    package func delete(id: UUID?, externalID: String?, logger: Logger) async throws -> (id: UUID, change: Int64)? {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                DELETE FROM retrieval.documents WHERE (\(id)::uuid IS NOT NULL AND id = \(id))
                    OR (\(externalID)::text IS NOT NULL AND external_id = \(externalID))
                RETURNING id
                """, logger: logger)
            var deleted: [UUID] = []
            for try await id in rows.decode(UUID.self) { deleted.append(id) }
            guard let first = deleted.first, let change = try await Self.recordChange(deleted, on: connection, logger: logger) else {
                return nil
            }
            return (first, change)
        }
    }

    // MARK: Reading

    package func document(id: UUID, logger: Logger) async throws -> Lyrica_Retrieval_V1_Document? {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.documentColumns(content: true)) FROM retrieval.documents WHERE id = \(id)", logger: logger)
        return try await Self.documents(rows).first?.document
    }

    package func chunks(ofDocument id: UUID, logger: Logger) async throws -> [Lyrica_Retrieval_V1_Chunk] {
        let rows = try await self.postgres.query(
            "SELECT id, chunk_index, content, token_count, word_count FROM retrieval.chunks WHERE document_id = \(id) ORDER BY chunk_index",
            logger: logger)
        var chunks: [Lyrica_Retrieval_V1_Chunk] = []
        for try await (chunkID, index, text, tokens, words) in rows.decode((UUID, Int32, String, Int32, Int32).self) {
            chunks.append(.with {
                $0.id = chunkID.uuidString.lowercased()
                $0.documentID = id.uuidString.lowercased()
                $0.chunkIndex = index
                $0.text = text
                $0.tokenCount = tokens
                $0.wordCount = words
            })
        }
        return chunks
    }

    /// Newest first, after the keyset position `after`; `limit` rows at most.
    package func page(
        filter: SearchFilter?, after: (micros: Int64, id: UUID)?, limit: Int, content: Bool, logger: Logger
    ) async throws -> [(document: Lyrica_Retrieval_V1_Document, micros: Int64)] {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        if let filter { conditions.append(filter.sql(binding: &bindings)) }
        if let after {
            bindings.append(after.micros)
            bindings.append(after.id)
            conditions.append(
                "(created_at, id) < (to_timestamp($\(bindings.count - 1)::float8 / 1000000), $\(bindings.count)::uuid)")
        }
        bindings.append(limit)
        let sql = """
            SELECT \(Self.documentColumns(content: content)), (extract(epoch FROM created_at) * 1000000)::int8
            FROM retrieval.documents \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY created_at DESC, id DESC LIMIT $\(bindings.count)
            """
        let rows = try await self.postgres.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        return try await Self.documents(rows).map { ($0.document, $0.extra ?? 0) }
    }

    /// Chunks with their documents, for search results.
    package func hits(chunkIDs: [UUID], content: Bool, logger: Logger) async throws
        -> [UUID: (text: String, document: Lyrica_Retrieval_V1_Document)]
    {
        guard !chunkIDs.isEmpty else { return [:] }
        let columns = Self.documentColumns(content: content, alias: "d")
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: columns), c.id, c.content FROM retrieval.chunks c JOIN retrieval.documents d ON d.id = c.document_id
            WHERE c.id = ANY(\(chunkIDs)::uuid[])
            """, logger: logger)
        var hits: [UUID: (String, Lyrica_Retrieval_V1_Document)] = [:]
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let document = try Self.document(cells)
            hits[try cells[Self.documentColumnCount].decode(UUID.self)] = (try cells[Self.documentColumnCount + 1].decode(String.self), document)
        }
        return hits
    }

    package func counts(logger: Logger) async throws -> (documents: Int64, chunks: Int64) {
        let rows = try await self.postgres.query(
            "SELECT (SELECT count(*) FROM retrieval.documents), (SELECT count(*) FROM retrieval.chunks)", logger: logger)
        for try await counts in rows.decode((Int64, Int64).self) { return counts }
        return (0, 0)
    }
}
