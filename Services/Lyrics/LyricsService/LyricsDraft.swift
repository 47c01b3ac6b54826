import Foundation
package import LyricaProtos
package import LyricaRPC
import SwiftProtobuf

/// A song's fields after validation, ready to store: what CreateLyrics and UpdateLyrics write.
package struct LyricsDraft: Sendable {
    package var title: String?
    package var sections: [Lyrica_Lyrics_V1_Section]
    package var content: String
    package var structureJSON: String
    package var genre: String?
    package var mood: String?
    package var theme: String?
    package var language: String
    package var prompt: String?
    package var generationParamsJSON: String
    package var modelUsed: String?
    package var generationSeconds: Double?
    package var scores: [Double?]
    package var status: String

    /// Limits, with the messages that name them.
    package enum Limits {
        package static let titleLength = 255
        package static let sections = 100
        package static let sectionLength = 10_000
        package static let contentLength = 100_000
        package static let tagLength = 100
        package static let themeLength = 255
        package static let promptLength = 10_000
        package static let jsonBytes = 16_384
        package static let requestIDLength = 128
        package static let sectionTypes = ["intro", "verse", "pre-chorus", "chorus", "post-chorus", "bridge", "outro"]
    }

    /// Validates a CreateLyrics request.
    package init(_ request: Lyrica_Lyrics_V1_CreateLyricsRequest) throws(RPCError) {
        self.title = try Self.title(request.title)
        if request.sections.isEmpty {
            let content = request.content.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !content.isEmpty else {
                throw RPCError(.invalidArgument, "Send the words: sections (1–\(Limits.sections)) or content")
            }
            guard content.count <= Limits.contentLength else {
                throw RPCError(.invalidArgument, "content has \(content.count) characters; the most is \(Limits.contentLength)")
            }
            self.sections = []
            self.content = content
        } else {
            guard request.content.isEmpty else {
                throw RPCError(.invalidArgument, "Send sections or content, not both: content is made from the sections")
            }
            self.sections = try Self.sections(request.sections)
            self.content = try Self.content(of: self.sections)
        }
        self.structureJSON = try Self.structure(request.hasStructure ? request.structure : nil, sections: self.sections)
        self.genre = try Self.tag(request.genre, field: "genre", limit: Limits.tagLength)
        self.mood = try Self.tag(request.mood, field: "mood", limit: Limits.tagLength)
        self.theme = try Self.tag(request.theme, field: "theme", limit: Limits.themeLength)
        self.language = try Self.language(request.language.isEmpty ? "en" : request.language)
        let generation = request.generation
        self.prompt = generation.prompt.isEmpty ? nil : generation.prompt
        guard generation.prompt.count <= Limits.promptLength else {
            throw RPCError(.invalidArgument, "generation.prompt is longer than \(Limits.promptLength) characters")
        }
        self.generationParamsJSON = try Self.json(generation.hasParams ? generation.params : nil, field: "generation.params")
        self.modelUsed = try Self.tag(generation.modelUsed, field: "generation.model_used", limit: Limits.tagLength)
        guard generation.generationTimeSeconds >= 0, generation.generationTimeSeconds < 100_000_000 else {
            throw RPCError(.invalidArgument, "generation.generation_time_seconds must be 0 or more")
        }
        self.generationSeconds = generation.generationTimeSeconds > 0 ? generation.generationTimeSeconds : nil
        self.scores = try Self.scores(request.scores)
        self.status = try Self.editableStatus(request.status)
    }

    /// A CreateLyrics request_id: nil when absent; otherwise 1–128 characters without control characters.
    package static func requestID(_ raw: String) throws(RPCError) -> String? {
        guard !raw.isEmpty else { return nil }
        guard raw.count <= Limits.requestIDLength else {
            throw RPCError(.invalidArgument, "request_id has \(raw.count) characters; the most is \(Limits.requestIDLength)")
        }
        guard !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw RPCError(.invalidArgument, "request_id contains control characters; use printable text such as a UUID")
        }
        return raw
    }

    // MARK: Field rules, shared with updates

    static func title(_ raw: String) throws(RPCError) -> String? {
        let title = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard title.count <= Limits.titleLength else {
            throw RPCError(.invalidArgument, "title has \(title.count) characters; the most is \(Limits.titleLength)")
        }
        return title.isEmpty ? nil : title
    }

    /// Checks types, sizes and positions; numbers positions as sent when none are given.
    static func sections(_ raw: [Lyrica_Lyrics_V1_Section]) throws(RPCError) -> [Lyrica_Lyrics_V1_Section] {
        guard !raw.isEmpty else { throw RPCError(.invalidArgument, "sections must not be empty") }
        guard raw.count <= Limits.sections else {
            throw RPCError(.invalidArgument, "There are \(raw.count) sections; the most is \(Limits.sections)")
        }
        let numberAsSent = raw.allSatisfy { $0.order == 0 }
        var seen = Set<Int32>()
        var sections: [Lyrica_Lyrics_V1_Section] = []
        for (index, var section) in raw.enumerated() {
            let position = "section \(index + 1)"
            section = try Self.section(section, position: position)
            if numberAsSent { section.order = Int32(index) }
            guard section.order >= 0 else { throw RPCError(.invalidArgument, "\(position): order must be 0 or more") }
            guard seen.insert(section.order).inserted else {
                throw RPCError(.invalidArgument, "\(position): order \(section.order) is used twice")
            }
            sections.append(section)
        }
        return sections.sorted { $0.order < $1.order }
    }

    /// One section's type, words and rhyme scheme; `position` names it in messages.
    static func section(_ raw: Lyrica_Lyrics_V1_Section, position: String) throws(RPCError) -> Lyrica_Lyrics_V1_Section {
        var section = raw
        section.id = ""
        section.sectionType = section.sectionType.trimmingCharacters(in: .whitespaces).lowercased()
        guard Limits.sectionTypes.contains(section.sectionType) else {
            let shown = section.sectionType.isEmpty ? "no type" : "type '\(raw.sectionType)'"
            throw RPCError(.invalidArgument, "\(position) has \(shown); use one of " + Limits.sectionTypes.joined(separator: ", "))
        }
        section.content = section.content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !section.content.isEmpty else { throw RPCError(.invalidArgument, "\(position) has no content") }
        guard section.content.count <= Limits.sectionLength else {
            throw RPCError(.invalidArgument, "\(position) has \(section.content.count) characters; the most is \(Limits.sectionLength)")
        }
        guard section.rhymeScheme.count <= 50, section.rhymeScheme.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw RPCError(.invalidArgument, "\(position): rhyme_scheme '\(raw.rhymeScheme)' must be letters only, e.g. ABAB")
        }
        section.rhymeScheme = section.rhymeScheme.uppercased()
        section.lineCount = Int32(section.content.split(separator: "\n", omittingEmptySubsequences: true).count)
        section.generationAttempts = max(section.generationAttempts, 1)
        section.refinementCount = max(section.refinementCount, 0)
        return section
    }

    /// The sections' words joined by blank lines, within the size limit.
    static func content(of sections: [Lyrica_Lyrics_V1_Section]) throws(RPCError) -> String {
        let content = sections.map(\.content).joined(separator: "\n\n")
        guard content.count <= Limits.contentLength else {
            throw RPCError(.invalidArgument, "The sections hold \(content.count) characters; the most is \(Limits.contentLength)")
        }
        return content
    }

    /// The given structure, or the section types in order.
    static func structure(_ structure: Google_Protobuf_Struct?, sections: [Lyrica_Lyrics_V1_Section]) throws(RPCError) -> String {
        if let structure { return try Self.json(structure, field: "structure") }
        let types = sections.map { "\"\($0.sectionType)\"" }.joined(separator: ",")
        return #"{"sections":[\#(types)]}"#
    }

    static func json(_ value: Google_Protobuf_Struct?, field: String) throws(RPCError) -> String {
        guard let value else { return "{}" }
        let json: String
        do {
            json = try value.jsonString()
        } catch {
            throw RPCError(.invalidArgument, "\(field) cannot be written as JSON")
        }
        guard json.utf8.count <= Limits.jsonBytes else { throw RPCError(.invalidArgument, "\(field) is larger than 16 KiB") }
        return json
    }

    static func tag(_ raw: String, field: String, limit: Int) throws(RPCError) -> String? {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard value.count <= limit else { throw RPCError(.invalidArgument, "\(field) is longer than \(limit) characters") }
        return value.isEmpty ? nil : value
    }

    static func language(_ raw: String) throws(RPCError) -> String {
        guard raw.wholeMatch(of: /[a-z]{2,3}(-[A-Za-z0-9]{2,8})?/) != nil else {
            throw RPCError(.invalidArgument, "language '\(raw)' is not a language tag such as 'en' or 'pt-BR'")
        }
        return raw
    }

    static func scores(_ scores: Lyrica_Lyrics_V1_Scores) throws(RPCError) -> [Double?] {
        let values: [(String, Double?)] = [
            ("quality", scores.hasQuality ? scores.quality : nil), ("rhyme", scores.hasRhyme ? scores.rhyme : nil),
            ("creativity", scores.hasCreativity ? scores.creativity : nil), ("coherence", scores.hasCoherence ? scores.coherence : nil),
        ]
        for (name, value) in values {
            if let value, !(0...1).contains(value) {
                throw RPCError(.invalidArgument, "scores.\(name) is \(value); scores are from 0 to 1")
            }
        }
        return values.map(\.1)
    }

    /// DRAFT (the default) or COMPLETED: publishing and archiving have their own methods.
    static func editableStatus(_ status: Lyrica_Lyrics_V1_LyricsStatus) throws(RPCError) -> String {
        switch status {
        case .unspecified, .draft: return "draft"
        case .completed: return "completed"
        case .published: throw RPCError(.invalidArgument, "status PUBLISHED is set by PublishLyrics, not here")
        case .archived: throw RPCError(.invalidArgument, "status ARCHIVED is set by ArchiveLyrics, not here")
        case .UNRECOGNIZED(let value): throw RPCError(.invalidArgument, "status \(value) is not a status")
        }
    }
}

extension LyricsDraft {
    /// The stored song's fields, to merge an update into.
    package init(current lyrics: Lyrica_Lyrics_V1_Lyrics) throws {
        self.title = lyrics.title.isEmpty ? nil : lyrics.title
        self.sections = lyrics.sections
        self.content = lyrics.content
        self.structureJSON = try lyrics.structure.jsonString()
        self.genre = lyrics.genre.isEmpty ? nil : lyrics.genre
        self.mood = lyrics.mood.isEmpty ? nil : lyrics.mood
        self.theme = lyrics.theme.isEmpty ? nil : lyrics.theme
        self.language = lyrics.language
        self.prompt = lyrics.generation.prompt.isEmpty ? nil : lyrics.generation.prompt
        self.generationParamsJSON = try lyrics.generation.params.jsonString()
        self.modelUsed = lyrics.generation.modelUsed.isEmpty ? nil : lyrics.generation.modelUsed
        self.generationSeconds = lyrics.generation.generationTimeSeconds > 0 ? lyrics.generation.generationTimeSeconds : nil
        let scores = lyrics.scores
        self.scores = [
            scores.hasQuality ? scores.quality : nil, scores.hasRhyme ? scores.rhyme : nil,
            scores.hasCreativity ? scores.creativity : nil, scores.hasCoherence ? scores.coherence : nil,
        ]
        self.status = LyricsStatusName.name(lyrics.status) ?? "draft"
    }
}
