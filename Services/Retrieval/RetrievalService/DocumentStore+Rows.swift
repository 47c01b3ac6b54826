import Foundation
import LyricaProtos
import PostgresNIO
import SwiftProtobuf

extension DocumentStore {
    static let documentColumnCount = 20

    /// The columns `document(_:)` decodes, of the table aliased `alias` if given; without
    /// content, an empty string stands in for it.
    static func documentColumns(content: Bool, alias: String? = nil) -> String {
        let columns = [
            "id", "external_id", "title", "content", "genre", "mood", "theme", "artist", "album", "year", "language", "tags",
            "custom_metadata::text", "source", "word_count", "chunk_count", "embedding_space", "created_at", "updated_at", "indexed_at",
        ]
        return columns.map { column in
            column == "content" && !content ? "''::text" : (alias.map { "\($0)." } ?? "") + column
        }.joined(separator: ", ")
    }

    /// Decodes `documentColumns`, then optionally one more bigint (a keyset position).
    static func documents(_ rows: PostgresRowSequence) async throws -> [(document: Lyrica_Retrieval_V1_Document, extra: Int64?)] {
        var result: [(Lyrica_Retrieval_V1_Document, Int64?)] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let extra = cells.count > Self.documentColumnCount ? try cells[Self.documentColumnCount].decode(Int64?.self) : nil
            result.append((try Self.document(cells), extra))
        }
        return result
    }

    static func document(_ cells: PostgresRandomAccessRow) throws -> Lyrica_Retrieval_V1_Document {
        var document = Lyrica_Retrieval_V1_Document()
        document.id = try cells[0].decode(UUID.self).uuidString.lowercased()
        document.externalID = try cells[1].decode(String?.self) ?? ""
        document.title = try cells[2].decode(String?.self) ?? ""
        document.content = try cells[3].decode(String.self)
        document.genre = try cells[4].decode(String?.self) ?? ""
        document.mood = try cells[5].decode(String?.self) ?? ""
        document.theme = try cells[6].decode(String?.self) ?? ""
        document.artist = try cells[7].decode(String?.self) ?? ""
        document.album = try cells[8].decode(String?.self) ?? ""
        document.year = try cells[9].decode(Int32?.self) ?? 0
        document.language = try cells[10].decode(String.self)
        document.tags = try cells[11].decode([String].self)
        document.customMetadata = try Google_Protobuf_Struct(jsonString: try cells[12].decode(String.self))
        document.source = try cells[13].decode(String?.self) ?? ""
        document.wordCount = try cells[14].decode(Int32.self)
        document.chunkCount = try cells[15].decode(Int32.self)
        document.embeddingSpace = try cells[16].decode(String.self)
        document.createdAt = Google_Protobuf_Timestamp(date: try cells[17].decode(Date.self))
        document.updatedAt = Google_Protobuf_Timestamp(date: try cells[18].decode(Date.self))
        if let indexed = try cells[19].decode(Date?.self) { document.indexedAt = Google_Protobuf_Timestamp(date: indexed) }
        return document
    }
}
