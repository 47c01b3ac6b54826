package import AsyncHTTPClient
package import Foundation
import NIOCore
import NIOHTTP1

/// An OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, vLLM, Ollama, llama.cpp's server,
/// text-embeddings-inference…): texts go in batches as `{"model", "input": [...]}` and the vectors
/// come back by index. Rate limits (429) and server errors (5xx) are retried with backoff; other
/// refusals fail at once with the server's message. The space names the model and dimension, so
/// an index never mixes two models' vectors.
package struct OpenAIEmbedder: Embedder {
    package struct Configuration: Sendable {
        /// The API root, e.g. `http://127.0.0.1:8080/v1`; `/embeddings` is appended.
        package var baseURL: String
        package var model: String
        package var apiKey: String?
        /// What the model returns; every answer is checked against it.
        package var dimension: Int
        package var timeout: Duration = .seconds(30)
        /// Texts per request.
        package var batchSize = 64
        /// Extra attempts after a 429, a 5xx or a connection failure.
        package var retries = 2

        package init(baseURL: String, model: String, apiKey: String? = nil, dimension: Int) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
            self.dimension = dimension
        }
    }

    package let configuration: Configuration
    private let client: HTTPClient

    package init(configuration: Configuration, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    package var space: String { "openai:\(self.configuration.model)-\(self.configuration.dimension)" }
    package var dimension: Int { self.configuration.dimension }

    package func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: self.configuration.batchSize) {
            vectors += try await self.request(Array(texts[start..<min(start + self.configuration.batchSize, texts.count)]))
        }
        return vectors
    }

    private struct Body: Encodable {
        var model: String
        var input: [String]
        var encoding_format = "float"
    }

    private struct Answer: Decodable {
        struct Item: Decodable {
            var index: Int
            var embedding: [Float]
        }
        var data: [Item]
    }

    private func request(_ texts: [String]) async throws -> [[Float]] {
        var request = HTTPClientRequest(url: self.configuration.baseURL.trimmingSuffix("/") + "/embeddings")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let key = self.configuration.apiKey, !key.isEmpty { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONEncoder().encode(Body(model: self.configuration.model, input: texts)))))
        var delay = Duration.milliseconds(200)
        var attempt = 0
        while true {
            attempt += 1
            let retryable: String
            do {
                let response = try await self.client.execute(request, timeout: .nanoseconds(Int64(self.configuration.timeout.components.seconds) * 1_000_000_000))
                let body = try await response.body.collect(upTo: 64 << 20)
                if response.status == .ok { return try self.vectors(from: body, count: texts.count) }
                let message = String(buffer: body).prefix(300)
                guard response.status == .tooManyRequests || response.status.code >= 500 else {
                    throw EmbeddingError.remote("\(self.configuration.baseURL) refused the request (\(response.status.code)): \(message)")
                }
                retryable = "HTTP \(response.status.code): \(message)"
            } catch let error as EmbeddingError {
                throw error
            } catch {
                retryable = "\(error)"
            }
            guard attempt <= self.configuration.retries else {
                throw EmbeddingError.remote("\(self.configuration.baseURL) failed after \(attempt) attempts: \(retryable)")
            }
            try await Task.sleep(for: delay)
            delay *= 2
        }
    }

    private func vectors(from body: ByteBuffer, count: Int) throws -> [[Float]] {
        let answer: Answer
        do { answer = try JSONDecoder().decode(Answer.self, from: Data(body.readableBytesView)) } catch {
            throw EmbeddingError.remote("\(self.configuration.baseURL) answered with something other than embeddings: \(error)")
        }
        var vectors = [[Float]?](repeating: nil, count: count)
        for item in answer.data where (0..<count).contains(item.index) { vectors[item.index] = item.embedding }
        guard vectors.allSatisfy({ $0?.count == self.configuration.dimension }) else {
            throw EmbeddingError.remote(
                "\(self.configuration.baseURL) did not return \(count) vectors of \(self.configuration.dimension) dimensions; check EMBEDDING_DIMENSION and the model")
        }
        return vectors.map { $0! }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        self.hasSuffix(suffix) ? String(self.dropLast(suffix.count)) : self
    }
}
