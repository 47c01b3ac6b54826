package import Foundation
package import Logging
import LyricaPostgres
package import LyricaProtos
import LyricaRPC
package import LyricaService
package import PostgresNIO
import SwiftProtobuf

/// All SQL for songs, their sections and revisions. Changes run in one transaction with their
/// revision and their outbox event, so what other services hear of always committed.
package struct LyricsStore: Sendable {
    package let postgres: PostgresClient
    package let outbox: Outbox

    package init(postgres: PostgresClient, outbox: Outbox = Outbox(schema: "lyrics")) {
        self.postgres = postgres
        self.outbox = outbox
    }

    /// A whole new state for a song, decided by the caller from the current one.
    package struct Change: Sendable {
        package var draft: LyricsDraft
        package var status: String
        package var isPublic: Bool
        package var publish: Bool = false
        /// The title or sections changed: replace the sections and record a revision.
        package var wordsChanged: Bool

        package init(draft: LyricsDraft, status: String, isPublic: Bool, publish: Bool = false, wordsChanged: Bool) {
            self.draft = draft
            self.status = status
            self.isPublic = isPublic
            self.publish = publish
            self.wordsChanged = wordsChanged
        }
    }

    // MARK: Writing

    /// Saves a new song, or finds the one an earlier call with the same request id saved
    /// (created false). Two concurrent calls with one id make one song: the second waits on the
    /// unique index for the first to commit, then reads its song.
    package func create(
        _ draft: LyricsDraft, userID: UUID, requestID: String?, logger: Logger
    ) async throws -> (lyrics: Lyrica_Lyrics_V1_Lyrics, created: Bool) {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO lyrics.lyrics (
                    user_id, title, content, structure, genre, mood, theme, language, prompt, generation_params,
                    model_used, generation_time_seconds, quality_score, rhyme_score, creativity_score, coherence_score, status,
                    request_id)
                VALUES (
                    \(userID), \(draft.title), \(draft.content), \(draft.structureJSON)::jsonb, \(draft.genre), \(draft.mood),
                    \(draft.theme), \(draft.language), \(draft.prompt), \(draft.generationParamsJSON)::jsonb, \(draft.modelUsed),
                    \(draft.generationSeconds), \(draft.scores[0]), \(draft.scores[1]), \(draft.scores[2]), \(draft.scores[3]),
                    \(draft.status), \(requestID))
                ON CONFLICT (user_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
                RETURNING id
                """, logger: logger)
            var id: UUID?
            for try await value in rows.decode(UUID.self) { id = value }
            guard let id else {
                // Only a request id already used by this user stops the insert.
                let earlier = try await connection.query(
                    "SELECT id FROM lyrics.lyrics WHERE user_id = \(userID) AND request_id = \(requestID)", logger: logger)
                var earlierID: UUID?
                for try await value in earlier.decode(UUID.self) { earlierID = value }
                guard let earlierID, let lyrics = try await Self.lyrics(id: earlierID, on: connection, lock: false, logger: logger) else {
                    throw RPCError(.internalError, "INSERT returned no id")
                }
                return (lyrics, false)
            }
            try await Self.insertSections(draft.sections, lyricsID: id, on: connection, logger: logger)
            try await Self.recordRevision(lyricsID: id, on: connection, logger: logger)
            return (try await Self.lyrics(id: id, on: connection, lock: false, logger: logger)!, true)
        }
    }

    /// Locks the song, lets `decide` turn its current state into a change (or throw), writes it
    /// with a new version, and returns the result. nil if there is no such song.
    package func modify(
        id: UUID, logger: Logger, _ decide: @Sendable (Lyrica_Lyrics_V1_Lyrics) throws -> Change
    ) async throws -> Lyrica_Lyrics_V1_Lyrics? {
        try await self.postgres.transaction(logger: logger) { connection in
            guard let current = try await Self.lyrics(id: id, on: connection, lock: true, logger: logger) else { return nil }
            let change = try decide(current)
            let draft = change.draft
            try await connection.query(
                """
                UPDATE lyrics.lyrics SET
                    title = \(draft.title), content = \(draft.content), structure = \(draft.structureJSON)::jsonb,
                    genre = \(draft.genre), mood = \(draft.mood), theme = \(draft.theme), language = \(draft.language),
                    quality_score = \(draft.scores[0]), rhyme_score = \(draft.scores[1]), creativity_score = \(draft.scores[2]),
                    coherence_score = \(draft.scores[3]), status = \(change.status), is_public = \(change.isPublic),
                    published_at = CASE WHEN \(change.publish) THEN now() ELSE published_at END,
                    version = version + 1, updated_at = now()
                WHERE id = \(id)
                """, logger: logger)
            if change.wordsChanged {
                try await connection.query("DELETE FROM lyrics.lyrics_sections WHERE lyrics_id = \(id)", logger: logger)
                try await Self.insertSections(draft.sections, lyricsID: id, on: connection, logger: logger)
                try await Self.recordRevision(lyricsID: id, on: connection, logger: logger)
            }
            let changed = try await Self.lyrics(id: id, on: connection, lock: false, logger: logger)
            if let changed, LyricsFacts(changed).differs(from: LyricsFacts(current)) {
                try await self.outbox.enqueue(
                    Event(topic: "lyrics.changed", payload: LyricsFacts(changed).payload, source: "lyrics"), on: connection, logger: logger)
            }
            return changed
        }
    }

    /// Deletes a song (sections and revisions go with it) and records `lyrics.deleted`.
    /// `allowed` sees the song first and may refuse. Returns false if there was none.
    package func delete(id: UUID, logger: Logger, allowed: @Sendable (Lyrica_Lyrics_V1_Lyrics) throws -> Void) async throws -> Bool {
        try await self.postgres.transaction(logger: logger) { connection in
            guard let current = try await Self.lyrics(id: id, on: connection, lock: true, logger: logger) else { return false }
            try allowed(current)
            try await connection.query("DELETE FROM lyrics.lyrics WHERE id = \(id)", logger: logger)
            try await self.recordDeletion(lyricsID: id, userID: current.userID, on: connection, logger: logger)
            return true
        }
    }

    /// Deletes every song of a user (for `user.deleted`), on the consumer's connection; returns their ids.
    package func deleteAll(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query("DELETE FROM lyrics.lyrics WHERE user_id = \(userID) RETURNING id", logger: logger)
        var deleted: [UUID] = []
        for try await id in rows.decode(UUID.self) { deleted.append(id) }
        for id in deleted {
            try await self.recordDeletion(lyricsID: id, userID: userID.uuidString.lowercased(), on: connection, logger: logger)
        }
        return deleted
    }

    /// Sets the like count the feedback service counted at `asOf`, unless a later count is in.
    package func setLikeCount(lyricsID: UUID, count: Int64, asOf: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE lyrics.lyrics SET like_count = \(count), like_count_as_of = \(asOf)
            WHERE id = \(lyricsID) AND (like_count_as_of IS NULL OR like_count_as_of < \(asOf))
            """, logger: logger)
    }

    /// Adds counted views, once per batch: a batch seen before (a retried flush) adds nothing.
    package func addViews(batchID: UUID, counts: [(UUID, Int64)], logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "INSERT INTO lyrics.view_flush_batches (batch_id) VALUES (\(batchID)) ON CONFLICT DO NOTHING RETURNING batch_id",
                logger: logger)
            var fresh = false
            for try await _ in rows { fresh = true }
            guard fresh, !counts.isEmpty else { return }
            try await connection.query(
                """
                UPDATE lyrics.lyrics l SET view_count = l.view_count + v.views
                FROM unnest(\(counts.map(\.0))::uuid[], \(counts.map(\.1))::bigint[]) AS v(id, views)
                WHERE l.id = v.id
                """, logger: logger)
            try await connection.query(
                "DELETE FROM lyrics.view_flush_batches WHERE flushed_at < now() - interval '1 day'", logger: logger)
        }
    }

    // MARK: Reading

    package func lyrics(id: UUID, logger: Logger) async throws -> Lyrica_Lyrics_V1_Lyrics? {
        try await self.postgres.withConnection { connection in
            try await Self.lyrics(id: id, on: connection, lock: false, logger: logger)
        }
    }

    /// A page of the user's songs, newest first.
    package func page(
        ofUser userID: UUID, filter: ListFilter, after cursor: PageToken.Key?, limit: Int, logger: Logger
    ) async throws -> [LyricsRow] {
        try await Self.rows(
            try await self.postgres.query(
                """
                SELECT \(unescaped: Self.columns), (extract(epoch FROM created_at) * 1000000)::bigint
                FROM lyrics.lyrics
                WHERE user_id = \(userID)
                  AND (\(filter.genre)::text IS NULL OR genre = \(filter.genre))
                  AND (\(filter.mood)::text IS NULL OR mood = \(filter.mood))
                  AND (\(filter.language)::text IS NULL OR language = \(filter.language))
                  AND (\(filter.status)::text IS NULL OR status = \(filter.status))
                  AND (\(filter.createdAfter)::timestamptz IS NULL OR created_at >= \(filter.createdAfter))
                  AND (\(filter.createdBefore)::timestamptz IS NULL OR created_at < \(filter.createdBefore))
                  AND (\(cursor?.micros)::bigint IS NULL
                       OR (created_at, id) < ('epoch'::timestamptz + \(cursor?.micros) * interval '1 microsecond', \(cursor?.id)))
                ORDER BY created_at DESC, id DESC
                LIMIT \(limit)
                """, logger: logger))
    }

    /// A page of published songs, most recently published first.
    package func publicPage(filter: ListFilter, after cursor: PageToken.Key?, limit: Int, logger: Logger) async throws -> [LyricsRow] {
        try await Self.rows(
            try await self.postgres.query(
                """
                SELECT \(unescaped: Self.columns), (extract(epoch FROM published_at) * 1000000)::bigint
                FROM lyrics.lyrics
                WHERE is_public
                  AND (\(filter.genre)::text IS NULL OR genre = \(filter.genre))
                  AND (\(filter.mood)::text IS NULL OR mood = \(filter.mood))
                  AND (\(filter.language)::text IS NULL OR language = \(filter.language))
                  AND (\(filter.createdAfter)::timestamptz IS NULL OR created_at >= \(filter.createdAfter))
                  AND (\(filter.createdBefore)::timestamptz IS NULL OR created_at < \(filter.createdBefore))
                  AND (\(cursor?.micros)::bigint IS NULL
                       OR (published_at, id) < ('epoch'::timestamptz + \(cursor?.micros) * interval '1 microsecond', \(cursor?.id)))
                ORDER BY published_at DESC, id DESC
                LIMIT \(limit)
                """, logger: logger))
    }

    /// Songs matching `query` that `viewer` may see (published ones, their own, or all for an
    /// admin), best first: full-text rank over title (weight A) and words (B), plus trigram
    /// similarity of the title, so near-miss spellings of a title still match.
    ///
    /// Ranking reads every candidate row, so candidates are gathered first and bounded: every
    /// song whose title matches the words, the `fuzzyTitles` titles nearest by trigram distance,
    /// the viewer's own songs matching in their words, and of the published songs matching only
    /// in their words, the `wordMatches` most recently published (found through the
    /// published-date index, so a common word costs no more than a rare one). Title matches are
    /// always ranked. (The tsquery is written inline, not in a CTE, so the planner sees how
    /// common the words are and picks the index that suits.)
    package func search(
        _ query: String, viewer: UUID?, seesEverything: Bool, filter: ListFilter, offset: Int, limit: Int, logger: Logger
    ) async throws -> [LyricsRow] {
        let wordMatches = Self.searchWordMatches
        let fuzzyTitles = Self.searchFuzzyTitles
        return try await Self.rows(
            try await self.postgres.query(
                """
                WITH candidates AS (
                    SELECT id FROM lyrics.lyrics
                    WHERE to_tsvector('english', coalesce(title, '')) @@ websearch_to_tsquery('english', \(query))
                    UNION
                    (SELECT id FROM lyrics.lyrics WHERE title % \(query) ORDER BY title <-> \(query) LIMIT \(fuzzyTitles))
                    UNION
                    (SELECT id FROM lyrics.lyrics
                     WHERE is_public AND search_vector @@ websearch_to_tsquery('english', \(query))
                       AND (\(filter.genre)::text IS NULL OR genre = \(filter.genre))
                       AND (\(filter.mood)::text IS NULL OR mood = \(filter.mood))
                     ORDER BY published_at DESC
                     LIMIT \(wordMatches))
                    UNION
                    (SELECT id FROM lyrics.lyrics
                     WHERE user_id = \(viewer) AND search_vector @@ websearch_to_tsquery('english', \(query))
                     ORDER BY created_at DESC
                     LIMIT \(wordMatches))
                )
                SELECT \(unescaped: Self.qualifiedColumns),
                       ts_rank(l.search_vector, websearch_to_tsquery('english', \(query)))
                           + 0.5 * similarity(coalesce(l.title, ''), \(query)) AS score
                FROM lyrics.lyrics l JOIN candidates c ON c.id = l.id
                WHERE (l.is_public OR l.user_id = \(viewer) OR \(seesEverything))
                  AND (\(filter.genre)::text IS NULL OR l.genre = \(filter.genre))
                  AND (\(filter.mood)::text IS NULL OR l.mood = \(filter.mood))
                  AND (\(filter.language)::text IS NULL OR l.language = \(filter.language))
                  AND (\(filter.status)::text IS NULL OR l.status = \(filter.status))
                  AND (\(filter.createdAfter)::timestamptz IS NULL OR l.created_at >= \(filter.createdAfter))
                  AND (\(filter.createdBefore)::timestamptz IS NULL OR l.created_at < \(filter.createdBefore))
                ORDER BY score DESC, l.id
                LIMIT \(limit) OFFSET \(offset)
                """, logger: logger))
    }

    /// Bounds of search's candidate set (see `search`).
    static let searchWordMatches = 500
    static let searchFuzzyTitles = 50

    /// Revisions newest first, below `beforeVersion` when given.
    package func revisions(lyricsID: UUID, beforeVersion: Int64?, limit: Int, logger: Logger) async throws -> [Lyrica_Lyrics_V1_Revision] {
        let rows = try await self.postgres.query(
            """
            SELECT version, title, content, created_at FROM lyrics.lyrics_revisions
            WHERE lyrics_id = \(lyricsID) AND (\(beforeVersion)::bigint IS NULL OR version < \(beforeVersion))
            ORDER BY version DESC LIMIT \(limit)
            """, logger: logger)
        var revisions: [Lyrica_Lyrics_V1_Revision] = []
        for try await (version, title, content, created) in rows.decode((Int64, String?, String, Date).self) {
            revisions.append(
                .with {
                    $0.lyricsID = lyricsID.uuidString.lowercased()
                    $0.version = version
                    $0.title = title ?? ""
                    $0.content = content
                    $0.createdAt = Google_Protobuf_Timestamp(date: created)
                })
        }
        return revisions
    }

    package func revision(lyricsID: UUID, version: Int64, logger: Logger) async throws -> Lyrica_Lyrics_V1_Revision? {
        let rows = try await self.postgres.query(
            """
            SELECT title, content, sections::text, created_at FROM lyrics.lyrics_revisions
            WHERE lyrics_id = \(lyricsID) AND version = \(version)
            """, logger: logger)
        for try await (title, content, sections, created) in rows.decode((String?, String, String, Date).self) {
            return try .with {
                $0.lyricsID = lyricsID.uuidString.lowercased()
                $0.version = version
                $0.title = title ?? ""
                $0.content = content
                $0.sections = try Lyrica_Lyrics_V1_Section.array(fromJSONString: sections)
                $0.createdAt = Google_Protobuf_Timestamp(date: created)
            }
        }
        return nil
    }

    // MARK: Statements shared by the methods above

    private static func insertSections(
        _ sections: [Lyrica_Lyrics_V1_Section], lyricsID: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !sections.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO lyrics.lyrics_sections (
                lyrics_id, section_type, section_order, content, rhyme_scheme, line_count, generation_attempts, refinement_count)
            SELECT \(lyricsID), * FROM unnest(
                \(sections.map(\.sectionType))::text[], \(sections.map(\.order))::int[], \(sections.map(\.content))::text[],
                \(sections.map(\.rhymeScheme))::text[], \(sections.map(\.lineCount))::int[],
                \(sections.map(\.generationAttempts))::int[], \(sections.map(\.refinementCount))::int[])
            """, logger: logger)
    }

    /// Snapshots the song's current words as the revision of its current version.
    private static func recordRevision(lyricsID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO lyrics.lyrics_revisions (lyrics_id, version, title, content, sections)
            SELECT l.id, l.version, l.title, l.content, coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                    'sectionType', s.section_type, 'order', s.section_order, 'content', s.content,
                    'rhymeScheme', coalesce(s.rhyme_scheme, ''), 'lineCount', coalesce(s.line_count, 0))
                    ORDER BY s.section_order)
                FROM lyrics.lyrics_sections s WHERE s.lyrics_id = l.id), '[]'::jsonb)
            FROM lyrics.lyrics l WHERE l.id = \(lyricsID)
            """, logger: logger)
    }

    private func recordDeletion(lyricsID: UUID, userID: String, on connection: PostgresConnection, logger: Logger) async throws {
        let payload = #"{"lyrics_id":"\#(lyricsID.uuidString.lowercased())","user_id":"\#(userID)"}"#
        try await self.outbox.enqueue(Event(topic: "lyrics.deleted", payload: payload, source: "lyrics"), on: connection, logger: logger)
    }
}
