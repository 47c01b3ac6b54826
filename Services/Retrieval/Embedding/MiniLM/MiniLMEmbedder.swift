import COpenBLAS
package import Foundation
import NIOCore
import NIOPosix

/// sentence-transformers' all-MiniLM-L6-v2 (the model ChromaDB embeds with by default), run in
/// process from its files (`model.safetensors`, `vocab.txt`): 384-dimensional unit vectors whose
/// cosine tracks meaning, not shared words. Texts become `[CLS] pieces [SEP]` of at most 256
/// tokens, as the model was trained; a longer text is embedded in windows overlapping by half
/// whose vectors are averaged. Work runs in batches of up to `batchSize` sequences on a pool
/// of `workers` threads (one BLAS thread each), never on an event loop.
package final class MiniLMEmbedder: Embedder {
    package let space = "sentence-transformers-all-minilm-l6-v2-384"
    package var dimension: Int { BertEncoder.hidden }
    package let tokenizer: WordPieceTokenizer
    package let encoder: BertEncoder
    package let batchSize: Int
    package let maxTokens = 256
    package let workers: Int
    private let pool: NIOThreadPool

    /// The files `Deploy/local/minilm.sh` unpacks: `model.safetensors` and `vocab.txt`.
    package static func isInstalled(in directory: URL) -> Bool {
        ["model.safetensors", "vocab.txt"].allSatisfy { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    /// Loads the model from `directory`; fails with what is missing or wrong.
    package init(directory: URL, workers: Int = System.coreCount, batchSize: Int = 32) throws(EmbeddingError) {
        guard Self.isInstalled(in: directory) else {
            throw .modelFiles("no model.safetensors and vocab.txt in \(directory.path); Deploy/local/minilm.sh \(directory.path) fetches them")
        }
        self.tokenizer = try WordPieceTokenizer(vocabularyFile: directory.appendingPathComponent("vocab.txt"))
        self.encoder = try BertEncoder(weights: try SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors")))
        guard self.tokenizer.vocabulary.count == BertEncoder.vocabularySize else {
            throw .modelFiles("vocab.txt has \(self.tokenizer.vocabulary.count) pieces; the model has \(BertEncoder.vocabularySize)")
        }
        self.batchSize = max(batchSize, 1)
        openblas_set_num_threads(1)
        self.workers = max(workers, 1)
        self.pool = NIOThreadPool(numberOfThreads: self.workers)
        self.pool.start()
    }

    deinit { self.pool.shutdownGracefully { _ in } }

    package func embed(_ texts: [String]) async throws -> [[Float]] {
        let windows = texts.map { self.tokenizer.windows($0, maxTokens: self.maxTokens) }
        if windows.contains(where: \.isEmpty) { throw EmbeddingError.noWords }
        let sequences = windows.flatMap { $0 }
        // Batches run at once on the pool (no padding: each packs its sequences); results keep order.
        // A few texts still spread over every worker.
        let size = min(self.batchSize, max(1, (sequences.count + self.workers - 1) / self.workers))
        let batches = stride(from: 0, to: sequences.count, by: size).map { Array(sequences[$0..<min($0 + size, sequences.count)]) }
        let encoder = self.encoder
        let pool = self.pool
        let vectors = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (index, batch) in batches.enumerated() {
                group.addTask { (index, try await pool.runIfActive { encoder.embed(batch) }) }
            }
            var results = [[[Float]]](repeating: [], count: batches.count)
            for try await (index, result) in group { results[index] = result }
            return results.flatMap { $0 }
        }
        var next = 0
        return windows.map { textWindows in
            defer { next += textWindows.count }
            guard textWindows.count > 1 else { return vectors[next] }
            var sum = [Float](repeating: 0, count: self.dimension)
            for vector in vectors[next..<(next + textWindows.count)] {
                for i in sum.indices { sum[i] += vector[i] }
            }
            let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? sum.map { $0 / norm } : sum
        }
    }
}
