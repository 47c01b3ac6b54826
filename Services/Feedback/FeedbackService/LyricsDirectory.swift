package import Foundation
package import LyricaProtos
package import LyricaRPC
import NIOCore
import SwiftProtobuf

/// Asks the lyrics service about a song as the calling user (service token + on-behalf-of, from
/// the current call's context), so a song is only found if that user may read it.
package struct LyricsDirectory: Sendable {
    package let client: RPCClient
    package let callTimeout: Duration

    package init(client: RPCClient, callTimeout: Duration) {
        self.client = client
        self.callTimeout = callTimeout
    }

    /// The song's facts; NOT_FOUND when it does not exist or the user cannot read it.
    package func readableSong(_ id: UUID) async throws -> SongFacts {
        let lyrics: Lyrica_Lyrics_V1_Lyrics
        do {
            lyrics = try await Lyrica_Lyrics_V1_LyricsService.Client(wrapping: self.client).getLyrics(
                .with { $0.id = id.uuidString.lowercased() }, options: CallOptions(timeout: TimeAmount(self.callTimeout), maxAttempts: 3)
            ).lyrics
        } catch let error as RPCError where error.code == .notFound {
            throw FeedbackError.lyricsNotFound(id)
        } catch let error as RPCError {
            throw RPCError(error.code, "The lyrics service: \(error.message)", cause: error)
        }
        guard let facts = SongFacts(lyrics) else { throw RPCError(.internalError, "The lyrics service answered a song without valid ids") }
        return facts
    }
}
