import Foundation
import GenerationService
import LyricaProtos
import LyricaRPC
import NIOCore
import NIOHTTP1
import SwiftProtobuf
import Testing
import TestSupport
import AuthTestSupport

@Suite("Generation: jobs, cancellation and model backends", .serialized, .timeLimit(.minutes(2)))
struct JobTests {
    /// The harness writing with the fake chat server.
    func withChatModel<Result: Sendable>(
        _ server: FakeChatServer, environment extra: [String: String] = [:], _ body: (GenerationHarness) async throws -> Result
    ) async throws -> Result {
        let values = ["MODEL_BACKEND": "openai", "MODEL_URL": server.baseURL, "MODEL_NAME": "fake-chat", "MODEL_RETRIES": "1"].merging(extra) { $1 }
        return try await withGenerationService(environment: values, body)
    }

    @Test func theChatModelWritesEverySectionAndTheCriticDrivesItsRefinement() async throws {
        let server = try await FakeChatServer.start()
        defer { Task { await server.close() } }
        try await self.withChatModel(server) { harness in
            let events = try await harness.generate(songRequest { $0.maxIterations = 1 })
            guard case .finished(let finished)? = events.last?.kind else {
                Issue.record("no `finished` event: \(String(describing: events.last))")
                return
            }
            #expect(finished.model == "openai:fake-chat")
            #expect(finished.song.sections[0].lines.count == 4)
            // The fake's lines rhyme nowhere, so the critic flags them and the refiner
            // asks for rewrites, then puts rhyming end words in where the model's still miss.
            #expect(server.prompts.contains { $0.hasPrefix("Rewrite this line") })
            #expect(finished.scores.rhyme >= 0.9, "\(finished.song.sections.map(\.lines))")
            #expect(finished.iterations == 1)
        }
    }

    @Test func aModelThatKeepsFailingFailsTheGenerationAsUnavailable() async throws {
        let server = try await FakeChatServer.start(behaviour: .status(.internalServerError))
        defer { Task { await server.close() } }
        try await self.withChatModel(server) { harness in
            await expectFailure(.unavailable, "model endpoint") { _ = try await harness.generate(songRequest()) }
            #expect(server.prompts.count == 2)  // one retry
        }
    }

    @Test func aModelThatRefusesTheRequestFailsAtOnce() async throws {
        let server = try await FakeChatServer.start(behaviour: .status(.badRequest))
        defer { Task { await server.close() } }
        try await self.withChatModel(server) { harness in
            await expectFailure(.failedPrecondition, "refused") { _ = try await harness.generate(songRequest()) }
            #expect(server.prompts.count == 1)
        }
    }

    @Test func aModelThatDoesNotAnswerInTimeFailsWithDeadlineExceeded() async throws {
        let server = try await FakeChatServer.start(behaviour: .stall)
        defer { Task { await server.close() } }
        try await self.withChatModel(server, environment: ["MODEL_TIMEOUT": "300ms", "MODEL_RETRIES": "0"]) { harness in
            let started = try await harness.start(songRequest())
            try await harness.waitFor(started.id, .failed)
            let generation = try await harness.get(started.id)
            #expect(generation.errorCode == "DEADLINE_EXCEEDED")
            let logs = try await harness.generation.getAgentLogs(.with { $0.generationID = started.id }, options: harness.user).logs
            #expect(logs.last?.agent == "writer")
            #expect(logs.last?.status == "failed")
        }
    }

    @Test func cancellingStopsTheAgentsAndRecordsCancelled() async throws {
        let server = try await FakeChatServer.start(delay: .milliseconds(500))
        defer { Task { await server.close() } }
        try await self.withChatModel(server) { harness in
            let started = try await harness.start(songRequest())
            try await eventually("the writer is at work") { server.prompts.count >= 1 }
            let cancelled = try await harness.generation.cancelGeneration(.with { $0.id = started.id }, options: harness.user).generation
            #expect(cancelled.status == .processing || cancelled.status == .cancelled)
            let events = try await harness.watch(started.id)
            guard case .cancelled? = events.last?.kind else {
                Issue.record("the watcher did not see the cancellation: \(String(describing: events.last))")
                return
            }
            let generation = try await harness.get(started.id)
            #expect(generation.status == .cancelled)
            #expect(generation.lyricsID.isEmpty)
            let prompts = server.prompts.count
            try await Task.sleep(for: .seconds(1))
            #expect(server.prompts.count == prompts)  // no more model calls
            // Cancelling again is harmless.
            let again = try await harness.generation.cancelGeneration(.with { $0.id = started.id }, options: harness.user).generation
            #expect(again.status == .cancelled)
        }
    }

    @Test func cancellingTheGenerateCallCancelsTheGeneration() async throws {
        let server = try await FakeChatServer.start(delay: .milliseconds(500))
        defer { Task { await server.close() } }
        try await self.withChatModel(server) { harness in
            await expectFailure(.deadlineExceeded, nil) {
                _ = try await harness.generation.generate(songRequest(), options: CallOptions(timeout: .milliseconds(800), metadata: harness.user.metadata)) {
                    events in for try await _ in events {}
                }
            }
            let history = try await harness.generation.listHistory(.init(), options: harness.user).generations
            try await harness.waitFor(try #require(history.first).id, .cancelled)
        }
    }

    @Test func tooManyRunningGenerationsAreRefused() async throws {
        let server = try await FakeChatServer.start(delay: .milliseconds(400))
        defer { Task { await server.close() } }
        try await self.withChatModel(server, environment: ["GENERATION_CONCURRENCY_PER_USER": "1"]) { harness in
            let first = try await harness.start(songRequest())
            await expectFailure(.resourceExhausted, "limit is 1") { _ = try await harness.start(songRequest()) }
            _ = try await harness.generation.cancelGeneration(.with { $0.id = first.id }, options: harness.user)
            try await harness.waitFor(first.id, .cancelled)
            _ = try await harness.start(songRequest())
        }
    }

    @Test func aJobWhoseWorkerDiedIsFinishedByAnotherReplicaAfterItsLeaseRunsOut() async throws {
        // The harness's replica only accepts jobs; a worker that claims one and dies without a
        // word leaves it `processing` with a lease nobody renews.
        try await withGenerationService(environment: ["GENERATION_WORKERS": "0"]) { harness in
            let started = try await harness.start(songRequest())
            let store = GenerationStore(postgres: harness.postgres)
            let claimed = try #require(try await store.claim(owner: "dead-worker", lease: .seconds(2), logger: testLogger()))
            #expect(claimed.id.uuidString.lowercased() == started.id)
            try await harness.waitFor(started.id, .processing)

            try await withServiceHost(
                GenerationDefinition.self, databaseURL: harness.databaseURL,
                environment: harness.environment.merging(["GENERATION_WORKERS": "1", "GENERATION_LEASE": "2s"]) { $1 },
                redisURL: harness.environment["REDIS_URL"]
            ) { _ in
                try await harness.waitFor(started.id, .completed, timeout: .seconds(30))
            }
            let generation = try await harness.get(started.id)
            #expect(generation.attempts == 2)
            #expect(!generation.lyricsID.isEmpty)
            // The dead worker can no longer write: its lease is gone.
            #expect(try await store.renew(id: claimed.id, owner: "dead-worker", lease: .seconds(2), logger: testLogger()) == nil)
        }
    }

    @Test func aJobThatKeepsKillingItsWorkersFailsAfterTheAttemptLimit() async throws {
        try await withGenerationService(environment: ["GENERATION_WORKERS": "0"]) { harness in
            let started = try await harness.start(songRequest())
            let store = GenerationStore(postgres: harness.postgres)
            for attempt in 1...2 {
                _ = try #require(try await store.claim(owner: "dead-worker-\(attempt)", lease: .milliseconds(1), logger: testLogger()))
                try await Task.sleep(for: .milliseconds(20))
            }
            try await withServiceHost(
                GenerationDefinition.self, databaseURL: harness.databaseURL,
                environment: harness.environment.merging(["GENERATION_WORKERS": "1", "GENERATION_MAX_ATTEMPTS": "2"]) { $1 },
                redisURL: harness.environment["REDIS_URL"]
            ) { _ in
                try await harness.waitFor(started.id, .failed)
            }
            let generation = try await harness.get(started.id)
            #expect(generation.errorCode == "ABORTED")
            #expect(generation.errorMessage.contains("stopped 2 times"))
        }
    }
}

/// Opt-in: a real model behind an OpenAI-compatible server (README: SmolLM2-135M-Instruct under
/// llama-cpp-python), named by LYRICA_TEST_CHAT_URL, e.g. http://127.0.0.1:8081/v1.
@Suite("Generation: a real small model", .enabled(if: ProcessInfo.processInfo.environment["LYRICA_TEST_CHAT_URL"] != nil), .timeLimit(.minutes(10)))
struct RealModelTests {
    @Test func aRealModelWritesASongThatTheCriticAndRefinerBringToTheScheme() async throws {
        let url = ProcessInfo.processInfo.environment["LYRICA_TEST_CHAT_URL"]!
        try await withGenerationService(environment: ["MODEL_BACKEND": "openai", "MODEL_URL": url, "MODEL_NAME": "SmolLM2-135M-Instruct", "MODEL_TIMEOUT": "120s"]) {
            harness in
            let events = try await harness.generate(songRequest { $0.structure = ["verse", "chorus"] })
            guard case .finished(let finished)? = events.last?.kind else {
                Issue.record("no `finished` event: \(String(describing: events.last))")
                return
            }
            // Its text differs from run to run: check the shape and the measured result, not words.
            #expect(finished.song.sections.map(\.lines.count) == [4, 4])
            #expect(finished.song.sections.allSatisfy { $0.lines.allSatisfy { !$0.isEmpty } })
            #expect(finished.scores.rhyme >= 0.9)
            #expect(finished.model == "openai:SmolLM2-135M-Instruct")
        }
    }
}
