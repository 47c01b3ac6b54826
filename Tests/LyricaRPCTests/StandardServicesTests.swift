import EchoService
import Foundation
import LyricaProtos
import LyricaRPC
import NIOCore
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Health, reflection and interceptors", .timeLimit(.minutes(1)))
struct StandardServicesTests {
    @Test("Health reports SERVING for the server and each service")
    func healthCheck() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let health = Lyrica_Health_V1_Health.Client(wrapping: client)
                let server = try await health.check(.init())
                let echo = try await health.check(.with { $0.service = "lyrica.echo.v1.EchoService" })
                #expect(server.status == .serving)
                #expect(echo.status == .serving)
            }
        }
    }

    @Test("Health answers NOT_FOUND for a service the server does not serve")
    func healthUnknownService() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let error = await #expect(throws: RPCError.self) {
                    try await Lyrica_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "nope.Nope" })
                }
                #expect(error?.code == .notFound)
            }
        }
    }

    @Test("Health Watch streams the current status and then each change")
    func healthWatch() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let statuses = try await Lyrica_Health_V1_Health.Client(wrapping: client).watch(.with { $0.service = "lyrica.echo.v1.EchoService" }) { stream in
                    var statuses: [Lyrica_Health_V1_HealthCheckResponse.ServingStatus] = []
                    for try await response in stream {
                        statuses.append(response.status)
                        if statuses.count == 1 { server.server.health.set(.notServing, for: "lyrica.echo.v1.EchoService") }
                        if statuses.count == 2 { break }
                    }
                    return statuses
                }
                #expect(statuses == [.serving, .notServing])
            }
        }
    }

    @Test("Reflection lists every service with its methods")
    func reflectionListsServices() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let response = try await Lyrica_Reflection_V1_ServerReflection.Client(wrapping: client).listServices(.init())
                #expect(response.services.map(\.name) == [
                    "lyrica.echo.v1.EchoService", "lyrica.health.v1.Health", "lyrica.reflection.v1.ServerReflection",
                ])
                let echo = try #require(response.services.first)
                #expect(echo.methods.map(\.name) == ["Get", "Expand", "Collect", "Update"])
                #expect(echo.methods[0].idempotent)
                #expect(echo.methods[3].clientStreaming && echo.methods[3].serverStreaming)
            }
        }
    }

    @Test("Reflection returns the descriptors that define a symbol")
    func reflectionDescriptors() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let response = try await Lyrica_Reflection_V1_ServerReflection.Client(wrapping: client)
                    .fileDescriptorSet(.with { $0.symbol = "lyrica.echo.v1.EchoRequest" })
                let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: response.fileDescriptorSet)
                #expect(set.file.map(\.name).contains("lyrica/echo/v1/echo.proto"))
                let missing = await #expect(throws: RPCError.self) {
                    try await Lyrica_Reflection_V1_ServerReflection.Client(wrapping: client).fileDescriptorSet(.with { $0.symbol = "no.Such" })
                }
                #expect(missing?.code == .notFound)
            }
        }
    }

    @Test("An interceptor can refuse a call before the handler runs")
    func interceptorShortCircuits() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe], interceptors: [RequireToken()]) { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                let error = await #expect(throws: RPCError.self) { try await echo.get(.init()) }
                #expect(error?.code == .unauthenticated)
                #expect(probe.observations.contexts.isEmpty)
                _ = try await echo.get(.init(), options: CallOptions(metadata: ["authorization": "Bearer secret"]))
                #expect(probe.observations.contexts.count == 1)
            }
        }
    }

    @Test("An interceptor can change the metadata the handler sees")
    func interceptorRewritesMetadata() async throws {
        let probe = ProbeService()
        try await withRunningServer(services: [probe], interceptors: [RequireToken()]) { server in
            try await withClient(server) { client in
                _ = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(
                    .init(), options: CallOptions(metadata: ["authorization": "Bearer secret"]))
                let context = try #require(probe.observations.contexts.first)
                #expect(context.metadata["x-user"] == "tester")
                #expect(context.metadata["authorization"] == nil)
            }
        }
    }
}

/// Lets calls with `authorization: Bearer secret` through as user "tester"; refuses others.
struct RequireToken: RPCServerInterceptor {
    func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws {
        guard context.metadata["authorization"] == "Bearer secret" else {
            throw RPCError(.unauthenticated, "Send 'authorization: Bearer <token>'")
        }
        var context = context
        context.metadata["authorization"] = nil
        context.metadata["x-user"] = "tester"
        try await next(context)
    }
}
