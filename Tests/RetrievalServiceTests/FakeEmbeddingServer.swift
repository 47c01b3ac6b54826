import Embedding
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// An OpenAI-compatible `/v1/embeddings` server of our own on loopback, for tests: the vectors
/// are the hashing embedder's at `dimension`; it can fail the next requests with a status, and
/// records what it was asked.
final class FakeEmbeddingServer: Sendable {
    struct State {
        var failures: [HTTPResponseStatus] = []
        var requests = 0
        var authorization: String?
        var models: [String] = []
    }

    let channel: any Channel
    let state: NIOLockedValueBox<State>

    private init(channel: any Channel, state: NIOLockedValueBox<State>) {
        self.channel = channel
        self.state = state
    }

    static func start(dimension: Int) async throws -> FakeEmbeddingServer {
        let state = NIOLockedValueBox(State())
        let embedder = HashingEmbedder(dimension: dimension)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(Handler(state: state, embedder: embedder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeEmbeddingServer(channel: channel, state: state)
    }

    var baseURL: String { "http://127.0.0.1:\(self.channel.localAddress!.port!)/v1" }

    func failNext(_ statuses: [HTTPResponseStatus]) { self.state.withLockedValue { $0.failures = statuses } }

    func close() async { try? await self.channel.close() }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let state: NIOLockedValueBox<State>
        let embedder: HashingEmbedder
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(state: NIOLockedValueBox<State>, embedder: HashingEmbedder) {
            self.state = state
            self.embedder = embedder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch self.unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                self.body.clear()
            case .body(var part):
                self.body.writeBuffer(&part)
            case .end:
                let (status, text) = self.answer()
                var headers = HTTPHeaders([("content-type", "application/json"), ("content-length", "\(text.utf8.count)")])
                headers.add(name: "connection", value: "keep-alive")
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }

        private func answer() -> (HTTPResponseStatus, String) {
            let failure: HTTPResponseStatus? = self.state.withLockedValue { state in
                state.requests += 1
                state.authorization = self.head?.headers.first(name: "authorization")
                return state.failures.isEmpty ? nil : state.failures.removeFirst()
            }
            if let failure { return (failure, #"{"error":{"message":"told to fail"}}"#) }
            guard self.head?.uri == "/v1/embeddings",
                let object = try? JSONSerialization.jsonObject(with: Data(self.body.readableBytesView)) as? [String: Any],
                let model = object["model"] as? String, let input = object["input"] as? [String]
            else { return (.badRequest, #"{"error":{"message":"expected {model, input: [strings]} at /v1/embeddings"}}"#) }
            self.state.withLockedValue { $0.models.append(model) }
            let data: [[String: Any]] = input.enumerated().reversed().map { index, text in
                ["object": "embedding", "index": index, "embedding": ((try? self.embedder.vector(text)) ?? []).map { Double($0) }]
            }
            let json = try! JSONSerialization.data(withJSONObject: ["object": "list", "data": data, "model": model])
            return (.ok, String(decoding: json, as: UTF8.self))
        }
    }
}
