package import Foundation
import Logging
import LyricaPostgres
package import LyricaProtos
package import LyricaRPC
package import LyricaRedis
package import LyricaService
import SwiftProtobuf

/// lyrica.generation.v1.GenerationService: accepts generations as durable jobs (run by
/// `GenerationWorkers` on any replica) and follows them through the progress log, falling back
/// to PostgreSQL when Redis has lost it.
package struct GenerationService: Lyrica_Generation_V1_GenerationService.ServiceProtocol {
    package struct Limits: Sendable {
        /// Pending or running generations per user.
        package var concurrentPerUser = 3
        /// Generations a user may start per minute.
        package var perMinute = 20

        package init() {}
    }

    package let store: GenerationStore
    package let progress: ProgressLog
    package let workers: GenerationWorkers
    package let limits: Limits
    /// How often a watcher looks for new events.
    package var watchInterval: Duration = .milliseconds(50)

    package init(store: GenerationStore, progress: ProgressLog, workers: GenerationWorkers, limits: Limits) {
        self.store = store
        self.progress = progress
        self.workers = workers
        self.limits = limits
    }

    package func generate(
        _ request: Lyrica_Generation_V1_GenerationRequest, responses: RPCWriter<Lyrica_Generation_V1_GenerationEvent>, context: RPCContext
    ) async throws {
        let user = try context.requireUser()
        let generation = try await self.start(request, user: user, logger: context.logger)
        let id = UUID(uuidString: generation.id)!
        let ending: Lyrica_Generation_V1_GenerationEvent.OneOf_Kind?
        do {
            ending = try await self.follow(id, after: 0, responses: responses, logger: context.logger)
        } catch {
            // The caller went away or its deadline passed: the generation stops with it. (A new
            // task: this one is cancelled, and the cancel must still reach PostgreSQL.)
            let store = self.store
            let logger = context.logger
            _ = try? await Task { try await store.requestCancel(id: id, userID: user, logger: logger) }.value
            self.workers.cancelLocally(id)
            throw error
        }
        switch ending {
        case .failed(let failure)?:
            throw RPCError(RPCError.Code(name: failure.code) ?? .internalError, failure.message)
        case .cancelled(let cancelled)?:
            throw RPCError(.cancelled, cancelled.reason)
        default:
            return
        }
    }

    package func startGeneration(
        _ request: Lyrica_Generation_V1_StartGenerationRequest, context: RPCContext
    ) async throws -> Lyrica_Generation_V1_StartGenerationResponse {
        let user = try context.requireUser()
        let generation = try await self.start(request.request, user: user, logger: context.logger)
        return .with { $0.generation = generation }
    }

    package func watchGeneration(
        _ request: Lyrica_Generation_V1_WatchGenerationRequest, responses: RPCWriter<Lyrica_Generation_V1_GenerationEvent>, context: RPCContext
    ) async throws {
        let user = try context.requireUser()
        let id = try Self.generationID(request.id)
        guard request.afterSequence >= 0 else { throw RPCError(.invalidArgument, "after_sequence must not be negative") }
        guard try await self.store.generation(id: id, userID: user, logger: context.logger) != nil else { throw Self.notFound(request.id) }
        _ = try await self.follow(id, after: request.afterSequence, responses: responses, logger: context.logger)
    }

    package func getGeneration(_ request: Lyrica_Generation_V1_GetGenerationRequest, context: RPCContext) async throws -> Lyrica_Generation_V1_GetGenerationResponse {
        let user = try context.requireUser()
        let id = try Self.generationID(request.id)
        guard let generation = try await self.store.generation(id: id, userID: user, logger: context.logger) else { throw Self.notFound(request.id) }
        return .with { $0.generation = generation }
    }

    package func cancelGeneration(
        _ request: Lyrica_Generation_V1_CancelGenerationRequest, context: RPCContext
    ) async throws -> Lyrica_Generation_V1_CancelGenerationResponse {
        let user = try context.requireUser()
        let id = try Self.generationID(request.id)
        guard let generation = try await self.store.requestCancel(id: id, userID: user, logger: context.logger) else { throw Self.notFound(request.id) }
        switch generation.status {
        case .completed, .failed:
            throw RPCError(.failedPrecondition, "Generation \(request.id) already ended (\(GenerationStatusName.name(generation.status) ?? "?")); nothing to cancel")
        case .processing:
            self.workers.cancelLocally(id)
        default:
            break
        }
        return .with { $0.generation = generation }
    }

    package func listHistory(_ request: Lyrica_Generation_V1_ListHistoryRequest, context: RPCContext) async throws -> Lyrica_Generation_V1_ListHistoryResponse {
        let user = try context.requireUser()
        let size = try PageToken.size(request.pageSize)
        let after = try PageToken.key(request.pageToken)
        let status = GenerationStatusName.name(request.status)
        let rows = try await self.store.history(userID: user, status: status, after: after, limit: size + 1, logger: context.logger)
        return .with {
            $0.generations = rows.prefix(size).map { row in
                var generation = row.generation
                generation.clearSong()
                return generation
            }
            if rows.count > size, let last = rows.prefix(size).last, let id = UUID(uuidString: last.generation.id) {
                $0.nextPageToken = PageToken.encode(PageToken.Key(micros: last.micros, id: id))
            }
        }
    }

    package func getAgentLogs(_ request: Lyrica_Generation_V1_GetAgentLogsRequest, context: RPCContext) async throws -> Lyrica_Generation_V1_GetAgentLogsResponse {
        let user = try context.requireUser()
        let id = try Self.generationID(request.generationID, field: "generation_id")
        guard try await self.store.generation(id: id, userID: user, logger: context.logger) != nil else { throw Self.notFound(request.generationID) }
        return .with { $0.logs = [] }.merging(try await self.store.logs(generationID: id, logger: context.logger))
    }

    // MARK: Starting and following

    /// Validates, applies the per-user rate and concurrency limits, and queues the job.
    private func start(_ request: Lyrica_Generation_V1_GenerationRequest, user: UUID, logger: Logger) async throws -> Lyrica_Generation_V1_Generation {
        try GenerationRequestValidation.validate(request)
        try await MinuteQuota(redis: self.progress.redis, action: "generation", perMinute: self.limits.perMinute) {
            "You started \($0) generations"
        }.admit(user)
        let seed = request.hasSeed ? request.seed : UInt64.random(in: 1...UInt64(Int64.max))
        let generation = try await self.store.insert(userID: user, request: request, seed: seed, limit: self.limits.concurrentPerUser, logger: logger)
        self.workers.wakeup.signal()
        logger.info("Generation accepted", metadata: ["generation.id": "\(generation.id)"])
        return generation
    }

    /// Sends the events after `after` as they come, until the generation ends; returns the
    /// ending. When Redis has no ending but PostgreSQL says it ended, the ending is made from
    /// PostgreSQL's record.
    private func follow(
        _ id: UUID, after: Int64, responses: RPCWriter<Lyrica_Generation_V1_GenerationEvent>, logger: Logger
    ) async throws -> Lyrica_Generation_V1_GenerationEvent.OneOf_Kind? {
        var cursor: String?
        var sent = after
        var quietRounds = 0
        while true {
            try Task.checkCancellation()
            let events = try await self.progress.events(id: id, after: cursor)
            for (entry, event) in events {
                cursor = entry
                guard event.sequence > sent else { continue }
                sent = event.sequence
                try await responses.write(event)
                switch event.kind {
                case .finished?, .failed?, .cancelled?: return event.kind
                default: continue
                }
            }
            quietRounds = events.isEmpty ? quietRounds + 1 : 0
            // Every second of quiet, ask PostgreSQL whether it ended without Redis hearing of it.
            if quietRounds % 20 == 19, let generation = try await self.store.generation(id: id, userID: nil, logger: logger),
                let ending = Self.ending(of: generation)
            {
                let final = try await self.progress.events(id: id, after: cursor)
                if let last = final.last(where: { $0.event.kind.map(Self.isEnding) ?? false }) {
                    if last.event.sequence > sent { try await responses.write(last.event) }
                    return last.event.kind
                }
                try await responses.write(
                    .with {
                        $0.generationID = id.uuidString.lowercased()
                        $0.sequence = sent + 1
                        $0.at = generation.completedAt
                        $0.kind = ending
                    })
                return ending
            }
            try await Task.sleep(for: self.watchInterval)
        }
    }

    private static func isEnding(_ kind: Lyrica_Generation_V1_GenerationEvent.OneOf_Kind) -> Bool {
        switch kind {
        case .finished, .failed, .cancelled: true
        case .progress: false
        }
    }

    /// The ending event a finished generation's record implies; nil while it runs.
    static func ending(of generation: Lyrica_Generation_V1_Generation) -> Lyrica_Generation_V1_GenerationEvent.OneOf_Kind? {
        switch generation.status {
        case .completed:
            .finished(
                .with {
                    $0.lyricsID = generation.lyricsID
                    $0.song = generation.song
                    $0.scores = generation.scores
                    $0.iterations = generation.iterations
                    $0.model = generation.model
                })
        case .failed:
            .failed(
                .with {
                    $0.code = generation.errorCode
                    $0.message = generation.errorMessage
                })
        case .cancelled:
            .cancelled(.with { $0.reason = generation.errorMessage })
        default:
            nil
        }
    }

    static func generationID(_ raw: String, field: String = "id") throws(RPCError) -> UUID {
        guard let id = UUID(uuidString: raw) else {
            throw RPCError(.invalidArgument, raw.isEmpty ? "\(field) is required" : "\(field) '\(raw.prefix(40))' is not a generation id (UUID)")
        }
        return id
    }

    static func notFound(_ id: String) -> RPCError {
        RPCError(.notFound, "No generation \(id) of yours")
    }
}

extension Lyrica_Generation_V1_GetAgentLogsResponse {
    fileprivate func merging(_ logs: [Lyrica_Generation_V1_AgentLog]) -> Self {
        var response = self
        response.logs = logs
        return response
    }
}
