import Embedding
import Testing

@Suite("Hashing embedder")
struct HashingEmbedderTests {
    static func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test("Vectors are 384-d, unit length, and the same for the same text every time")
    func deterministicUnitVectors() throws {
        let embedder = HashingEmbedder()
        let first = try embedder.vector("Under the silver moon we sway")
        #expect(first.count == 384)
        #expect(abs(Self.cosine(first, first) - 1) < 1e-5)
        #expect(try embedder.vector("Under the silver moon we sway") == first)
        #expect(embedder.space == "lyrica-hashing-v1-384")
    }

    @Test("Texts about the same things are nearer than texts about different things")
    func themesCluster() throws {
        let embedder = HashingEmbedder()
        let sea = try embedder.vector("The waves crash on the shore, the ocean calls the sailors home")
        let seaAgain = try embedder.vector("Sailors sailing home across the waves of a stormy ocean")
        let money = try embedder.vector("Quarterly earnings beat expectations as stock prices climbed")
        #expect(Self.cosine(sea, seaAgain) > Self.cosine(sea, money) + 0.2)
    }

    @Test("Inflections share a feature: dreaming is near dreams")
    func stemming() throws {
        let embedder = HashingEmbedder()
        let dreams = try embedder.vector("dreams")
        #expect(Self.cosine(dreams, try embedder.vector("dreaming")) > Self.cosine(dreams, try embedder.vector("thunder")))
    }

    @Test("Common words weigh little: they do not make unrelated texts similar")
    func commonWordsWeighLittle() throws {
        let embedder = HashingEmbedder()
        let a = try embedder.vector("the night and the rain")
        let b = try embedder.vector("the market and the bank")
        #expect(Self.cosine(a, b) < 0.2)
    }

    @Test("Text without words is refused")
    func noWords() {
        #expect(throws: EmbeddingError.noWords) { _ = try HashingEmbedder().vector("  ... !!! ") }
    }
}
