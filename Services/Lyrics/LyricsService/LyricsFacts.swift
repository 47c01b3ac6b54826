import Foundation
import LyricaProtos

/// What other services keep about a song (the feedback service: who owns it, whether it is
/// public, its title, genre and mood); a change to any of them is announced as `lyrics.changed`
/// with the song's new version, so consumers can ignore news older than what they hold.
struct LyricsFacts: Encodable {
    let lyricsID: String
    let userID: String
    let title: String
    let genre: String
    let mood: String
    let isPublic: Bool
    let version: Int64

    init(_ lyrics: Lyrica_Lyrics_V1_Lyrics) {
        self.lyricsID = lyrics.id
        self.userID = lyrics.userID
        self.title = lyrics.title
        self.genre = lyrics.genre
        self.mood = lyrics.mood
        self.isPublic = lyrics.isPublic
        self.version = lyrics.version
    }

    /// Whether anything announced changed (the version always does).
    func differs(from other: Self) -> Bool {
        self.title != other.title || self.genre != other.genre || self.mood != other.mood || self.isPublic != other.isPublic
    }

    enum CodingKeys: String, CodingKey {
        case lyricsID = "lyrics_id", userID = "user_id", title, genre, mood, isPublic = "is_public", version
    }

    /// The `lyrics.changed` payload.
    var payload: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
