import Foundation
import Logging
package import LyricaProtos
package import LyricaRPC
import LyricaService
import SwiftProtobuf

/// Serves lyrica.lyrics.v1.LyricsService: validates requests and decides who may do what; the
/// store owns the SQL, the cache and the view counter own their Redis keys.
package struct LyricsService: Lyrica_Lyrics_V1_LyricsService.ServiceProtocol {
    package let store: LyricsStore
    package let cache: LyricsCache
    package let views: ViewCounter

    package init(store: LyricsStore, cache: LyricsCache, views: ViewCounter) {
        self.store = store
        self.cache = cache
        self.views = views
    }

    // MARK: One song

    package func createLyrics(_ request: Lyrica_Lyrics_V1_CreateLyricsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_CreateLyricsResponse
    {
        let user = try context.requireUser()
        let draft = try LyricsDraft(request)
        let requestID = try LyricsDraft.requestID(request.requestID)
        let (lyrics, created) = try await self.store.create(draft, userID: user, requestID: requestID, logger: context.logger)
        return .with {
            $0.lyrics = lyrics
            $0.created = created
        }
    }

    package func getLyrics(_ request: Lyrica_Lyrics_V1_GetLyricsRequest, context: RPCContext) async throws -> Lyrica_Lyrics_V1_GetLyricsResponse {
        let id = try Self.id(request.id, field: "id")
        let viewer = try Viewer(context)
        let lyrics = try await self.readable(id, by: viewer, context: context)
        // Services reading for a user (e.g. feedback checking a song exists) are not views.
        if !viewer.owns(lyrics), context.principal?.isService != true { self.views.record(lyricsID: id) }
        return .with { $0.lyrics = lyrics }
    }

    package func updateLyrics(_ request: Lyrica_Lyrics_V1_UpdateLyricsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_UpdateLyricsResponse
    {
        let id = try Self.id(request.id, field: "id")
        let viewer = try Viewer(context)
        let version = try Self.version(request.version)
        let paths = try LyricsUpdate.paths(of: request.updateMask)
        let update = request.lyrics
        let lyrics = try await self.modify(id: id, context: context) { current in
            try viewer.mayEdit(current, version: version)
            var draft = try LyricsDraft(current: current)
            let wordsChanged = try LyricsUpdate.apply(update, paths: paths, to: &draft)
            return LyricsStore.Change(draft: draft, status: draft.status, isPublic: false, wordsChanged: wordsChanged)
        }
        return .with { $0.lyrics = lyrics }
    }

    package func updateSection(_ request: Lyrica_Lyrics_V1_UpdateSectionRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_UpdateSectionResponse
    {
        let id = try Self.id(request.lyricsID, field: "lyrics_id")
        let viewer = try Viewer(context)
        let version = try Self.version(request.version)
        let lyrics = try await self.modify(id: id, context: context) { current in
            try viewer.mayEdit(current, version: version)
            var draft = try LyricsDraft(current: current)
            guard let index = draft.sections.firstIndex(where: { $0.order == request.order }) else {
                throw LyricsError.sectionNotFound(request.order)
            }
            var section = draft.sections[index]
            section.content = request.content
            if !request.sectionType.isEmpty { section.sectionType = request.sectionType }
            if !request.rhymeScheme.isEmpty { section.rhymeScheme = request.rhymeScheme }
            section.refinementCount += 1
            draft.sections[index] = try LyricsDraft.section(section, position: "section \(request.order)")
            draft.content = try LyricsDraft.content(of: draft.sections)
            return LyricsStore.Change(draft: draft, status: draft.status, isPublic: false, wordsChanged: true)
        }
        return .with { $0.lyrics = lyrics }
    }

    package func deleteLyrics(_ request: Lyrica_Lyrics_V1_DeleteLyricsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_DeleteLyricsResponse
    {
        let id = try Self.id(request.id, field: "id")
        let viewer = try Viewer(context)
        guard try await self.store.delete(id: id, logger: context.logger, allowed: { try viewer.mayModerate($0) }) else {
            throw LyricsError.notFound(request.id)
        }
        await self.cache.forget(id: id, logger: context.logger)
        return .init()
    }

    package func publishLyrics(_ request: Lyrica_Lyrics_V1_PublishLyricsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_PublishLyricsResponse
    {
        let id = try Self.id(request.id, field: "id")
        let viewer = try Viewer(context)
        let lyrics = try await self.modify(id: id, context: context) { current in
            try viewer.mayChange(current)
            guard current.status == .completed else {
                throw LyricsError.notCompleted(status: LyricsStatusName.name(current.status) ?? "unknown")
            }
            return LyricsStore.Change(
                draft: try LyricsDraft(current: current), status: "published", isPublic: true, publish: true, wordsChanged: false)
        }
        return .with { $0.lyrics = lyrics }
    }

    package func archiveLyrics(_ request: Lyrica_Lyrics_V1_ArchiveLyricsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_ArchiveLyricsResponse
    {
        let id = try Self.id(request.id, field: "id")
        let viewer = try Viewer(context)
        let lyrics = try await self.modify(id: id, context: context) { current in
            try viewer.mayModerate(current)
            return LyricsStore.Change(draft: try LyricsDraft(current: current), status: "archived", isPublic: false, wordsChanged: false)
        }
        return .with { $0.lyrics = lyrics }
    }

    // MARK: Lists and search

    package func listMyLyrics(_ request: Lyrica_Lyrics_V1_ListMyLyricsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_ListLyricsResponse
    {
        let user = try context.requireUser()
        let size = try PageToken.size(request.pageSize)
        let rows = try await self.store.page(
            ofUser: user, filter: try LyricsUpdate.filter(request.filter), after: try PageToken.key(request.pageToken),
            limit: size + 1, logger: context.logger)
        return Self.keysetPage(rows, size: size)
    }

    package func listPublicLyrics(_ request: Lyrica_Lyrics_V1_ListPublicLyricsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_ListLyricsResponse
    {
        let size = try PageToken.size(request.pageSize)
        var filter = try LyricsUpdate.filter(request.filter)
        filter.status = nil
        let rows = try await self.store.publicPage(
            filter: filter, after: try PageToken.key(request.pageToken), limit: size + 1, logger: context.logger)
        return Self.keysetPage(rows, size: size)
    }

    package func searchLyrics(_ request: Lyrica_Lyrics_V1_SearchLyricsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_ListLyricsResponse
    {
        let viewer = try Viewer(context)
        let query = request.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { throw RPCError(.invalidArgument, "query is required: the words to look for") }
        guard query.count <= 200 else { throw RPCError(.invalidArgument, "query has \(query.count) characters; the most is 200") }
        let size = try PageToken.size(request.pageSize)
        let offset = try PageToken.offset(request.pageToken)
        let rows = try await self.store.search(
            query, viewer: viewer.user, seesEverything: viewer.isAdmin, filter: try LyricsUpdate.filter(request.filter),
            offset: offset, limit: size + 1, logger: context.logger)
        return .with {
            $0.lyrics = rows.prefix(size).map { row in .with { $0.lyrics = row.lyrics; $0.score = row.score ?? 0 } }
            if rows.count > size, offset + size <= PageToken.maxOffset { $0.nextPageToken = PageToken.encode(offset: offset + size) }
        }
    }

    // MARK: Revisions

    package func listRevisions(_ request: Lyrica_Lyrics_V1_ListRevisionsRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_ListRevisionsResponse
    {
        let id = try Self.id(request.lyricsID, field: "lyrics_id")
        _ = try await self.readable(id, by: try Viewer(context), context: context)
        let size = try PageToken.size(request.pageSize)
        let before = try PageToken.offset(request.pageToken)
        let revisions = try await self.store.revisions(
            lyricsID: id, beforeVersion: before == 0 ? nil : Int64(before), limit: size + 1, logger: context.logger)
        return .with {
            $0.revisions = Array(revisions.prefix(size))
            if revisions.count > size, let last = revisions.prefix(size).last { $0.nextPageToken = PageToken.encode(offset: Int(last.version)) }
        }
    }

    package func getRevision(_ request: Lyrica_Lyrics_V1_GetRevisionRequest, context: RPCContext) async throws
        -> Lyrica_Lyrics_V1_GetRevisionResponse
    {
        let id = try Self.id(request.lyricsID, field: "lyrics_id")
        guard request.version > 0 else { throw RPCError(.invalidArgument, "version must be 1 or more") }
        _ = try await self.readable(id, by: try Viewer(context), context: context)
        guard let revision = try await self.store.revision(lyricsID: id, version: request.version, logger: context.logger) else {
            throw LyricsError.revisionNotFound(request.version)
        }
        return .with { $0.revision = revision }
    }

    // MARK: Helpers

    /// Runs a change through the store and drops the cached copy after it commits.
    private func modify(
        id: UUID, context: RPCContext, _ decide: @Sendable (Lyrica_Lyrics_V1_Lyrics) throws -> LyricsStore.Change
    ) async throws -> Lyrica_Lyrics_V1_Lyrics {
        guard let lyrics = try await self.store.modify(id: id, logger: context.logger, decide) else {
            throw LyricsError.notFound(id.uuidString.lowercased())
        }
        await self.cache.forget(id: id, logger: context.logger)
        return lyrics
    }

    /// The song if `viewer` may read it, from the cache or else the store (then cached);
    /// NOT_FOUND otherwise, whether it is missing or someone else's private song.
    private func readable(_ id: UUID, by viewer: Viewer, context: RPCContext) async throws -> Lyrica_Lyrics_V1_Lyrics {
        let lyrics = try await self.cache.lyrics(id: id) { try await self.store.lyrics(id: id, logger: context.logger) }
        guard let lyrics, viewer.canRead(lyrics) else { throw LyricsError.notFound(id.uuidString.lowercased()) }
        return lyrics
    }

    private static func keysetPage(_ rows: [LyricsRow], size: Int) -> Lyrica_Lyrics_V1_ListLyricsResponse {
        .with {
            $0.lyrics = rows.prefix(size).map { row in .with { $0.lyrics = row.lyrics } }
            if rows.count > size, let last = rows.prefix(size).last, let micros = last.cursorMicros, let id = UUID(uuidString: last.lyrics.id) {
                $0.nextPageToken = PageToken.encode(PageToken.Key(micros: micros, id: id))
            }
        }
    }

    static func id(_ raw: String, field: String) throws(RPCError) -> UUID {
        guard let id = UUID(uuidString: raw) else {
            throw RPCError(.invalidArgument, raw.isEmpty ? "\(field) is required" : "\(field) '\(raw)' is not a lyrics id (UUID)")
        }
        return id
    }

    static func version(_ version: Int64) throws(RPCError) -> Int64 {
        guard version > 0 else {
            throw RPCError(.invalidArgument, "version is required: send the version you read, so a concurrent change is not overwritten")
        }
        return version
    }
}

/// Who is calling, and what that lets them do with a song.
struct Viewer: Sendable {
    let user: UUID
    let isAdmin: Bool

    init(_ context: RPCContext) throws {
        self.user = try context.requireUser()
        self.isAdmin = context.principal?.scopes.contains(.admin) ?? false
    }

    func owns(_ lyrics: Lyrica_Lyrics_V1_Lyrics) -> Bool { lyrics.userID == self.user.uuidString.lowercased() }

    /// The owner, anyone when published, and admins.
    func canRead(_ lyrics: Lyrica_Lyrics_V1_Lyrics) -> Bool { self.owns(lyrics) || lyrics.isPublic || self.isAdmin }

    /// Owners only; others learn nothing about a song they cannot read.
    func mayChange(_ lyrics: Lyrica_Lyrics_V1_Lyrics) throws(LyricsError) {
        guard self.owns(lyrics) else { throw self.canRead(lyrics) ? .notOwner : .notFound(lyrics.id) }
    }

    /// The owner, editing a draft or completed song from the version they read.
    func mayEdit(_ lyrics: Lyrica_Lyrics_V1_Lyrics, version: Int64) throws(LyricsError) {
        try self.mayChange(lyrics)
        guard lyrics.version == version else { throw .staleVersion(sent: version, current: lyrics.version) }
        guard lyrics.status == .draft || lyrics.status == .completed else {
            throw .frozen(status: LyricsStatusName.name(lyrics.status) ?? "unknown")
        }
    }

    /// Owners, and admins for moderation (archive, delete).
    func mayModerate(_ lyrics: Lyrica_Lyrics_V1_Lyrics) throws(LyricsError) {
        if self.isAdmin { return }
        try self.mayChange(lyrics)
    }
}
