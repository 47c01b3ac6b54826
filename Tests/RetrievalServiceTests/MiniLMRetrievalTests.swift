import Embedding
import Foundation
import LyricaProtos
import Testing
import TestSupport

/// The retrieval service with all-MiniLM-L6-v2's weights installed (`LYRICA_TEST_MINILM`, which
/// the test command fills with `Deploy/local/minilm.sh`).
@Suite("Retrieval with MiniLM", .serialized)
struct MiniLMRetrievalTests {
    static var weights: String { ProcessInfo.processInfo.environment["LYRICA_TEST_MINILM"] ?? ".build/minilm" }

    @Test("With the weights installed the service embeds with MiniLM by default, and Stats says so")
    func theWeightsMakeMiniLMTheDefault() async throws {
        #expect(MiniLMEmbedder.isInstalled(in: URL(fileURLWithPath: Self.weights)), "run Deploy/local/minilm.sh \(Self.weights)")
        try await withRetrievalService(environment: ["MINILM_DIR": Self.weights]) { harness in
            let stats = try await harness.retrieval.stats(.init(), options: harness.reader)
            #expect(stats.embeddingSpace == "sentence-transformers-all-minilm-l6-v2-384")
            #expect(stats.dimension == 384)
        }
    }

    @Test("A query that shares no words with a song still finds it by meaning")
    func meaningFindsSongsWithoutSharedWords() async throws {
        try await withRetrievalService(environment: ["MINILM_DIR": Self.weights]) { harness in
            _ = try await harness.add(SearchTests.corpus)
            let found = try await harness.search("a nightclub party", k: 1)
            #expect(found.results.first?.document.tags == ["party"])
            let cold = try await harness.search("freezing weather by the hearth", k: 1)
            #expect(cold.results.first?.document.year == 1962)
        }
    }

    @Test("Without the weights the service falls back to the hashing embedder")
    func missingWeightsFallBackToHashing() async throws {
        try await withRetrievalService(environment: ["MINILM_DIR": "/nonexistent/minilm"]) { harness in
            let stats = try await harness.retrieval.stats(.init(), options: harness.reader)
            #expect(stats.embeddingSpace == "lyrica-hashing-v1-384")
        }
    }

    @Test("EMBEDDER=minilm without the weights stops the start with what to run")
    func requiredMiniLMWithoutWeightsFails() async throws {
        await #expect(throws: (any Error).self) {
            try await withRetrievalService(environment: ["EMBEDDER": "minilm", "MINILM_DIR": "/nonexistent/minilm"]) { _ in }
        }
    }
}
