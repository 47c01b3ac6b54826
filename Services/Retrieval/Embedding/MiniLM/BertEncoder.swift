import COpenBLAS
import Foundation

/// all-MiniLM-L6-v2's network in float32: token, position and segment embeddings, then 6 BERT
/// encoder layers (12-head self-attention and a GELU feed-forward, each with a residual and
/// layer norm), mean-pooled over the tokens and L2-normalised. The weights stay memory-mapped.
///
/// A batch packs its sequences' tokens into one matrix with no padding: the dense layers run
/// over every token at once (one `cblas_sgemm` each), attention runs per sequence over its own
/// tokens only, so padding can neither cost time nor leak into the mean.
package final class BertEncoder: @unchecked Sendable {  // read-only weights, mapped once
    package static let hidden = 384
    static let heads = 12
    static let headSize = 32
    static let intermediate = 1536
    static let layerCount = 6
    package static let maxPositions = 512
    static let vocabularySize = 30522
    static let layerNormEpsilon: Float = 1e-12

    struct Norm {
        let weight: UnsafeBufferPointer<Float>
        let bias: UnsafeBufferPointer<Float>
    }

    struct Dense {
        let weight: UnsafeBufferPointer<Float>
        let bias: UnsafeBufferPointer<Float>
        let inputs: Int
        let outputs: Int
    }

    struct Layer {
        let query: Dense
        let key: Dense
        let value: Dense
        let attentionOutput: Dense
        let attentionNorm: Norm
        let intermediate: Dense
        let output: Dense
        let outputNorm: Norm
    }

    private let weights: SafeTensors
    private let wordEmbeddings: UnsafeBufferPointer<Float>
    private let positionEmbeddings: UnsafeBufferPointer<Float>
    private let segmentEmbeddings: UnsafeBufferPointer<Float>
    private let embeddingNorm: Norm
    private let layers: [Layer]

    /// Loads `model.safetensors`, checking every tensor's presence, type and shape.
    package init(weights: SafeTensors) throws(EmbeddingError) {
        let h = Self.hidden
        func norm(_ prefix: String) throws(EmbeddingError) -> Norm {
            Norm(weight: try weights.floats(prefix + ".weight", shape: [h]), bias: try weights.floats(prefix + ".bias", shape: [h]))
        }
        func dense(_ prefix: String, _ inputs: Int, _ outputs: Int) throws(EmbeddingError) -> Dense {
            Dense(
                weight: try weights.floats(prefix + ".weight", shape: [outputs, inputs]), bias: try weights.floats(prefix + ".bias", shape: [outputs]),
                inputs: inputs, outputs: outputs)
        }
        self.weights = weights
        self.wordEmbeddings = try weights.floats("embeddings.word_embeddings.weight", shape: [Self.vocabularySize, h])
        self.positionEmbeddings = try weights.floats("embeddings.position_embeddings.weight", shape: [Self.maxPositions, h])
        self.segmentEmbeddings = try weights.floats("embeddings.token_type_embeddings.weight", shape: [2, h])
        self.embeddingNorm = try norm("embeddings.LayerNorm")
        var layers: [Layer] = []
        for index in 0..<Self.layerCount {
            let p = "encoder.layer.\(index)."
            layers.append(
                Layer(
                    query: try dense(p + "attention.self.query", h, h), key: try dense(p + "attention.self.key", h, h),
                    value: try dense(p + "attention.self.value", h, h), attentionOutput: try dense(p + "attention.output.dense", h, h),
                    attentionNorm: try norm(p + "attention.output.LayerNorm"),
                    intermediate: try dense(p + "intermediate.dense", h, Self.intermediate),
                    output: try dense(p + "output.dense", Self.intermediate, h), outputNorm: try norm(p + "output.LayerNorm")))
        }
        self.layers = layers
    }

    /// One unit vector per sequence of token ids (each `[CLS] … [SEP]`, at most 512 ids, all
    /// below the vocabulary size). Blocks the calling thread: run it off the event loops.
    package func embed(_ sequences: [[Int32]]) -> [[Float]] {
        let h = Self.hidden
        let total = sequences.reduce(0) { $0 + $1.count }
        guard total > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }
        let longest = sequences.map(\.count).max() ?? 0
        var x = [Float](repeating: 0, count: total * h)
        var q = [Float](repeating: 0, count: total * h)
        var k = [Float](repeating: 0, count: total * h)
        var v = [Float](repeating: 0, count: total * h)
        var context = [Float](repeating: 0, count: total * h)
        var wide = [Float](repeating: 0, count: total * Self.intermediate)
        var scores = [Float](repeating: 0, count: longest * longest)

        // Embeddings: word + position (within each sequence) + segment 0, then layer norm.
        x.withUnsafeMutableBufferPointer { x in
            var row = 0
            for sequence in sequences {
                for (position, token) in sequence.enumerated() {
                    let word = Int(token) * h
                    let place = position * h
                    for i in 0..<h {
                        x[row * h + i] = self.wordEmbeddings[word + i] + self.positionEmbeddings[place + i] + self.segmentEmbeddings[i]
                    }
                    row += 1
                }
            }
            Self.layerNorm(x.baseAddress!, rows: total, self.embeddingNorm)
        }

        for layer in self.layers {
            Self.linear(x, rows: total, layer.query, into: &q)
            Self.linear(x, rows: total, layer.key, into: &k)
            Self.linear(x, rows: total, layer.value, into: &v)
            Self.attention(q: q, k: k, v: v, sequences: sequences, scores: &scores, into: &context)
            Self.linear(context, rows: total, layer.attentionOutput, into: &q)  // q is free again
            Self.addAndNormalize(q, into: &x, rows: total, layer.attentionNorm)
            Self.linear(x, rows: total, layer.intermediate, into: &wide)
            Self.gelu(&wide)
            Self.linear(wide, rows: total, layer.output, into: &q)
            Self.addAndNormalize(q, into: &x, rows: total, layer.outputNorm)
        }

        // Mean over each sequence's tokens, then unit length.
        var vectors: [[Float]] = []
        var row = 0
        for sequence in sequences {
            var mean = [Float](repeating: 0, count: h)
            for r in row..<(row + sequence.count) {
                for i in 0..<h { mean[i] += x[r * h + i] }
            }
            row += sequence.count
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vectors.append(norm > 0 ? mean.map { $0 / norm } : mean)
        }
        return vectors
    }

    /// output = input · weightᵀ + bias, for `rows` rows (row-major; weights are [outputs × inputs]).
    private static func linear(_ input: [Float], rows: Int, _ dense: Dense, into output: inout [Float]) {
        output.withUnsafeMutableBufferPointer { output in
            for r in 0..<rows {
                (output.baseAddress! + r * dense.outputs).update(from: dense.bias.baseAddress!, count: dense.outputs)
            }
            input.withUnsafeBufferPointer { input in
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(dense.outputs), Int32(dense.inputs), 1,
                    input.baseAddress, Int32(dense.inputs), dense.weight.baseAddress, Int32(dense.inputs), 1,
                    output.baseAddress, Int32(dense.outputs))
            }
        }
    }

    /// Scaled dot-product attention per sequence and head, over that sequence's tokens only.
    private static func attention(q: [Float], k: [Float], v: [Float], sequences: [[Int32]], scores: inout [Float], into context: inout [Float]) {
        let h = Self.hidden
        let scale = 1 / Float(Self.headSize).squareRoot()
        q.withUnsafeBufferPointer { q in
            k.withUnsafeBufferPointer { k in
                v.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { scores in
                        context.withUnsafeMutableBufferPointer { context in
                            var offset = 0
                            for sequence in sequences {
                                let length = sequence.count
                                let l = Int32(length)
                                for head in 0..<Self.heads {
                                    let column = offset * h + head * Self.headSize
                                    cblas_sgemm(
                                        CblasRowMajor, CblasNoTrans, CblasTrans, l, l, Int32(Self.headSize), scale,
                                        q.baseAddress! + column, Int32(h), k.baseAddress! + column, Int32(h), 0, scores.baseAddress, l)
                                    for r in 0..<length { Self.softmax(scores.baseAddress! + r * length, count: length) }
                                    cblas_sgemm(
                                        CblasRowMajor, CblasNoTrans, CblasNoTrans, l, Int32(Self.headSize), l, 1,
                                        scores.baseAddress, l, v.baseAddress! + column, Int32(h), 0, context.baseAddress! + column, Int32(h))
                                }
                                offset += length
                            }
                        }
                    }
                }
            }
        }
    }

    private static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var largest = -Float.infinity
        for i in 0..<count { largest = max(largest, row[i]) }
        var sum: Float = 0
        for i in 0..<count {
            row[i] = expf(row[i] - largest)
            sum += row[i]
        }
        let inverse = 1 / sum
        for i in 0..<count { row[i] *= inverse }
    }

    /// x = LayerNorm(x + residual).
    private static func addAndNormalize(_ update: [Float], into x: inout [Float], rows: Int, _ norm: Norm) {
        x.withUnsafeMutableBufferPointer { x in
            update.withUnsafeBufferPointer { update in
                for i in 0..<(rows * Self.hidden) { x[i] += update[i] }
            }
            Self.layerNorm(x.baseAddress!, rows: rows, norm)
        }
    }

    private static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, _ norm: Norm) {
        let h = Self.hidden
        for r in 0..<rows {
            let row = x + r * h
            var mean: Float = 0
            for i in 0..<h { mean += row[i] }
            mean /= Float(h)
            var variance: Float = 0
            for i in 0..<h {
                let d = row[i] - mean
                variance += d * d
            }
            let scale = 1 / (variance / Float(h) + Self.layerNormEpsilon).squareRoot()
            for i in 0..<h { row[i] = (row[i] - mean) * scale * norm.weight[i] + norm.bias[i] }
        }
    }

    /// GELU as BERT defines it, with erf (not the tanh approximation).
    private static func gelu(_ values: inout [Float]) {
        let inverseRoot2: Float = 1 / Float(2).squareRoot()
        for i in values.indices {
            let value = values[i]
            values[i] = 0.5 * value * (1 + erff(value * inverseRoot2))
        }
    }
}
