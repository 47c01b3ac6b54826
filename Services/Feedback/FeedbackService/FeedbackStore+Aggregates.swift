package import Foundation
package import Logging
import LyricaPostgres
package import LyricaProtos
import LyricaRPC
import LyricaService
package import PostgresNIO
import SwiftProtobuf

/// What feedback adds up to: a song's summary, popularity, a user's taste; and the deletions
/// other services' events ask for.
extension FeedbackStore {
    // MARK: Summary

    /// A song nobody has given feedback on.
    package static func emptySummary(_ lyricsID: UUID) -> Lyrica_Feedback_V1_LyricsSummary {
        var summary = Lyrica_Feedback_V1_LyricsSummary()
        summary.lyricsID = lyricsID.uuidString.lowercased()
        var none = Lyrica_Feedback_V1_RatingSummary()
        none.histogram = [0, 0, 0, 0, 0]
        (summary.overall, summary.creativity, summary.relevance, summary.quality) = (none, none, none, none)
        return summary
    }

    private static let ratingColumns = ["overall_rating", "creativity_rating", "relevance_rating", "quality_rating"]

    /// Counts, averages and histograms of every rating, likes, saves, shares, comments, tags.
    package func summary(lyricsID: UUID, logger: Logger) async throws -> Lyrica_Feedback_V1_LyricsSummary {
        // Per rating: count, average, and how many gave 1…5 (column names are constants).
        let perRating = Self.ratingColumns.map { column in
            "count(\(column)), coalesce(avg(\(column)), 0)::float8, "
                + "array[" + (1...5).map { "count(*) FILTER (WHERE \(column) = \($0))" }.joined(separator: ", ") + "]::int8[]"
        }.joined(separator: ",\n")
        let rows = try await self.postgres.query(
            """
            SELECT count(*), count(*) FILTER (WHERE is_liked), count(*) FILTER (WHERE is_saved), count(*) FILTER (WHERE is_shared),
                count(comment), \(unescaped: perRating)
            FROM feedback.user_feedback WHERE lyrics_id = \(lyricsID)
            """, logger: logger)
        var summary = Lyrica_Feedback_V1_LyricsSummary()
        summary.lyricsID = lyricsID.uuidString.lowercased()
        for try await row in rows {
            let cells = row.makeRandomAccess()
            summary.feedbackCount = try cells[0].decode(Int64.self)
            summary.likes = try cells[1].decode(Int64.self)
            summary.saves = try cells[2].decode(Int64.self)
            summary.shares = try cells[3].decode(Int64.self)
            summary.comments = try cells[4].decode(Int64.self)
            let ratings = try (0..<4).map { index -> Lyrica_Feedback_V1_RatingSummary in
                let first = 5 + index * 3
                var rating = Lyrica_Feedback_V1_RatingSummary()
                rating.count = try cells[first].decode(Int64.self)
                rating.average = try cells[first + 1].decode(Double.self)
                rating.histogram = try cells[first + 2].decode([Int64].self)
                return rating
            }
            (summary.overall, summary.creativity, summary.relevance, summary.quality) = (ratings[0], ratings[1], ratings[2], ratings[3])
        }
        let tags = try await self.postgres.query(
            """
            SELECT tag, count(*) FROM feedback.user_feedback, unnest(tags) AS tag WHERE lyrics_id = \(lyricsID)
            GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 20
            """, logger: logger)
        for try await (tag, count) in tags.decode((String, Int64).self) {
            summary.tags.append(.with {
                $0.tag = tag
                $0.count = count
            })
        }
        return summary
    }

    // MARK: Popularity

    /// Every public song's score over the window (a like 1, an overall rating (r − 3) / 2; the
    /// owner's feedback left out), best first, positive scores only.
    package func popularityScores(
        window: Duration, limit: Int, offset: Int = 0, only lyricsID: UUID? = nil, logger: Logger
    ) async throws -> [(UUID, Double)] {
        let rows = try await self.postgres.query(
            """
            SELECT f.lyrics_id,
                sum(CASE WHEN f.is_liked THEN 1 ELSE 0 END + coalesce((f.overall_rating - 3) / 2.0, 0))::float8 AS score
            FROM feedback.user_feedback f JOIN feedback.lyrics_info i USING (lyrics_id)
            WHERE i.is_public AND f.user_id <> i.owner_id
              AND f.updated_at >= now() - \(window.seconds) * interval '1 second'
              AND (\(lyricsID)::uuid IS NULL OR f.lyrics_id = \(lyricsID))
            GROUP BY f.lyrics_id
            HAVING sum(CASE WHEN f.is_liked THEN 1 ELSE 0 END + coalesce((f.overall_rating - 3) / 2.0, 0)) > 0
            ORDER BY score DESC, f.lyrics_id
            LIMIT \(limit) OFFSET \(offset)
            """, logger: logger)
        var result: [(UUID, Double)] = []
        for try await (id, score) in rows.decode((UUID, Double).self) { result.append((id, score)) }
        return result
    }

    /// Titles and all-time counts of the songs among `ids` that are still public.
    package func popularDetails(_ ids: [UUID], logger: Logger) async throws -> [UUID: Lyrica_Feedback_V1_PopularLyrics] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await self.postgres.query(
            """
            SELECT lyrics_id, title, genre, mood, like_count, rating_count,
                CASE WHEN rating_count > 0 THEN rating_sum::float8 / rating_count ELSE 0 END
            FROM feedback.lyrics_info WHERE lyrics_id = ANY(\(ids)) AND is_public
            """, logger: logger)
        var result: [UUID: Lyrica_Feedback_V1_PopularLyrics] = [:]
        for try await (id, title, genre, mood, likes, ratings, average) in rows.decode((UUID, String, String, String, Int64, Int64, Double).self) {
            result[id] = .with {
                $0.lyricsID = id.uuidString.lowercased()
                $0.title = title
                $0.genre = genre
                $0.mood = mood
                $0.likes = likes
                $0.ratings = ratings
                $0.averageRating = average
            }
        }
        return result
    }

    // MARK: Taste

    /// The genres, moods and tags of the songs `user` gave feedback on, by mean affinity (a
    /// like 1, a save 0.5, an overall rating (r − 3) / 2) shrunk towards 0: sum / (count + 1).
    package func tasteProfile(userID: UUID, logger: Logger) async throws -> Lyrica_Feedback_V1_TasteProfile {
        let rows = try await self.postgres.query(
            """
            WITH mine AS (
                SELECT lower(i.genre) AS genre, lower(i.mood) AS mood, f.tags,
                    (CASE WHEN f.is_liked THEN 1 ELSE 0 END + CASE WHEN f.is_saved THEN 0.5 ELSE 0 END
                     + coalesce((f.overall_rating - 3) / 2.0, 0))::float8 AS affinity
                FROM feedback.user_feedback f JOIN feedback.lyrics_info i USING (lyrics_id)
                WHERE f.user_id = \(userID))
            SELECT 'genre', genre, sum(affinity) / (count(*) + 1), count(*) FROM mine WHERE genre <> '' GROUP BY genre
            UNION ALL
            SELECT 'mood', mood, sum(affinity) / (count(*) + 1), count(*) FROM mine WHERE mood <> '' GROUP BY mood
            UNION ALL
            SELECT 'tag', tag, sum(affinity) / (count(*) + 1), count(*) FROM mine, unnest(tags) AS tag GROUP BY tag
            UNION ALL
            SELECT 'all', '', 0, count(*) FROM mine
            """, logger: logger)
        var profile = Lyrica_Feedback_V1_TasteProfile()
        var found: [String: [Lyrica_Feedback_V1_Affinity]] = [:]
        for try await (kind, name, score, count) in rows.decode((String, String, Double, Int64).self) {
            if kind == "all" {
                profile.feedbackCount = count
            } else if score > 0 {
                found[kind, default: []].append(.with {
                    $0.name = name
                    $0.score = score
                    $0.count = count
                })
            }
        }
        let best: ([Lyrica_Feedback_V1_Affinity]?) -> [Lyrica_Feedback_V1_Affinity] = { list in
            Array((list ?? []).sorted { ($0.score, $0.count, $1.name) > ($1.score, $1.count, $0.name) }.prefix(10))
        }
        profile.genres = best(found["genre"])
        profile.moods = best(found["mood"])
        profile.tags = best(found["tag"])
        return profile
    }

    // MARK: Events

    /// Deletes a deleted user's feedback; each song they had liked gets its new like count
    /// announced. Returns the songs that had feedback from them.
    package func deleteAll(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        // Lock (and count a write to) the songs the user gave feedback on, in the order writes
        // lock them (song first), so a write of theirs racing this one waits or is waited for.
        try await connection.query(
            """
            UPDATE feedback.lyrics_info i SET feedback_version = i.feedback_version + 1
            FROM feedback.user_feedback f
            WHERE f.lyrics_id = i.lyrics_id AND f.user_id = \(userID)
            """, logger: logger)
        // What is deleted decides what is recounted: a song their feedback reached after the
        // lock above is in this list too, and the recount locks it.
        let deleted = try await connection.query(
            "DELETE FROM feedback.user_feedback WHERE user_id = \(userID) RETURNING lyrics_id, is_liked", logger: logger)
        var songs: [UUID] = []
        var likedSongs: Set<UUID> = []
        for try await (id, liked) in deleted.decode((UUID, Bool).self) {
            songs.append(id)
            if liked { likedSongs.insert(id) }
        }
        guard !songs.isEmpty else { return [] }
        let recounted = try await connection.query(
            """
            UPDATE feedback.lyrics_info i SET
                like_count = (SELECT count(*) FILTER (WHERE f.is_liked) FROM feedback.user_feedback f WHERE f.lyrics_id = i.lyrics_id),
                rating_count = (SELECT count(f.overall_rating) FROM feedback.user_feedback f WHERE f.lyrics_id = i.lyrics_id),
                rating_sum = (SELECT coalesce(sum(f.overall_rating), 0) FROM feedback.user_feedback f WHERE f.lyrics_id = i.lyrics_id)
            WHERE i.lyrics_id = ANY(\(songs))
            RETURNING i.lyrics_id, i.like_count, extract(epoch FROM clock_timestamp())::float8
            """, logger: logger)
        for try await (song, likes, asOf) in recounted.decode((UUID, Int64, Double).self) where likedSongs.contains(song) {
            try await self.announce(likeCount: likes, asOf: asOf, lyricsID: song, on: connection, logger: logger)
        }
        return songs
    }

    /// Forgets a deleted song's feedback and leaves a tombstone in its place (inserted if the
    /// service never knew the song), so a submit racing the deletion finds it deleted.
    package func deleteLyrics(_ lyricsID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO feedback.lyrics_info AS i (lyrics_id, owner_id, deleted)
            VALUES (\(lyricsID), '00000000-0000-0000-0000-000000000000', TRUE)
            ON CONFLICT (lyrics_id) DO UPDATE SET
                deleted = TRUE, is_public = FALSE, like_count = 0, rating_count = 0, rating_sum = 0,
                feedback_version = i.feedback_version + 1, updated_at = now()
            """, logger: logger)
        try await connection.query("DELETE FROM feedback.user_feedback WHERE lyrics_id = \(lyricsID)", logger: logger)
    }
}
