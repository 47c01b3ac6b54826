import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// Validates an UpdatePreferences request and merges the fields its mask names.
enum PreferencesUpdate {
    static let fields = ["preferred_genres", "preferred_moods", "default_structure", "language", "theme", "notifications_enabled"]
    static let themes = ["light", "dark", "system"]

    /// The mask's paths; every field when it is empty.
    static func paths(of mask: Google_Protobuf_FieldMask) throws(RPCError) -> Set<String> {
        guard !mask.paths.isEmpty else { return Set(Self.fields) }
        for path in mask.paths where !Self.fields.contains(path) {
            throw RPCError(.invalidArgument, "update_mask path '\(path)' is not a preference; use " + Self.fields.joined(separator: ", "))
        }
        return Set(mask.paths)
    }

    static func apply(_ update: Lyrica_Auth_V1_Preferences, paths: Set<String>, to preferences: inout Preferences) throws {
        if paths.contains("preferred_genres") { preferences.preferredGenres = try Self.tags(update.preferredGenres, field: "preferred_genres") }
        if paths.contains("preferred_moods") { preferences.preferredMoods = try Self.tags(update.preferredMoods, field: "preferred_moods") }
        if paths.contains("default_structure") {
            let json = update.hasDefaultStructure ? try update.defaultStructure.jsonString() : "{}"
            guard json.utf8.count <= 16_384 else { throw RPCError(.invalidArgument, "default_structure is larger than 16 KiB") }
            preferences.defaultStructure = json
        }
        if paths.contains("language") {
            guard update.language.wholeMatch(of: /[a-z]{2,3}(-[A-Za-z0-9]{2,8})?/) != nil else {
                throw RPCError(.invalidArgument, "language '\(update.language)' is not a language tag such as 'en' or 'pt-BR'")
            }
            preferences.language = update.language
        }
        if paths.contains("theme") {
            guard Self.themes.contains(update.theme) else {
                throw RPCError(.invalidArgument, "theme '\(update.theme)' is not one of " + Self.themes.joined(separator: ", "))
            }
            preferences.theme = update.theme
        }
        if paths.contains("notifications_enabled") { preferences.notificationsEnabled = update.notificationsEnabled }
    }

    /// Trimmed, lowercased, deduplicated in order; at most 20 of at most 50 characters.
    private static func tags(_ values: [String], field: String) throws(RPCError) -> [String] {
        var seen = Set<String>()
        var tags: [String] = []
        for raw in values {
            let tag = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard !tag.isEmpty else { throw RPCError(.invalidArgument, "\(field) has an empty entry") }
            guard tag.count <= 50 else { throw RPCError(.invalidArgument, "\(field) entry '\(raw)' is longer than 50 characters") }
            if seen.insert(tag).inserted { tags.append(tag) }
        }
        guard tags.count <= 20 else { throw RPCError(.invalidArgument, "\(field) has \(tags.count) entries; the most is 20") }
        return tags
    }
}
