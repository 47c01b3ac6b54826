import Foundation
package import Logging
package import NIOCore
import NIOHTTP1
package import NIOPosix
package import Prometheus
package import ServiceLifecycle
import NIOConcurrencyHelpers

/// The admin HTTP port: `GET /metrics` (Prometheus text), `/healthz` (the process is up) and
/// `/readyz` (every readiness check passes: 200, else 503 with the failing checks). Plain HTTP/1.1
/// on NIO, no framework.
package final class AdminServer: Service, Sendable {
    package let host: String
    package let port: Int
    private let registry: PrometheusCollectorRegistry
    private let checks: [any ReadinessCheck]
    private let logger: Logger
    private let bound = NIOLockedValueBox<Int?>(nil)

    package init(host: String, port: Int, registry: PrometheusCollectorRegistry, checks: [any ReadinessCheck], logger: Logger) {
        self.host = host
        self.port = port
        self.registry = registry
        self.checks = checks
        self.logger = logger
    }

    /// The bound port once listening (the configured one, or the one picked for 0).
    package var boundPort: Int? { self.bound.withLockedValue { $0 } }

    package func run() async throws {
        let responder = AdminResponder(registry: self.registry, checks: self.checks)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(responder: responder))
                }
            }
            .bind(host: self.host, port: self.port).get()
        self.bound.withLockedValue { $0 = channel.localAddress?.port }
        self.logger.info("Admin port listening", metadata: ["admin.address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        // Ends on graceful shutdown and on cancellation (the group cancels everything when a
        // service fails, e.g. a migration): a future's `get()` would not notice the latter.
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await channel.closeFuture.get()
            } onGracefulShutdown: {
                channel.close(promise: nil)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// Answers admin requests; `/readyz` runs the checks concurrently with a 2-second limit each.
struct AdminResponder: Sendable {
    let registry: PrometheusCollectorRegistry
    let checks: [any ReadinessCheck]

    func respond(to path: String) async -> (HTTPResponseStatus, String, String) {
        switch path {
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4", self.registry.emitToString())
        case "/healthz":
            return (.ok, "application/json", #"{"status":"ok"}"#)
        case "/readyz":
            let results = await withTaskGroup(of: (String, String?).self) { group in
                for check in self.checks {
                    group.addTask {
                        do {
                            try await withThrowingTaskGroup(of: Void.self) { race in
                                race.addTask { try await check.check() }
                                race.addTask {
                                    try await Task.sleep(for: .seconds(2))
                                    throw CancellationError()
                                }
                                try await race.next()
                                race.cancelAll()
                            }
                            return (check.name, nil)
                        } catch is CancellationError {
                            return (check.name, "timed out")
                        } catch {
                            return (check.name, "\(error)")
                        }
                    }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 ?? "ok" }
            }
            let ready = results.values.allSatisfy { $0 == "ok" }
            let body = (try? JSONSerialization.data(withJSONObject: ["status": ready ? "ready" : "not ready", "checks": results], options: [.sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return (ready ? .ok : .serviceUnavailable, "application/json", body)
        default:
            return (.notFound, "text/plain", "Not found: try /metrics, /healthz or /readyz\n")
        }
    }
}

final class AdminHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: AdminResponder
    private var path = "/"
    private var keepAlive = true

    init(responder: AdminResponder) { self.responder = responder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.path = String(head.uri.split(separator: "?").first ?? "/")
            self.keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            let path = self.path
            let keepAlive = self.keepAlive
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            let responder = self.responder
            Task {
                let (status, contentType, body) = await responder.respond(to: path)
                eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.write(status: status, contentType: contentType, body: body, keepAlive: keepAlive, context: context)
                }
            }
        }
    }

    private func write(status: HTTPResponseStatus, contentType: String, body: String, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.utf8.count))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let closed = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            closed.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
