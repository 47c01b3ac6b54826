package import Foundation
import Logging
package import LyricaProtos
import LyricaPostgres
import LyricaRPC
import PostgresNIO
import SwiftProtobuf

/// A song as listed (no sections), with its position for the next page: the keyset cursor's
/// microseconds for lists, the rank for search.
package struct LyricsRow: Sendable {
    package var lyrics: Lyrica_Lyrics_V1_Lyrics
    package var cursorMicros: Int64?
    package var score: Double?
}

/// Filters of the list and search methods, validated.
package struct ListFilter: Sendable {
    package var genre: String?
    package var mood: String?
    package var language: String?
    package var status: String?
    package var createdAfter: Date?
    package var createdBefore: Date?

    package init() {}
}

extension LyricsStore {
    static let columns = """
        id, user_id, title, content, structure::text, genre, mood, theme, language, prompt, generation_params::text,
        model_used, generation_time_seconds::float8, quality_score::float8, rhyme_score::float8, creativity_score::float8,
        coherence_score::float8, status, is_public, view_count, like_count, version, created_at, updated_at, published_at
        """
    /// The same, of the table aliased `l`.
    static let qualifiedColumns = SQLColumns.qualified(Self.columns, by: "l")
    private static let columnCount = 25

    /// The song with its sections, optionally locked for update; nil if none.
    static func lyrics(id: UUID, on connection: PostgresConnection, lock: Bool, logger: Logger) async throws -> Lyrica_Lyrics_V1_Lyrics? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM lyrics.lyrics WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        guard var lyrics = try await Self.rows(rows).first?.lyrics else { return nil }
        let sections = try await connection.query(
            """
            SELECT id, section_type, section_order, content, rhyme_scheme, line_count, generation_attempts, refinement_count
            FROM lyrics.lyrics_sections WHERE lyrics_id = \(id) ORDER BY section_order
            """, logger: logger)
        for try await (sectionID, type, order, content, scheme, lines, attempts, refinements) in sections.decode(
            (UUID, String, Int32, String, String?, Int32?, Int32, Int32).self)
        {
            lyrics.sections.append(
                .with {
                    $0.id = sectionID.uuidString.lowercased()
                    $0.sectionType = type
                    $0.order = order
                    $0.content = content
                    $0.rhymeScheme = scheme ?? ""
                    $0.lineCount = lines ?? 0
                    $0.generationAttempts = attempts
                    $0.refinementCount = refinements
                })
        }
        return lyrics
    }

    /// Decodes `columns`, then optionally one more: a cursor (bigint) or a score (float8).
    static func rows(_ rows: PostgresRowSequence) async throws -> [LyricsRow] {
        var result: [LyricsRow] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            var lyrics = Lyrica_Lyrics_V1_Lyrics()
            lyrics.id = try cells[0].decode(UUID.self).uuidString.lowercased()
            lyrics.userID = try cells[1].decode(UUID.self).uuidString.lowercased()
            lyrics.title = try cells[2].decode(String?.self) ?? ""
            lyrics.content = try cells[3].decode(String.self)
            lyrics.structure = try Google_Protobuf_Struct(jsonString: try cells[4].decode(String.self))
            lyrics.genre = try cells[5].decode(String?.self) ?? ""
            lyrics.mood = try cells[6].decode(String?.self) ?? ""
            lyrics.theme = try cells[7].decode(String?.self) ?? ""
            lyrics.language = try cells[8].decode(String.self)
            let prompt = try cells[9].decode(String?.self)
            let params = try cells[10].decode(String.self)
            let model = try cells[11].decode(String?.self)
            let seconds = try cells[12].decode(Double?.self)
            if prompt != nil || model != nil || seconds != nil || params != "{}" {
                lyrics.generation = try .with {
                    $0.prompt = prompt ?? ""
                    $0.params = try Google_Protobuf_Struct(jsonString: params)
                    $0.modelUsed = model ?? ""
                    $0.generationTimeSeconds = seconds ?? 0
                }
            }
            let scores = try (13...16).map { try cells[$0].decode(Double?.self) }
            if scores.contains(where: { $0 != nil }) {
                lyrics.scores = .with {
                    if let value = scores[0] { $0.quality = value }
                    if let value = scores[1] { $0.rhyme = value }
                    if let value = scores[2] { $0.creativity = value }
                    if let value = scores[3] { $0.coherence = value }
                }
            }
            lyrics.status = LyricsStatusName.status(try cells[17].decode(String.self))
            lyrics.isPublic = try cells[18].decode(Bool.self)
            lyrics.viewCount = try cells[19].decode(Int64.self)
            lyrics.likeCount = try cells[20].decode(Int64.self)
            lyrics.version = try cells[21].decode(Int64.self)
            lyrics.createdAt = Google_Protobuf_Timestamp(date: try cells[22].decode(Date.self))
            lyrics.updatedAt = Google_Protobuf_Timestamp(date: try cells[23].decode(Date.self))
            if let published = try cells[24].decode(Date?.self) { lyrics.publishedAt = Google_Protobuf_Timestamp(date: published) }
            var entry = LyricsRow(lyrics: lyrics)
            if cells.count > Self.columnCount {
                switch cells[Self.columnCount].dataType {
                case .int8: entry.cursorMicros = try cells[Self.columnCount].decode(Int64?.self)
                default: entry.score = try cells[Self.columnCount].decode(Double.self)
                }
            }
            result.append(entry)
        }
        return result
    }
}

/// The status column's words and the enum.
package enum LyricsStatusName {
    package static func status(_ name: String) -> Lyrica_Lyrics_V1_LyricsStatus {
        switch name {
        case "draft": .draft
        case "completed": .completed
        case "published": .published
        case "archived": .archived
        default: .unspecified
        }
    }

    package static func name(_ status: Lyrica_Lyrics_V1_LyricsStatus) -> String? {
        switch status {
        case .draft: "draft"
        case .completed: "completed"
        case .published: "published"
        case .archived: "archived"
        default: nil
        }
    }
}
