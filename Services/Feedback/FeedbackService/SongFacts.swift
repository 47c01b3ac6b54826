package import Foundation
package import LyricaProtos

/// What the feedback service keeps about a song (`feedback.lyrics_info`): from the lyrics
/// service's GetLyrics answer on every submit, and from `lyrics.changed` events between.
package struct SongFacts: Sendable, Equatable {
    package var lyricsID: UUID
    package var ownerID: UUID
    package var title: String
    package var genre: String
    package var mood: String
    package var isPublic: Bool
    /// The song's version these facts are from.
    package var version: Int64

    package init(lyricsID: UUID, ownerID: UUID, title: String, genre: String, mood: String, isPublic: Bool, version: Int64) {
        self.lyricsID = lyricsID
        self.ownerID = ownerID
        self.title = title
        self.genre = genre
        self.mood = mood
        self.isPublic = isPublic
        self.version = version
    }

    package init?(_ lyrics: Lyrica_Lyrics_V1_Lyrics) {
        guard let id = UUID(uuidString: lyrics.id), let owner = UUID(uuidString: lyrics.userID) else { return nil }
        self.init(
            lyricsID: id, ownerID: owner, title: lyrics.title, genre: lyrics.genre, mood: lyrics.mood, isPublic: lyrics.isPublic,
            version: lyrics.version)
    }

    /// Whether feedback from `user` counts towards popularity: public songs, not by their owner.
    package func countsForPopularity(from user: UUID) -> Bool { self.isPublic && user != self.ownerID }
}
