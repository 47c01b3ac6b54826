import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// An OpenAI-compatible `/v1/chat/completions` server of our own on loopback, for tests. It
/// streams (server-sent events) as many plain lines as the prompt asks for ("Exactly N lines"),
/// one chunk per line `delay` apart; it can fail with a status or never answer, and records the
/// prompts it was sent.
final class FakeChatServer: Sendable {
    enum Behaviour: Sendable {
        case answer
        case status(HTTPResponseStatus)
        case stall
    }

    struct State {
        var behaviour = Behaviour.answer
        var delay: TimeAmount = .zero
        var prompts: [String] = []
    }

    let channel: any Channel
    let state: NIOLockedValueBox<State>

    private init(channel: any Channel, state: NIOLockedValueBox<State>) {
        self.channel = channel
        self.state = state
    }

    static func start(behaviour: Behaviour = .answer, delay: TimeAmount = .zero) async throws -> FakeChatServer {
        let state = NIOLockedValueBox(State(behaviour: behaviour, delay: delay))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(Handler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeChatServer(channel: channel, state: state)
    }

    var baseURL: String { "http://127.0.0.1:\(self.channel.localAddress!.port!)/v1" }
    var prompts: [String] { self.state.withLockedValue { $0.prompts } }

    func close() async { try? await self.channel.close() }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let state: NIOLockedValueBox<State>
        var body = ByteBuffer()

        init(state: NIOLockedValueBox<State>) {
            self.state = state
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch self.unwrapInboundIn(data) {
            case .head:
                self.body.clear()
            case .body(var part):
                self.body.writeBuffer(&part)
            case .end:
                self.respond(context: context)
            }
        }

        private func respond(context: ChannelHandlerContext) {
            let object = try? JSONSerialization.jsonObject(with: Data(self.body.readableBytesView)) as? [String: Any]
            let messages = object?["messages"] as? [[String: Any]] ?? []
            let prompt = messages.last?["content"] as? String ?? ""
            let (behaviour, delay) = self.state.withLockedValue { state in
                state.prompts.append(prompt)
                return (state.behaviour, state.delay)
            }
            switch behaviour {
            case .stall:
                return
            case .status(let status):
                let text = #"{"error":{"message":"told to fail"}}"#
                let headers = HTTPHeaders([("content-type", "application/json"), ("content-length", "\(text.utf8.count)")])
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            case .answer:
                let count = Self.linesAsked(prompt)
                // Fluent lines that rhyme nowhere, as small models write them.
                let endings = ["river", "stone", "morning", "candle", "garden", "window", "silver", "thunder"]
                let lines = (0..<count).map { "Lanterns glow along the quiet \(endings[$0 % endings.count])\n" }
                let chunks = lines.map { line in
                    let json = try! JSONSerialization.data(withJSONObject: ["choices": [["delta": ["content": line]]]])
                    return "data: " + String(decoding: json, as: UTF8.self) + "\n\n"
                } + ["data: [DONE]\n\n"]
                let headers = HTTPHeaders([("content-type", "text/event-stream"), ("transfer-encoding", "chunked")])
                context.writeAndFlush(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                let loop = context.eventLoop
                let send = NIOLoopBound((context, self), eventLoop: loop)
                for (index, chunk) in chunks.enumerated() {
                    loop.scheduleTask(in: delay * Int64(index + 1)) {
                        let (context, handler) = send.value
                        guard context.channel.isActive else { return }
                        context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: chunk)))), promise: nil)
                        if index == chunks.count - 1 { context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil) }
                    }
                }
            }
        }

        /// "Exactly 4 lines" → 4; a rewrite asks for one.
        static func linesAsked(_ prompt: String) -> Int {
            guard let range = prompt.range(of: "Exactly ") else { return 1 }
            return Int(prompt[range.upperBound...].prefix { $0.isNumber }) ?? 1
        }
    }
}
