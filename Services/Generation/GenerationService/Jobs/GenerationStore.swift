package import Foundation
package import Logging
import LyricaPostgres
package import LyricaProtos
package import LyricaRPC
package import LyricaService
package import PostgresNIO
import SwiftProtobuf

/// All SQL for generations: accepting a job (with the per-user concurrency limit), claiming it
/// with a lease, renewing the lease, recording agent steps and the outcome, and reading them
/// back. A worker writes only while it holds the lease, so a job taken over by another worker
/// is never finished twice.
package struct GenerationStore: Sendable {
    package let postgres: PostgresClient

    package init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    /// A job as a worker receives it.
    package struct ClaimedJob: Sendable {
        package var id: UUID
        package var userID: UUID
        package var request: Lyrica_Generation_V1_GenerationRequest
        package var seed: UInt64
        package var attempt: Int
        package var cancelRequested: Bool
        package var lyricsID: UUID?
    }

    /// How a job ended.
    package enum Outcome: Sendable {
        case completed(lyricsID: UUID, song: Lyrica_Generation_V1_Song, scores: Lyrica_Generation_V1_Scores, iterations: Int)
        case failed(code: RPCError.Code, message: String)
        case cancelled(reason: String)
    }

    package struct Timings: Sendable {
        package var total: Double = 0
        package var model: Double = 0
        package var retrieval: Double = 0

        package init() {}
    }

    // MARK: Accepting

    /// Inserts a pending job unless the user already has `limit` pending or running ones.
    package func insert(
        userID: UUID, request: Lyrica_Generation_V1_GenerationRequest, seed: UInt64, limit: Int, logger: Logger
    ) async throws -> Lyrica_Generation_V1_Generation {
        let requestJSON = try request.jsonString()
        let structure = request.structure.isEmpty ? nil : "{\"sections\": [\(request.structure.map { "\"\($0)\"" }.joined(separator: ","))]}"
        let id = try await self.postgres.transaction(logger: logger) { connection in
            // One accepting transaction per user at a time, so the count below stays true.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(userID.uuidString), 7103))", logger: logger)
            let active = try await connection.query(
                "SELECT count(*) FROM generation.generation_history WHERE user_id = \(userID) AND status IN ('pending', 'processing')",
                logger: logger)
            var running = 0
            for try await count in active.decode(Int.self) { running = count }
            guard running < limit else {
                throw RPCError(
                    .resourceExhausted, "You have \(running) generations pending or running (the limit is \(limit)); wait for one to end or cancel one")
            }
            let rows = try await connection.query(
                """
                INSERT INTO generation.generation_history (user_id, input_prompt, genre, mood, theme, custom_structure, request, seed)
                VALUES (\(userID), \(request.prompt), \(request.genre), \(request.mood), \(request.theme), \(structure)::jsonb,
                        \(requestJSON)::jsonb, \(Int64(bitPattern: seed)))
                RETURNING id
                """, logger: logger)
            var id: UUID?
            for try await value in rows.decode(UUID.self) { id = value }
            guard let id else { throw RPCError(.internalError, "INSERT returned no id") }
            return id
        }
        return try await self.generation(id: id, userID: nil, logger: logger)!
    }

    // MARK: Running

    /// Takes the oldest pending job, or one whose worker's lease ran out, for `lease`.
    package func claim(owner: String, lease: Duration, logger: Logger) async throws -> ClaimedJob? {
        let rows = try await self.postgres.query(
            """
            UPDATE generation.generation_history SET
                status = 'processing', attempts = attempts + 1, lease_owner = \(owner),
                lease_expires_at = now() + \(lease.seconds) * interval '1 second'
            WHERE id = (
                SELECT id FROM generation.generation_history
                WHERE status = 'pending' OR (status = 'processing' AND lease_expires_at < now())
                ORDER BY started_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, user_id, request::text, seed, attempts, cancel_requested, lyrics_id
            """, logger: logger)
        for try await (id, user, request, seed, attempts, cancel, lyricsID) in rows.decode((UUID, UUID, String, Int64, Int, Bool, UUID?).self) {
            return ClaimedJob(
                id: id, userID: user, request: try Lyrica_Generation_V1_GenerationRequest(jsonString: request), seed: UInt64(bitPattern: seed),
                attempt: attempts, cancelRequested: cancel, lyricsID: lyricsID)
        }
        return nil
    }

    /// Extends the lease; nil when this worker no longer holds it (the job was taken over or
    /// deleted), else whether the user asked to cancel.
    package func renew(id: UUID, owner: String, lease: Duration, logger: Logger) async throws -> Bool? {
        let rows = try await self.postgres.query(
            """
            UPDATE generation.generation_history SET lease_expires_at = now() + \(lease.seconds) * interval '1 second'
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'processing'
            RETURNING cancel_requested
            """, logger: logger)
        for try await cancel in rows.decode(Bool.self) { return cancel }
        return nil
    }

    /// Hands a job back to the queue at once (this replica is stopping).
    package func release(id: UUID, owner: String, logger: Logger) async throws {
        try await self.postgres.query(
            """
            UPDATE generation.generation_history SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,
                attempts = greatest(attempts - 1, 0)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'processing'
            """, logger: logger)
    }

    /// Remembers the saved song before the job ends, so a retry does not save it twice.
    package func recordLyrics(id: UUID, owner: String, lyricsID: UUID, logger: Logger) async throws {
        try await self.postgres.query(
            "UPDATE generation.generation_history SET lyrics_id = \(lyricsID) WHERE id = \(id) AND lease_owner = \(owner)", logger: logger)
    }

    /// Ends the job; false when this worker no longer holds it.
    @discardableResult
    package func finish(
        id: UUID, owner: String?, outcome: Outcome, model: String?, steps: [Lyrica_Generation_V1_AgentStep], timings: Timings, logger: Logger
    ) async throws -> Bool {
        let stepsJSON = "[" + (try steps.map { try $0.jsonString() }).joined(separator: ",") + "]"
        var status = "completed"
        var lyricsID: UUID?
        var song: String?
        var scores: String?
        var iterations = 0
        var code: String?
        var message: String?
        switch outcome {
        case .completed(let id, let finishedSong, let finishedScores, let count):
            lyricsID = id
            song = try finishedSong.jsonString()
            scores = try finishedScores.jsonString()
            iterations = count
        case .failed(let failure, let text):
            status = "failed"
            code = failure.name
            message = text
        case .cancelled(let reason):
            status = "cancelled"
            code = RPCError.Code.cancelled.name
            message = reason
        }
        let rows = try await self.postgres.query(
            """
            UPDATE generation.generation_history SET
                status = \(status), lyrics_id = coalesce(\(lyricsID), lyrics_id), song = \(song)::jsonb, scores = \(scores)::jsonb,
                iterations = \(iterations), error_code = \(code), error_message = \(message), model_used = \(model),
                agent_steps = \(stepsJSON)::jsonb, total_time_seconds = \(timings.total), llm_time_seconds = \(timings.model),
                retrieval_time_seconds = \(timings.retrieval), completed_at = now(), lease_owner = NULL, lease_expires_at = NULL
            WHERE id = \(id) AND status IN ('pending', 'processing') AND (\(owner)::text IS NULL OR lease_owner = \(owner))
            RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// One agent step, with what went in and came out (JSON).
    package func log(
        generationID: UUID, attempt: Int, step: Int, agent: String, input: String, output: String, seconds: Double, tokens: Int,
        model: String?, status: String, error: String?, logger: Logger
    ) async throws {
        try await self.postgres.query(
            """
            INSERT INTO generation.agent_logs (
                generation_history_id, agent_name, step_number, attempt, input_state, output_state, execution_time_seconds,
                tokens_used, model_used, status, error_message)
            VALUES (\(generationID), \(agent), \(step), \(attempt), \(input)::jsonb, \(output)::jsonb, \(seconds), \(tokens), \(model),
                    \(status), \(error))
            """, logger: logger)
    }

    // MARK: Cancelling

    /// Cancels a pending job at once; asks the worker of a running one to stop. nil if the
    /// user has no such generation.
    package func requestCancel(id: UUID, userID: UUID, logger: Logger) async throws -> Lyrica_Generation_V1_Generation? {
        try await self.postgres.query(
            """
            UPDATE generation.generation_history SET
                cancel_requested = true,
                status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
                error_code = CASE WHEN status = 'pending' THEN 'CANCELLED' ELSE error_code END,
                error_message = CASE WHEN status = 'pending' THEN 'Cancelled by the user before it started' ELSE error_message END,
                completed_at = CASE WHEN status = 'pending' THEN now() ELSE completed_at END
            WHERE id = \(id) AND user_id = \(userID) AND status IN ('pending', 'processing')
            """, logger: logger)
        return try await self.generation(id: id, userID: userID, logger: logger)
    }

    // MARK: Reading

    static let columns = """
        id, user_id, status, request::text, lyrics_id::text, song::text, scores::text, model_used, iterations, agent_steps::text,
        error_code, error_message, total_time_seconds::float8, llm_time_seconds::float8, retrieval_time_seconds::float8, attempts,
        started_at, completed_at, seed
        """

    /// The generation; with `userID`, only if it is that user's.
    package func generation(id: UUID, userID: UUID?, logger: Logger) async throws -> Lyrica_Generation_V1_Generation? {
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: Self.columns) FROM generation.generation_history
            WHERE id = \(id) AND (\(userID)::uuid IS NULL OR user_id = \(userID))
            """, logger: logger)
        return try await Self.generations(rows).first?.generation
    }

    /// The user's generations, newest first, after the keyset position `after`.
    package func history(
        userID: UUID, status: String?, after: PageToken.Key?, limit: Int, logger: Logger
    ) async throws -> [(generation: Lyrica_Generation_V1_Generation, micros: Int64)] {
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: Self.columns), (extract(epoch FROM started_at) * 1000000)::int8
            FROM generation.generation_history
            WHERE user_id = \(userID) AND (\(status)::text IS NULL OR status = \(status))
              AND (\(after?.micros)::int8 IS NULL
                   OR (started_at, id) < (to_timestamp(\(after?.micros)::int8 / 1000000.0), \(after?.id)::uuid))
            ORDER BY started_at DESC, id DESC LIMIT \(limit)
            """, logger: logger)
        return try await Self.generations(rows).map { ($0.generation, $0.micros ?? 0) }
    }

    package func logs(generationID: UUID, logger: Logger) async throws -> [Lyrica_Generation_V1_AgentLog] {
        let rows = try await self.postgres.query(
            """
            SELECT id, agent_name, step_number, attempt, coalesce(input_state::text, ''), coalesce(output_state::text, ''),
                   coalesce(execution_time_seconds::float8, 0), coalesce(tokens_used, 0), coalesce(model_used, ''), status,
                   coalesce(error_message, ''), created_at
            FROM generation.agent_logs WHERE generation_history_id = \(generationID)
            ORDER BY attempt, step_number, created_at
            """, logger: logger)
        var logs: [Lyrica_Generation_V1_AgentLog] = []
        for try await (id, agent, step, attempt, input, output, seconds, tokens, model, status, error, created) in rows.decode(
            (UUID, String, Int32, Int32, String, String, Double, Int32, String, String, String, Date).self)
        {
            logs.append(
                .with {
                    $0.id = id.uuidString.lowercased()
                    $0.agent = agent
                    $0.stepNumber = step
                    $0.attempt = attempt
                    $0.inputState = input
                    $0.outputState = output
                    $0.seconds = seconds
                    $0.tokensUsed = tokens
                    $0.model = model
                    $0.status = status
                    $0.errorMessage = error
                    $0.createdAt = Google_Protobuf_Timestamp(date: created)
                })
        }
        return logs
    }

    /// Deletes a deleted user's generations (their logs go with them).
    package func deleteAll(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            "DELETE FROM generation.generation_history WHERE user_id = \(userID) RETURNING id", logger: logger)
        var count = 0
        for try await _ in rows.decode(UUID.self) { count += 1 }
        return count
    }

    private static func generations(_ rows: PostgresRowSequence) async throws -> [(generation: Lyrica_Generation_V1_Generation, micros: Int64?)] {
        var result: [(Lyrica_Generation_V1_Generation, Int64?)] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            var generation = Lyrica_Generation_V1_Generation()
            generation.id = try cells[0].decode(UUID.self).uuidString.lowercased()
            generation.userID = try cells[1].decode(UUID.self).uuidString.lowercased()
            generation.status = GenerationStatusName.status(try cells[2].decode(String.self))
            generation.request = try Lyrica_Generation_V1_GenerationRequest(jsonString: try cells[3].decode(String.self))
            generation.lyricsID = try cells[4].decode(String?.self) ?? ""
            if let song = try cells[5].decode(String?.self) { generation.song = try Lyrica_Generation_V1_Song(jsonString: song) }
            if let scores = try cells[6].decode(String?.self) { generation.scores = try Lyrica_Generation_V1_Scores(jsonString: scores) }
            generation.model = try cells[7].decode(String?.self) ?? ""
            generation.iterations = try cells[8].decode(Int32.self)
            generation.agentSteps = try Self.steps(try cells[9].decode(String.self))
            generation.errorCode = try cells[10].decode(String?.self) ?? ""
            generation.errorMessage = try cells[11].decode(String?.self) ?? ""
            generation.totalSeconds = try cells[12].decode(Double?.self) ?? 0
            generation.modelSeconds = try cells[13].decode(Double?.self) ?? 0
            generation.retrievalSeconds = try cells[14].decode(Double?.self) ?? 0
            generation.attempts = try cells[15].decode(Int32.self)
            generation.startedAt = Google_Protobuf_Timestamp(date: try cells[16].decode(Date.self))
            if let completed = try cells[17].decode(Date?.self) { generation.completedAt = Google_Protobuf_Timestamp(date: completed) }
            generation.seed = UInt64(bitPattern: try cells[18].decode(Int64.self))
            let micros = cells.count > 19 ? try cells[19].decode(Int64.self) : nil
            result.append((generation, micros))
        }
        return result
    }

    private static func steps(_ json: String) throws -> [Lyrica_Generation_V1_AgentStep] {
        guard let array = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any] else { return [] }
        return try array.map { item in
            try Lyrica_Generation_V1_AgentStep(jsonUTF8Data: try JSONSerialization.data(withJSONObject: item))
        }
    }
}

/// Status names in the database ↔ the API's enum.
package enum GenerationStatusName {
    package static func status(_ name: String) -> Lyrica_Generation_V1_GenerationStatus {
        switch name {
        case "pending": .pending
        case "processing": .processing
        case "completed": .completed
        case "failed": .failed
        case "cancelled": .cancelled
        default: .unspecified
        }
    }

    package static func name(_ status: Lyrica_Generation_V1_GenerationStatus) -> String? {
        switch status {
        case .pending: "pending"
        case .processing: "processing"
        case .completed: "completed"
        case .failed: "failed"
        case .cancelled: "cancelled"
        default: nil
        }
    }
}
