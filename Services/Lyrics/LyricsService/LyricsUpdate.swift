import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// Validates UpdateLyrics masks and list filters, and merges updates into a draft.
enum LyricsUpdate {
    static let fields = ["title", "sections", "structure", "genre", "mood", "theme", "language", "scores", "status"]

    static func paths(of mask: Google_Protobuf_FieldMask) throws(RPCError) -> Set<String> {
        guard !mask.paths.isEmpty else {
            throw RPCError(.invalidArgument, "update_mask is required: name the fields to change, e.g. \"title,sections\"")
        }
        for path in mask.paths where !Self.fields.contains(path) {
            throw RPCError(.invalidArgument, "update_mask path '\(path)' cannot be changed here; use " + Self.fields.joined(separator: ", "))
        }
        return Set(mask.paths)
    }

    /// Applies the masked fields of `update`; returns whether the words (title, sections) changed.
    static func apply(_ update: Lyrica_Lyrics_V1_Lyrics, paths: Set<String>, to draft: inout LyricsDraft) throws(RPCError) -> Bool {
        var wordsChanged = false
        if paths.contains("title") {
            let title = try LyricsDraft.title(update.title)
            wordsChanged = wordsChanged || title != draft.title
            draft.title = title
        }
        if paths.contains("sections") {
            draft.sections = try LyricsDraft.sections(update.sections)
            draft.content = try LyricsDraft.content(of: draft.sections)
            wordsChanged = true
            if !paths.contains("structure") { draft.structureJSON = try LyricsDraft.structure(nil, sections: draft.sections) }
        }
        if paths.contains("structure") {
            draft.structureJSON = try LyricsDraft.structure(
                update.hasStructure ? update.structure : nil, sections: draft.sections)
        }
        if paths.contains("genre") { draft.genre = try LyricsDraft.tag(update.genre, field: "genre", limit: LyricsDraft.Limits.tagLength) }
        if paths.contains("mood") { draft.mood = try LyricsDraft.tag(update.mood, field: "mood", limit: LyricsDraft.Limits.tagLength) }
        if paths.contains("theme") { draft.theme = try LyricsDraft.tag(update.theme, field: "theme", limit: LyricsDraft.Limits.themeLength) }
        if paths.contains("language") { draft.language = try LyricsDraft.language(update.language) }
        if paths.contains("scores") { draft.scores = try LyricsDraft.scores(update.scores) }
        if paths.contains("status") { draft.status = try LyricsDraft.editableStatus(update.status) }
        return wordsChanged
    }

    static func filter(_ filter: Lyrica_Lyrics_V1_LyricsFilter) throws(RPCError) -> ListFilter {
        var result = ListFilter()
        result.genre = try LyricsDraft.tag(filter.genre, field: "filter.genre", limit: LyricsDraft.Limits.tagLength)
        result.mood = try LyricsDraft.tag(filter.mood, field: "filter.mood", limit: LyricsDraft.Limits.tagLength)
        result.language = filter.language.isEmpty ? nil : try LyricsDraft.language(filter.language)
        if case .UNRECOGNIZED(let value) = filter.status { throw RPCError(.invalidArgument, "filter.status \(value) is not a status") }
        result.status = LyricsStatusName.name(filter.status)
        result.createdAfter = filter.hasCreatedAfter ? filter.createdAfter.date : nil
        result.createdBefore = filter.hasCreatedBefore ? filter.createdBefore.date : nil
        if let after = result.createdAfter, let before = result.createdBefore, after >= before {
            throw RPCError(.invalidArgument, "filter.created_after must be before filter.created_before")
        }
        return result
    }
}
