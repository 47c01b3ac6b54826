import Crypto
package import Foundation
package import LyricaProtos
package import LyricaRPC
package import LyricaText
import SwiftProtobuf

/// A document as a writer sent it, checked and split into chunks, ready to embed and store.
/// Every limit answers INVALID_ARGUMENT naming the field, and (in bulk loads) the document.
package struct DocumentDraft: Sendable {
    package var id: UUID?
    package var externalID: String?
    package var title: String?
    package var content: String
    package var genre: String?
    package var mood: String?
    package var theme: String?
    package var artist: String?
    package var album: String?
    package var year: Int32?
    package var language: String
    package var tags: [String]
    package var customMetadataJSON: String
    package var source: String?
    package var chunks: [Chunker.Chunk]
    package var wordCount: Int

    package static let maxContentBytes = 1 << 20
    package static let maxTags = 32
    package static let maxCustomMetadataBytes = 16 * 1024

    /// - Parameter position: names the document in messages, e.g. "document 17".
    package init(_ document: Lyrica_Retrieval_V1_Document, position: String? = nil, chunker: Chunker = Chunker()) throws(RPCError) {
        func invalid(_ message: String) -> RPCError {
            let name = position.map { "\($0)\(document.externalID.isEmpty ? "" : " (\(document.externalID))"): " } ?? ""
            return RPCError(.invalidArgument, name + message)
        }
        func text(_ value: String, _ field: String, max: Int) throws(RPCError) -> String? {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count <= max else { throw invalid("\(field) is longer than \(max) characters") }
            return trimmed.isEmpty ? nil : trimmed
        }

        if !document.id.isEmpty {
            guard let id = UUID(uuidString: document.id) else { throw invalid("id '\(document.id.prefix(40))' is not a UUID") }
            self.id = id
        }
        self.externalID = try text(document.externalID, "external_id", max: 255)
        self.title = try text(document.title, "title", max: 255)
        guard document.content.utf8.count <= Self.maxContentBytes else {
            throw invalid("content is \(document.content.utf8.count) bytes; the limit is \(Self.maxContentBytes) (split it into documents)")
        }
        guard document.content.contains(where: { $0.isLetter || $0.isNumber }) else {
            throw invalid("content is empty: a document needs some words to be found by")
        }
        self.content = document.content
        self.genre = try text(document.genre, "genre", max: 100)?.lowercased()
        self.mood = try text(document.mood, "mood", max: 100)?.lowercased()
        self.theme = try text(document.theme, "theme", max: 100)?.lowercased()
        self.artist = try text(document.artist, "artist", max: 255)
        self.album = try text(document.album, "album", max: 255)
        self.source = try text(document.source, "source", max: 100)
        guard document.year == 0 || (1...9999).contains(document.year) else {
            throw invalid("year must be 1 to 9999 (0 when unknown), not \(document.year)")
        }
        self.year = document.year == 0 ? nil : document.year
        let language = try text(document.language, "language", max: 10) ?? "en"
        guard language.wholeMatch(of: /[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*/) != nil else {
            throw invalid("language '\(language)' is not a language tag such as 'en' or 'pt-BR'")
        }
        self.language = language
        guard document.tags.count <= Self.maxTags else { throw invalid("at most \(Self.maxTags) tags, not \(document.tags.count)") }
        var tags: [String] = []
        for tag in document.tags {
            guard let tag = try text(tag, "a tag", max: 50)?.lowercased() else { throw invalid("tags must not be empty") }
            if !tags.contains(tag) { tags.append(tag) }
        }
        self.tags = tags
        let json = (try? document.customMetadata.jsonString()) ?? "{}"
        guard json.utf8.count <= Self.maxCustomMetadataBytes else {
            throw invalid("custom_metadata is \(json.utf8.count) bytes as JSON; the limit is \(Self.maxCustomMetadataBytes)")
        }
        self.customMetadataJSON = json
        self.chunks = chunker.chunks(of: document.content)
        self.wordCount = Self.wordCount(document.content)
    }

    /// SHA-256 over everything stored and the vector space: equal fingerprints mean a rewrite
    /// would change nothing.
    package func fingerprint(space: String) -> Data {
        var hasher = SHA256()
        let fields: [String] = [
            space, self.title ?? "", self.content, self.genre ?? "", self.mood ?? "", self.theme ?? "", self.artist ?? "",
            self.album ?? "", self.year.map(String.init) ?? "", self.language, self.tags.joined(separator: "\u{1F}"),
            self.customMetadataJSON, self.source ?? "",
        ]
        for field in fields {
            hasher.update(data: Array(String(field.utf8.count).utf8) + [0x1E] + Array(field.utf8))
        }
        return Data(hasher.finalize())
    }

    private static func wordCount(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for byte in text.utf8 {
            let space = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
            if !space && !inWord { count += 1 }
            inWord = !space
        }
        return count
    }
}
