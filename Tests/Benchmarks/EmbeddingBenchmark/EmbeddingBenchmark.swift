import ArgumentParser
import Embedding
import Foundation

/// Embedding speed (single sentences and batches of 32, on this machine's cores) and retrieval
/// quality (recall@5 on our labelled set) of all-MiniLM-L6-v2 against the hashing embedder.
@main
struct EmbeddingBenchmark: AsyncParsableCommand {
    @Option(help: "The MiniLM weights folder (Deploy/local/minilm.sh fills it).")
    var minilm: String

    @Option(help: "Single-sentence calls to time.")
    var singles = 300

    @Option(help: "Batches of 32 to time.")
    var batches = 30

    func run() async throws {
        let miniLM = try MiniLMEmbedder(directory: URL(fileURLWithPath: self.minilm))
        let sentences = LabelledSet.passages.map(\.text) + LabelledSet.queries.map(\.text)
        _ = try await miniLM.embed(Array(sentences.prefix(32)))  // warm the mapped weights

        var single: [Double] = []
        let singleStart = ContinuousClock.now
        for index in 0..<self.singles {
            let start = ContinuousClock.now
            _ = try await miniLM.embed([sentences[index % sentences.count]])
            single.append(Self.milliseconds(ContinuousClock.now - start))
        }
        let singleRate = Double(self.singles) / Self.seconds(ContinuousClock.now - singleStart)

        var batch: [Double] = []
        let batchStart = ContinuousClock.now
        for index in 0..<self.batches {
            let texts = (0..<32).map { sentences[(index * 32 + $0) % sentences.count] }
            let start = ContinuousClock.now
            _ = try await miniLM.embed(texts)
            batch.append(Self.milliseconds(ContinuousClock.now - start))
        }
        let batchRate = Double(self.batches * 32) / Self.seconds(ContinuousClock.now - batchStart)

        print("all-MiniLM-L6-v2 on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(sentences.count) sentences, 5–20 words):")
        print(String(format: "  single sentences: %.0f sentences/s, latency p50 %.2f ms, p99 %.2f ms", singleRate, Self.percentile(single, 50), Self.percentile(single, 99)))
        print(String(format: "  batches of 32:    %.0f sentences/s, batch latency p50 %.1f ms, p99 %.1f ms", batchRate, Self.percentile(batch, 50), Self.percentile(batch, 99)))

        print("Retrieval quality, \(LabelledSet.queries.count) queries over \(LabelledSet.passages.count) passages (recall@5, recall@1):")
        for embedder in [miniLM as any Embedder, HashingEmbedder()] {
            let (at5, at1) = try await Self.recall(embedder)
            print(String(format: "  %@: %.2f, %.2f", embedder.space, at5, at1))
        }
    }

    /// Share of queries whose passage is among the 5 (and the 1) nearest by cosine.
    static func recall(_ embedder: any Embedder) async throws -> (Double, Double) {
        let passages = try await embedder.embed(LabelledSet.passages.map(\.text))
        let queries = try await embedder.embed(LabelledSet.queries.map(\.text))
        var hits5 = 0
        var hits1 = 0
        for (query, vector) in zip(LabelledSet.queries, queries) {
            let ranked = passages.indices.sorted { Self.dot(passages[$0], vector) > Self.dot(passages[$1], vector) }
            let ids = ranked.map { LabelledSet.passages[$0].id }
            if ids.prefix(5).contains(query.relevant) { hits5 += 1 }
            if ids.first == query.relevant { hits1 += 1 }
        }
        return (Double(hits5) / Double(queries.count), Double(hits1) / Double(queries.count))
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    static func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    static func milliseconds(_ duration: Duration) -> Double { Self.seconds(duration) * 1_000 }
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)]
    }
}
