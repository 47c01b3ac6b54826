package import Foundation
import Logging
package import LyricaProtos
package import LyricaRPC
package import LyricaService
import SwiftProtobuf

/// Serves lyrica.feedback.v1.FeedbackService: validates requests, asks the lyrics service
/// whether the caller may see a song, and moves the popular set with every committed write. The
/// store owns the SQL; summaries are cached under the song's feedback write count, so a write
/// never needs to drop one.
package struct FeedbackService: Lyrica_Feedback_V1_FeedbackService.ServiceProtocol {
    package let store: FeedbackStore
    package let directory: LyricsDirectory
    package let popularity: Popularity
    package let summaries: MessageCache<Lyrica_Feedback_V1_LyricsSummary>
    package let writes: MinuteQuota

    package init(
        store: FeedbackStore, directory: LyricsDirectory, popularity: Popularity, summaries: MessageCache<Lyrica_Feedback_V1_LyricsSummary>,
        writes: MinuteQuota
    ) {
        self.store = store
        self.directory = directory
        self.popularity = popularity
        self.summaries = summaries
        self.writes = writes
    }

    // MARK: The caller's feedback

    package func submitFeedback(_ request: Lyrica_Feedback_V1_SubmitFeedbackRequest, context: RPCContext) async throws
        -> Lyrica_Feedback_V1_SubmitFeedbackResponse
    {
        let user = try context.requireUser()
        let id = try Self.lyricsID(request.lyricsID)
        let change = try FeedbackChange(request)
        // Two independent round trips (Redis, the lyrics service) at once.
        async let admitted: Void = self.writes.admit(user)
        let facts = try await self.directory.readableSong(id)
        try await admitted
        let write = try await self.store.submit(change, userID: user, facts: facts, logger: context.logger)
        await self.popularity.record(write, logger: context.logger)
        guard let after = write.after else { throw RPCError(.internalError, "The feedback was written but not returned") }
        return .with {
            $0.feedback = FeedbackStore.message(after)
            $0.feedback.lyricsTitle = write.facts.title
            $0.created = write.before == nil
        }
    }

    package func getMyFeedback(_ request: Lyrica_Feedback_V1_GetMyFeedbackRequest, context: RPCContext) async throws
        -> Lyrica_Feedback_V1_GetMyFeedbackResponse
    {
        let user = try context.requireUser()
        let id = try Self.lyricsID(request.lyricsID)
        guard let feedback = try await self.store.feedback(userID: user, lyricsID: id, logger: context.logger) else {
            throw FeedbackError.feedbackNotFound(id)
        }
        return .with { $0.feedback = feedback }
    }

    package func deleteFeedback(_ request: Lyrica_Feedback_V1_DeleteFeedbackRequest, context: RPCContext) async throws
        -> Lyrica_Feedback_V1_DeleteFeedbackResponse
    {
        let user = try context.requireUser()
        let id = try Self.lyricsID(request.lyricsID)
        try await self.writes.admit(user)
        guard let write = try await self.store.delete(userID: user, lyricsID: id, logger: context.logger) else {
            throw FeedbackError.feedbackNotFound(id)
        }
        await self.popularity.record(write, logger: context.logger)
        return .init()
    }

    package func listMyLiked(_ request: Lyrica_Feedback_V1_ListMyFeedbackRequest, context: RPCContext) async throws
        -> Lyrica_Feedback_V1_ListFeedbackResponse
    {
        try await self.list(.liked, request, context: context)
    }

    package func listMySaved(_ request: Lyrica_Feedback_V1_ListMyFeedbackRequest, context: RPCContext) async throws
        -> Lyrica_Feedback_V1_ListFeedbackResponse
    {
        try await self.list(.saved, request, context: context)
    }

    package func getTasteProfile(_ request: Lyrica_Feedback_V1_GetTasteProfileRequest, context: RPCContext) async throws
        -> Lyrica_Feedback_V1_GetTasteProfileResponse
    {
        let user = try context.requireUser()
        let profile = try await self.store.tasteProfile(userID: user, logger: context.logger)
        return .with { $0.profile = profile }
    }

    // MARK: Everyone's feedback

    package func getLyricsSummary(_ request: Lyrica_Feedback_V1_GetLyricsSummaryRequest, context: RPCContext) async throws
        -> Lyrica_Feedback_V1_GetLyricsSummaryResponse
    {
        let user = try context.requireUser()
        let id = try Self.lyricsID(request.lyricsID)
        // The stored facts answer for public songs and the owner; anything else asks the lyrics
        // service (a song without feedback yet, a private song read by an admin).
        let known = try await self.store.knownSong(id, logger: context.logger)
        if !(known.map { $0.facts.isPublic || $0.facts.ownerID == user } ?? false) { _ = try await self.directory.readableSong(id) }
        guard let known else { return .with { $0.summary = FeedbackStore.emptySummary(id) } }
        // Keyed by the feedback's write count: a summary computed before a write is never served after it.
        let key = "\(id.uuidString.lowercased()):\(known.feedbackVersion)"
        let summary = try await self.summaries.value(key) { try await self.store.summary(lyricsID: id, logger: context.logger) }
        return .with { $0.summary = summary ?? FeedbackStore.emptySummary(id) }
    }

    package func listPopular(_ request: Lyrica_Feedback_V1_ListPopularRequest, context: RPCContext) async throws
        -> Lyrica_Feedback_V1_ListPopularResponse
    {
        _ = try context.requireUser()
        let size = try PageToken.size(request.pageSize)
        let offset = try PageToken.offset(request.pageToken)
        let page = try await self.popularity.page(offset: offset, count: size, logger: context.logger)
        return .with {
            $0.lyrics = page.lyrics
            $0.windowSeconds = Int64(self.popularity.window.seconds)
            if page.more, offset + size <= PageToken.maxOffset { $0.nextPageToken = PageToken.encode(offset: offset + size) }
        }
    }

    // MARK: Helpers


    private func list(
        _ marked: FeedbackStore.Marked, _ request: Lyrica_Feedback_V1_ListMyFeedbackRequest, context: RPCContext
    ) async throws -> Lyrica_Feedback_V1_ListFeedbackResponse {
        let user = try context.requireUser()
        let size = try PageToken.size(request.pageSize)
        let rows = try await self.store.page(marked, userID: user, after: try PageToken.key(request.pageToken), limit: size + 1, logger: context.logger)
        return .with {
            $0.feedback = rows.prefix(size).map(\.feedback)
            if rows.count > size, let last = rows.prefix(size).last, let id = UUID(uuidString: last.feedback.lyricsID) {
                $0.nextPageToken = PageToken.encode(PageToken.Key(micros: last.micros, id: id))
            }
        }
    }

    static func lyricsID(_ raw: String) throws(RPCError) -> UUID {
        guard let id = UUID(uuidString: raw) else {
            throw RPCError(.invalidArgument, raw.isEmpty ? "lyrics_id is required" : "lyrics_id '\(raw)' is not a lyrics id (UUID)")
        }
        return id
    }
}
