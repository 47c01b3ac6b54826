package import Foundation
package import Logging
import LyricaPostgres
package import LyricaProtos
import LyricaRPC
package import LyricaService
package import PostgresNIO
import SwiftProtobuf

/// All SQL for feedback and the songs it is about. Every write locks its song's `lyrics_info`
/// row first, so writes to one song's feedback run one at a time and the like count announced
/// in `feedback.changed` (in the same transaction, through the outbox) is exact.
package struct FeedbackStore: Sendable {
    package let postgres: PostgresClient
    package let outbox: Outbox

    package init(postgres: PostgresClient, outbox: Outbox = Outbox(schema: "feedback")) {
        self.postgres = postgres
        self.outbox = outbox
    }

    /// A stored feedback row.
    package struct Record: Sendable {
        package var id: UUID
        package var userID: UUID
        package var lyricsID: UUID
        package var state: FeedbackState
        package var createdAt: Date
        package var updatedAt: Date
    }

    /// What a write did: the row before and after (nil when absent) and the song's facts.
    package struct Write: Sendable {
        package var before: Record?
        package var after: Record?
        package var facts: SongFacts
    }

    // MARK: Writing

    /// Applies `change` to `user`'s feedback on the song `facts` describes (creating it if
    /// needed), refreshing the stored facts unless newer ones are already there.
    package func submit(_ change: FeedbackChange, userID: UUID, facts: SongFacts, logger: Logger) async throws -> Write {
        try await self.postgres.transaction(logger: logger) { connection in
            let current = try await Self.saveAndLockFacts(facts, on: connection, logger: logger)
            let before = try await Self.record(userID: userID, lyricsID: facts.lyricsID, on: connection, logger: logger)
            let state = change.applied(to: before?.state, at: Date())
            let rows = try await connection.query(
                """
                INSERT INTO feedback.user_feedback AS f (
                    user_id, lyrics_id, overall_rating, creativity_rating, relevance_rating, quality_rating, comment, tags,
                    is_liked, is_saved, is_shared, liked_at, saved_at)
                VALUES (
                    \(userID), \(facts.lyricsID), \(state.ratings[0]), \(state.ratings[1]), \(state.ratings[2]), \(state.ratings[3]),
                    \(state.comment), \(state.tags), \(state.liked), \(state.saved), \(state.shared), \(state.likedAt), \(state.savedAt))
                ON CONFLICT (user_id, lyrics_id) DO UPDATE SET
                    overall_rating = EXCLUDED.overall_rating, creativity_rating = EXCLUDED.creativity_rating,
                    relevance_rating = EXCLUDED.relevance_rating, quality_rating = EXCLUDED.quality_rating,
                    comment = EXCLUDED.comment, tags = EXCLUDED.tags, is_liked = EXCLUDED.is_liked, is_saved = EXCLUDED.is_saved,
                    is_shared = EXCLUDED.is_shared, liked_at = EXCLUDED.liked_at, saved_at = EXCLUDED.saved_at, updated_at = now()
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            let after = try await Self.records(rows).first
            try await self.count(from: before?.state, to: state, lyricsID: facts.lyricsID, on: connection, logger: logger)
            return Write(before: before, after: after, facts: current)
        }
    }

    /// Deletes `user`'s feedback on a song; nil if there was none.
    package func delete(userID: UUID, lyricsID: UUID, logger: Logger) async throws -> Write? {
        try await self.postgres.transaction(logger: logger) { connection in
            guard let facts = try await Self.lockFacts(lyricsID, on: connection, logger: logger) else { return nil }
            let rows = try await connection.query(
                "DELETE FROM feedback.user_feedback WHERE user_id = \(userID) AND lyrics_id = \(lyricsID) RETURNING \(unescaped: Self.columns)",
                logger: logger)
            guard let before = try await Self.records(rows).first else { return nil }
            try await self.count(from: before.state, to: nil, lyricsID: lyricsID, on: connection, logger: logger)
            return Write(before: before, after: nil, facts: facts)
        }
    }

    /// Moves the song's kept counts by what one feedback's change did, under the song's lock;
    /// a changed like count is announced as `feedback.changed`.
    private func count(
        from before: FeedbackState?, to after: FeedbackState?, lyricsID: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let likes = Int64(after?.liked == true ? 1 : 0) - Int64(before?.liked == true ? 1 : 0)
        let ratings = Int64(after?.overall != nil ? 1 : 0) - Int64(before?.overall != nil ? 1 : 0)
        let sum = Int64(after?.overall ?? 0) - Int64(before?.overall ?? 0)
        guard likes != 0 || ratings != 0 || sum != 0 else { return }
        let rows = try await connection.query(
            """
            UPDATE feedback.lyrics_info
            SET like_count = like_count + \(likes), rating_count = rating_count + \(ratings), rating_sum = rating_sum + \(sum)
            WHERE lyrics_id = \(lyricsID)
            RETURNING like_count, extract(epoch FROM clock_timestamp())::float8
            """, logger: logger)
        for try await (count, asOf) in rows.decode((Int64, Double).self) where likes != 0 {
            try await self.announce(likeCount: count, asOf: asOf, lyricsID: lyricsID, on: connection, logger: logger)
        }
    }

    /// Records `feedback.changed`; `asOf` (the database clock, read under the song's lock)
    /// orders announcements of one song.
    func announce(likeCount: Int64, asOf: Double, lyricsID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let payload = #"{"lyrics_id":"\#(lyricsID.uuidString.lowercased())","like_count":\#(likeCount),"as_of":\#(asOf)}"#
        try await self.outbox.enqueue(Event(topic: "feedback.changed", payload: payload, source: "feedback"), on: connection, logger: logger)
    }

    // MARK: Song facts

    /// Inserts or refreshes a song's facts (older versions than the stored ones change nothing
    /// but the lock), locks its row and counts a write to its feedback; returns what is stored.
    /// NOT_FOUND for a deleted song: an upsert that waited on the tombstone's lock sees it.
    private static func saveAndLockFacts(_ facts: SongFacts, on connection: PostgresConnection, logger: Logger) async throws -> SongFacts {
        let rows = try await connection.query(
            """
            INSERT INTO feedback.lyrics_info AS i (lyrics_id, owner_id, title, genre, mood, is_public, version, feedback_version)
            VALUES (\(facts.lyricsID), \(facts.ownerID), \(facts.title), \(facts.genre), \(facts.mood), \(facts.isPublic), \(facts.version), 1)
            ON CONFLICT (lyrics_id) DO UPDATE SET
                owner_id = CASE WHEN i.version < EXCLUDED.version THEN EXCLUDED.owner_id ELSE i.owner_id END,
                title = CASE WHEN i.version < EXCLUDED.version THEN EXCLUDED.title ELSE i.title END,
                genre = CASE WHEN i.version < EXCLUDED.version THEN EXCLUDED.genre ELSE i.genre END,
                mood = CASE WHEN i.version < EXCLUDED.version THEN EXCLUDED.mood ELSE i.mood END,
                is_public = CASE WHEN i.version < EXCLUDED.version THEN EXCLUDED.is_public ELSE i.is_public END,
                version = greatest(i.version, EXCLUDED.version),
                feedback_version = i.feedback_version + 1, updated_at = now()
            WHERE NOT i.deleted
            RETURNING \(unescaped: Self.factColumns), feedback_version
            """, logger: logger)
        // Nothing comes back only for a tombstone: the song was deleted after the lyrics service answered.
        guard let stored = try await Self.facts(rows).first?.facts else { throw FeedbackError.lyricsNotFound(facts.lyricsID) }
        return stored
    }

    /// Applies `lyrics.changed` news to a song the service knows; true if it was newer.
    package func updateFacts(_ facts: SongFacts, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE feedback.lyrics_info SET
                title = \(facts.title), genre = \(facts.genre), mood = \(facts.mood), is_public = \(facts.isPublic),
                version = \(facts.version), updated_at = now()
            WHERE lyrics_id = \(facts.lyricsID) AND version < \(facts.version) AND NOT deleted
            RETURNING lyrics_id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    private static let factColumns = "lyrics_id, owner_id, title, genre, mood, is_public, version"

    /// Locks the song's row for a write to its feedback, counting the write in
    /// `feedback_version`; nil if the service does not know the song.
    private static func lockFacts(_ lyricsID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> SongFacts? {
        let rows = try await connection.query(
            """
            UPDATE feedback.lyrics_info SET feedback_version = feedback_version + 1 WHERE lyrics_id = \(lyricsID) AND NOT deleted
            RETURNING \(unescaped: Self.factColumns), feedback_version
            """, logger: logger)
        return try await Self.facts(rows).first?.facts
    }

    /// A song the service has feedback on: its facts, and how many writes its feedback has seen.
    package func knownSong(_ lyricsID: UUID, logger: Logger) async throws -> (facts: SongFacts, feedbackVersion: Int64)? {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.factColumns), feedback_version FROM feedback.lyrics_info WHERE lyrics_id = \(lyricsID) AND NOT deleted",
            logger: logger)
        return try await Self.facts(rows).first
    }

    private static func facts(_ rows: PostgresRowSequence) async throws -> [(facts: SongFacts, feedbackVersion: Int64)] {
        var result: [(SongFacts, Int64)] = []
        for try await (id, owner, title, genre, mood, isPublic, version, feedbackVersion) in rows.decode(
            (UUID, UUID, String, String, String, Bool, Int64, Int64).self)
        {
            result.append(
                (SongFacts(lyricsID: id, ownerID: owner, title: title, genre: genre, mood: mood, isPublic: isPublic, version: version), feedbackVersion))
        }
        return result
    }

    // MARK: Reading one user's feedback

    package func feedback(userID: UUID, lyricsID: UUID, logger: Logger) async throws -> Lyrica_Feedback_V1_Feedback? {
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: Self.qualifiedColumns), i.title FROM feedback.user_feedback f JOIN feedback.lyrics_info i USING (lyrics_id)
            WHERE f.user_id = \(userID) AND f.lyrics_id = \(lyricsID)
            """, logger: logger)
        return try await Self.messages(rows).first?.feedback
    }

    /// Which list: liked or saved songs, newest first.
    package enum Marked: Sendable {
        case liked, saved
        var flag: String { self == .liked ? "is_liked" : "is_saved" }
        var since: String { self == .liked ? "liked_at" : "saved_at" }
    }

    /// A keyset page of `user`'s liked or saved songs that they can still read, with each
    /// row's position (microseconds of liked_at/saved_at).
    package func page(
        _ marked: Marked, userID: UUID, after cursor: PageToken.Key?, limit: Int, logger: Logger
    ) async throws -> [(feedback: Lyrica_Feedback_V1_Feedback, micros: Int64)] {
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: Self.qualifiedColumns), i.title, (extract(epoch FROM f.\(unescaped: marked.since)) * 1000000)::int8
            FROM feedback.user_feedback f JOIN feedback.lyrics_info i USING (lyrics_id)
            WHERE f.user_id = \(userID) AND f.\(unescaped: marked.flag) AND (i.is_public OR i.owner_id = \(userID))
              AND (\(cursor?.micros)::bigint IS NULL
                   OR (f.\(unescaped: marked.since), f.lyrics_id)
                      < ('epoch'::timestamptz + \(cursor?.micros) * interval '1 microsecond', \(cursor?.id)))
            ORDER BY f.\(unescaped: marked.since) DESC, f.lyrics_id DESC
            LIMIT \(limit)
            """, logger: logger)
        return try await Self.messages(rows).map { ($0.feedback, $0.micros ?? 0) }
    }

    // MARK: Columns

    static let columns = """
        id, user_id, lyrics_id, overall_rating, creativity_rating, relevance_rating, quality_rating, comment, tags,
        is_liked, is_saved, is_shared, liked_at, saved_at, created_at, updated_at
        """
    static let qualifiedColumns = SQLColumns.qualified(Self.columns, by: "f")
    private static let columnCount = 16

    private static func record(userID: UUID, lyricsID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Record? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM feedback.user_feedback WHERE user_id = \(userID) AND lyrics_id = \(lyricsID)",
            logger: logger)
        return try await Self.records(rows).first
    }

    static func records(_ rows: PostgresRowSequence) async throws -> [Record] {
        var result: [Record] = []
        for try await row in rows { result.append(try Self.record(row.makeRandomAccess())) }
        return result
    }

    private static func record(_ cells: PostgresRandomAccessRow) throws -> Record {
        var state = FeedbackState()
        state.ratings = try (3...6).map { try cells[$0].decode(Int?.self) }
        state.comment = try cells[7].decode(String?.self)
        state.tags = try cells[8].decode([String].self)
        state.liked = try cells[9].decode(Bool.self)
        state.saved = try cells[10].decode(Bool.self)
        state.shared = try cells[11].decode(Bool.self)
        state.likedAt = try cells[12].decode(Date?.self)
        state.savedAt = try cells[13].decode(Date?.self)
        return Record(
            id: try cells[0].decode(UUID.self), userID: try cells[1].decode(UUID.self), lyricsID: try cells[2].decode(UUID.self),
            state: state, createdAt: try cells[14].decode(Date.self), updatedAt: try cells[15].decode(Date.self))
    }

    /// Rows of `columns`, the song's title, then optionally a cursor (bigint).
    private static func messages(_ rows: PostgresRowSequence) async throws -> [(feedback: Lyrica_Feedback_V1_Feedback, micros: Int64?)] {
        var result: [(Lyrica_Feedback_V1_Feedback, Int64?)] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            var feedback = Self.message(try Self.record(cells))
            feedback.lyricsTitle = try cells[Self.columnCount].decode(String.self)
            let micros = cells.count > Self.columnCount + 1 ? try cells[Self.columnCount + 1].decode(Int64.self) : nil
            result.append((feedback, micros))
        }
        return result
    }

    /// The API's view of a stored row.
    package static func message(_ record: Record) -> Lyrica_Feedback_V1_Feedback {
        .with {
            $0.id = record.id.uuidString.lowercased()
            $0.userID = record.userID.uuidString.lowercased()
            $0.lyricsID = record.lyricsID.uuidString.lowercased()
            $0.ratings = .with {
                $0.overall = Int32(record.state.ratings[0] ?? 0)
                $0.creativity = Int32(record.state.ratings[1] ?? 0)
                $0.relevance = Int32(record.state.ratings[2] ?? 0)
                $0.quality = Int32(record.state.ratings[3] ?? 0)
            }
            $0.comment = record.state.comment ?? ""
            $0.tags = record.state.tags
            $0.liked = record.state.liked
            $0.saved = record.state.saved
            $0.shared = record.state.shared
            $0.createdAt = Google_Protobuf_Timestamp(date: record.createdAt)
            $0.updatedAt = Google_Protobuf_Timestamp(date: record.updatedAt)
        }
    }
}
