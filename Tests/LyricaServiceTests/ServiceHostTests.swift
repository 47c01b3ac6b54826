import EchoService
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import LyricaPostgres
import LyricaProtos
import LyricaRPC
import LyricaService
import PostgresNIO
import SwiftProtobuf
import Testing
import TestSupport

/// A service on the kit with PostgreSQL, Redis and events, for testing the kit itself.
struct NotesDefinition: LyricaServiceDefinition {
    static let name = "notes"
    static let defaultRPCPort = 0
    static let defaultAdminPort = 0
    static let usesEvents = true

    static func migrations() throws -> [Migration] {
        [Migration(version: 1, name: "notes", sql: "CREATE TABLE notes (id uuid PRIMARY KEY, body text NOT NULL)")]
    }

    static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        ServiceParts(rpcServices: [EchoService()])
    }
}

@Suite("Service host", .timeLimit(.minutes(1)))
struct ServiceHostTests {
    /// Runs a notes service against a fresh database and the test Redis (or `redisURL`).
    private func withNotesService<Result: Sendable>(
        redisURL: String? = nil, _ body: (ServiceHost<NotesDefinition>, PostgresClient) async throws -> Result
    ) async throws -> Result {
        try await withServiceHost(NotesDefinition.self, redisURL: redisURL, body)
    }

    private func get(_ host: ServiceHost<NotesDefinition>, _ path: String) async throws -> (Int, String) {
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = host.admin?.boundPort
            if port == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        }
        let url = URL(string: "http://127.0.0.1:\(try #require(port))\(path)")!
        let (data, response) = try await URLSession.shared.data(from: url)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("Serving applies the service's and the outbox's migrations first")
    func migratesOnStart() async throws {
        try await withNotesService { _, postgres in
            let rows = try await postgres.query(
                "SELECT to_regclass('notes.notes') IS NOT NULL AND to_regclass('notes.outbox') IS NOT NULL", logger: testLogger())
            for try await present in rows.decode(Bool.self) { #expect(present) }
        }
    }

    @Test("The admin port answers /healthz, /readyz and /metrics")
    func adminEndpoints() async throws {
        try await withNotesService { host, _ in
            let address = try await host.server.listeningAddress
            let client = RPCClient(endpoints: [Endpoint(host: "127.0.0.1", port: address.port!)], logger: testLogger())
            _ = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(.with { $0.text = "count me" })
            await client.close()
            let (health, _) = try await self.get(host, "/healthz")
            #expect(health == 200)
            let (ready, readiness) = try await self.get(host, "/readyz")
            #expect(ready == 200)
            #expect(readiness.contains(#""postgres":"ok""#) && readiness.contains(#""redis":"ok""#))
            let (metricsStatus, metrics) = try await self.get(host, "/metrics")
            #expect(metricsStatus == 200)
            let requests = metrics.split(separator: "\n").filter { $0.hasPrefix("rpc_server_requests") }
            #expect(requests.contains { $0.contains(#"rpc_method="Get""#) && $0.contains(#"rpc_status_code="OK""#) })
        }
    }

    @Test("Readiness turns 503 when Redis is down and back to 200 when it returns")
    func readinessFollowsDependencies() async throws {
        let redis = try RedisServerProcess()
        try await redis.start()
        try await withNotesService(redisURL: redis.url) { host, _ in
            #expect(try await self.get(host, "/readyz").0 == 200)
            redis.stop()
            let (status, body) = try await self.get(host, "/readyz")
            #expect(status == 503)
            #expect(body.contains(#""postgres":"ok""#))
            #expect(!body.contains(#""redis":"ok""#))
            try await redis.start()
            #expect(try await self.get(host, "/readyz").0 == 200)
        }
        redis.stop()
    }
}

@Suite("Configuration and trace context")
struct ConfigurationTests {
    @Test("Defaults suit a local run")
    func defaults() throws {
        let configuration = try ServiceConfiguration(name: "lyrics", rpcPort: 7102, adminPort: 9102, environment: Environment([:]))
        #expect(configuration.server.port == 7102)
        #expect(configuration.adminPort == 9102)
        #expect(configuration.databaseURL.contains("lyrica_lyrics"))
        #expect(configuration.logLevel == .info)
    }

    @Test("A bad value fails fast, naming the variable")
    func badValues() {
        let port = #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration(name: "x", rpcPort: 1, adminPort: 2, environment: Environment(["RPC_PORT": "seventy"]))
        }
        #expect(port?.message.contains("RPC_PORT") == true)
        let level = #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration(name: "x", rpcPort: 1, adminPort: 2, environment: Environment(["LOG_LEVEL": "loud"]))
        }
        #expect(level?.message.contains("LOG_LEVEL") == true)
        let endpoints = #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration(name: "x", rpcPort: 1, adminPort: 2, environment: Environment(["AUTH_ENDPOINTS": "nowhere"]))
                .endpoints(of: "auth", defaultPort: 7101)
        }
        #expect(endpoints?.message.contains("AUTH_ENDPOINTS") == true)
    }

    @Test("traceparent headers parse, and malformed ones are refused")
    func traceParentParsing() {
        let parsed = TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(parsed?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parsed?.spanID == "00f067aa0ba902b7")
        #expect(TraceParent("00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
        #expect(TraceParent("garbage") == nil)
    }

    @Test("A handler's outgoing call carries the same trace with a new parent span, and the request id")
    func tracePropagates() async throws {
        let downstream = ProbeService()
        try await withRunningServer(services: [downstream], interceptors: [TraceContextInterceptor()]) { downstreamServer in
            let downstreamClient = downstreamServer.makeClient()
            let relay = ProbeService { _, _ in
                _ = try await Lyrica_Echo_V1_EchoService.Client(wrapping: downstreamClient).get(.init())
            }
            try await withRunningServer(services: [relay], interceptors: [TraceContextInterceptor()]) { relayServer in
                try await withClient(relayServer) { client in
                    _ = try await Lyrica_Echo_V1_EchoService.Client(wrapping: client).get(
                        .init(),
                        options: CallOptions(metadata: [
                            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "x-request-id": "req-1",
                        ]))
                }
            }
            await downstreamClient.close()
            let relayed = try #require(relay.observations.contexts.first)
            let received = try #require(downstream.observations.contexts.first)
            let relaySpan = try #require(relayed.metadata["traceparent"].flatMap(TraceParent.init))
            let downstreamSpan = try #require(received.metadata["traceparent"].flatMap(TraceParent.init))
            #expect(relaySpan.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(downstreamSpan.traceID == relaySpan.traceID)
            #expect(downstreamSpan.spanID != relaySpan.spanID)
            #expect(received.metadata["x-request-id"] == "req-1")
        }
    }
}
