import Embedding
import Foundation
import Testing

/// all-MiniLM-L6-v2 from its real weights (the test command fetches them with
/// `Deploy/local/minilm.sh` into `.build/minilm`, or `LYRICA_TEST_MINILM`).
@Suite("MiniLM embedder", .serialized)
struct MiniLMEmbedderTests {
    static let shared: Result<MiniLMEmbedder, any Error> = Result {
        let path = ProcessInfo.processInfo.environment["LYRICA_TEST_MINILM"] ?? ".build/minilm"
        let directory = URL(fileURLWithPath: path)
        guard MiniLMEmbedder.isInstalled(in: directory) else {
            throw EmbeddingError.modelFiles("no weights in \(path): run Deploy/local/minilm.sh \(path)")
        }
        return try MiniLMEmbedder(directory: directory)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test("Cosine similarities match the model's published values within 0.001")
    func matchesTheReferenceSimilarities() async throws {
        let embedder = try Self.shared.get()
        let vectors = try await embedder.embed(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
        #expect(abs(Self.cosine(vectors[0], vectors[1]) - 0.6660) < 0.001)
        #expect(abs(Self.cosine(vectors[0], vectors[2]) - 0.1046) < 0.001)
        #expect(abs(Self.cosine(vectors[1], vectors[2]) - 0.1411) < 0.001)
    }

    @Test("Vectors are 384-d and unit length")
    func unitVectors() async throws {
        let embedder = try Self.shared.get()
        let vector = try await embedder.embed(["Under the silver moon we sway"])[0]
        #expect(vector.count == 384)
        #expect(abs(Self.cosine(vector, vector) - 1) < 1e-4)
    }

    @Test("A text embedded in a batch gets the same vector as alone (no padding reaches the mean)")
    func batchingChangesNothing() async throws {
        let embedder = try Self.shared.get()
        let texts = ["Short.", "A much longer sentence about the harbour lights and the boats coming home at night.", "Rain"]
        let together = try await embedder.embed(texts)
        for (index, text) in texts.enumerated() {
            let alone = try await embedder.embed([text])[0]
            #expect(Self.cosine(alone, together[index]) > 0.99999)
        }
    }

    @Test("A text longer than 256 tokens is embedded in windows, and stays near its own topic")
    func longTextsAreWindowed() async throws {
        let embedder = try Self.shared.get()
        let long = Array(repeating: "The fishermen mend their nets on the harbour wall while the gulls cry over the grey sea.", count: 30)
            .joined(separator: " ")
        #expect(embedder.tokenizer.windows(long).count > 1)
        let vectors = try await embedder.embed([long, "Fishermen at the harbour by the sea", "A recipe for chocolate cake"])
        #expect(abs(Self.cosine(vectors[0], vectors[0]) - 1) < 1e-4)
        #expect(Self.cosine(vectors[0], vectors[1]) > Self.cosine(vectors[0], vectors[2]) + 0.2)
    }

    @Test("A text with no words cannot be embedded")
    func emptyTextsAreRefused() async throws {
        let embedder = try Self.shared.get()
        await #expect(throws: EmbeddingError.noWords) { try await embedder.embed(["  "]) }
    }

    @Test("Missing weights are named with how to fetch them")
    func missingWeightsSayWhatToDo() {
        #expect(!MiniLMEmbedder.isInstalled(in: URL(fileURLWithPath: "/nonexistent")))
        #expect(throws: EmbeddingError.self) { try MiniLMEmbedder(directory: URL(fileURLWithPath: "/nonexistent")) }
    }
}
