import AuthTestSupport
import Embedding
import Foundation
import LyricaProtos
import LyricaRPC
import NIOConcurrencyHelpers
import NIOHTTP1
import SwiftProtobuf
import Testing
import TestSupport

/// The OpenAI-compatible embeddings backend, against an HTTP server of ours speaking that API.
@Suite(.serialized)
struct EmbeddingBackendTests {
    @Test func theServiceEmbedsThroughAnOpenAICompatibleEndpoint() async throws {
        let server = try await FakeEmbeddingServer.start(dimension: 64)
        let environment = [
            "EMBEDDER": "openai", "EMBEDDING_URL": server.baseURL, "EMBEDDING_MODEL": "tiny-embed", "EMBEDDING_API_KEY": "sk-test",
            "EMBEDDING_DIMENSION": "64",
        ]
        do {
            try await withRetrievalService(environment: environment) { harness in
                _ = try await harness.add(SearchTests.corpus)
                let found = try await harness.search("snow on the mountain in winter", k: 1)
                #expect(found.embeddingSpace == "openai:tiny-embed-64")
                #expect(found.results.first?.document.year == 1962)
                let stats = try await harness.retrieval.stats(.init(), options: harness.reader)
                #expect(stats.dimension == 64 && stats.embeddingSpace == "openai:tiny-embed-64")
            }
            let state = server.state.withLockedValue { $0 }
            #expect(state.authorization == "Bearer sk-test")
            #expect(state.models.allSatisfy { $0 == "tiny-embed" })
        } catch {
            await server.close()
            throw error
        }
        await server.close()
    }

    @Test func rateLimitsAndServerErrorsAreRetried() async throws {
        let server = try await FakeEmbeddingServer.start(dimension: 32)
        let embedder = OpenAIEmbedder(configuration: .init(baseURL: server.baseURL, model: "m", dimension: 32))
        server.failNext([.tooManyRequests, .serviceUnavailable])
        let vectors = try await embedder.embed(["one text", "another text"])
        #expect(vectors.count == 2 && vectors.allSatisfy { $0.count == 32 })
        #expect(vectors[0] == (try HashingEmbedder(dimension: 32).vector("one text")))  // answers are put back in order
        #expect(server.state.withLockedValue { $0.requests } == 3)
        await server.close()
    }

    @Test func aRefusalOrAWrongDimensionFailsWithTheReason() async throws {
        let server = try await FakeEmbeddingServer.start(dimension: 32)
        server.failNext([.badRequest])
        let refused = await #expect(throws: EmbeddingError.self) {
            try await OpenAIEmbedder(configuration: .init(baseURL: server.baseURL, model: "m", dimension: 32)).embed(["x"])
        }
        #expect(refused?.description.contains("refused the request (400): {\"error\":{\"message\":\"told to fail\"}}") == true)
        let mismatched = await #expect(throws: EmbeddingError.self) {
            try await OpenAIEmbedder(configuration: .init(baseURL: server.baseURL, model: "m", dimension: 48)).embed(["x"])
        }
        #expect(mismatched?.description.contains("did not return 1 vectors of 48 dimensions") == true)
        await server.close()
    }

    @Test func reembedMovesTheCorpusToANewEmbedder() async throws {
        let server = try await FakeEmbeddingServer.start(dimension: 64)
        let openAI = ["EMBEDDER": "openai", "EMBEDDING_URL": server.baseURL, "EMBEDDING_MODEL": "tiny-embed", "EMBEDDING_DIMENSION": "64"]
        do {
            try await withRetrievalService { harness in
                _ = try await harness.add(SearchTests.corpus)
                let result = try await CLIProcess.run(
                    ["reembed"], executable: "lyrica-retrieval",
                    environment: openAI.merging(["DATABASE_URL": harness.databaseURL, "LOG_LEVEL": "warning"]) { $1 })
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.contains("Every document is in openai:tiny-embed-64 (5 re-embedded)"))
                try await harness.replica(environment: openAI) { moved in
                    try await eventually("the new replica has loaded") {
                        (try? await moved.stats(.init(), options: harness.reader).indexedChunks) == 5
                    }
                    let found = try await moved.search(.with { $0.text = "snow on the mountain in winter"; $0.k = 1 }, options: harness.reader)
                    #expect(found.results.first?.document.embeddingSpace == "openai:tiny-embed-64")
                    #expect(found.results.first?.document.year == 1962)
                }
            }
        } catch {
            await server.close()
            throw error
        }
        await server.close()
    }

    @Test func anUnreachableEndpointIsUnavailableToCallers() async throws {
        let environment = [
            "EMBEDDER": "openai", "EMBEDDING_URL": "http://127.0.0.1:9/v1", "EMBEDDING_MODEL": "m", "EMBEDDING_DIMENSION": "32",
            "EMBEDDING_TIMEOUT": "2s",
        ]
        try await withRetrievalService(environment: environment) { harness in
            await expectFailure(.unavailable, "The embedding service failed") {
                try await harness.upsert { $0.content = "words" }
            }
        }
    }
}
