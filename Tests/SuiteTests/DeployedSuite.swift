import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import NIOCore
import SwiftProtobuf
import Testing
import TestSupport

/// The running suite: its processes, a client per service (over all of its instances), and the
/// CLI pointed at it.
struct DeployedSuite: Sendable {
    static let allServices = ["auth", "lyrics", "retrieval", "feedback", "generation"]

    /// Instances by service, in start order.
    let instances: [String: [ServiceProcess]]
    let clients: [String: RPCClient]
    let configFile: String
    /// Each service's database, as a URL.
    let databases: [String: String]

    /// A service's first (or only) instance.
    var processes: [String: ServiceProcess] { self.instances.compactMapValues(\.first) }

    /// `host:port,host:port` of a service's instances, as clients take it.
    func endpointList(_ service: String) -> String {
        (self.instances[service] ?? []).map(\.endpoint).joined(separator: ",")
    }

    func client(_ service: String) throws -> RPCClient {
        guard let client = self.clients[service] else { throw ServiceProcessError(description: "no \(service) client") }
        return client
    }

    func bearer(_ token: String) -> CallOptions {
        CallOptions(timeout: .seconds(10), metadata: ["authorization": "Bearer \(token)"])
    }

    /// `lyrica ARGUMENTS` with every service's endpoint and this suite's config file.
    var cli: @Sendable ([String], String?) async throws -> CLIProcess.Output {
        let endpoints = self.instances.keys.flatMap { ["--endpoint", "\($0)=\(self.endpointList($0))"] }
        let config = self.configFile
        return { arguments, stdin in
            try await CLIProcess.run(arguments + ["--config", config] + endpoints, environment: [:], stdin: stdin)
        }
    }

    /// The named services' log tails, for a failure's message.
    func logs(_ names: [String]) -> String {
        names.flatMap { self.instances[$0] ?? [] }.map { "\($0.instance) log: \($0.logTail())" }.joined(separator: "\n")
    }

    /// The access token `lyrica login` saved.
    func profileToken() throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: self.configFile))) as? [String: Any]
        guard let token = object?["accessToken"] as? String else { throw ServiceProcessError(description: "no token in \(self.configFile)") }
        return token
    }

    /// New accounts' access tokens.
    func registerUsers(_ count: Int) async throws -> [String] {
        let auth = Lyrica_Auth_V1_AuthService.Client(wrapping: try self.client("auth"))
        var tokens: [String] = []
        for index in 0..<count {
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let response = try await auth.register(
                .with {
                    $0.username = "fan_\(index)_\(suffix)"
                    $0.email = "fan\(index)\(suffix)@example.com"
                    $0.password = "a long enough passphrase"
                })
            tokens.append(response.tokens.accessToken)
        }
        return tokens
    }

    /// Likes `song` as `token`'s user, retrying failed tries (a service restarting) for up to 30 s.
    func likeUntilAcknowledged(_ song: String, token: String) async throws {
        let feedback = Lyrica_Feedback_V1_FeedbackService.Client(wrapping: try self.client("feedback"))
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                _ = try await feedback.submitFeedback(
                    .with {
                        $0.lyricsID = song
                        $0.liked = true
                    }, options: self.bearer(token))
                return
            } catch let error as RPCError where [.unavailable, .deadlineExceeded, .cancelled].contains(error.code) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// Starts `services` as processes (in the order given, each waiting for the ones before it), each
/// with its own new database shared by its `instances`, then runs `body`. `environment` is added
/// to every process's.
func withDeployedSuite<Result: Sendable>(
    services names: [String] = DeployedSuite.allServices, instances counts: [String: Int] = [:], environment extra: [String: String] = [:],
    _ body: (DeployedSuite) async throws -> Result
) async throws -> Result {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lyrica-suite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let master = "suite-master-secret-0123456789-abcdefghijklmnop"
    let redis = try TestServers.redisURL() + "?key_prefix=test:\(UUID().uuidString.lowercased()):"
    var ports: [String: [(Int, Int)]] = [:]
    for name in names { ports[name] = try (0..<(counts[name] ?? 1)).map { _ in (try TestPorts.unused(), try TestPorts.unused()) } }
    let endpoints = Dictionary(uniqueKeysWithValues: names.map { name in
        ("\(name.uppercased())_ENDPOINTS", ports[name]!.map { "127.0.0.1:\($0.0)" }.joined(separator: ","))
    })
    let lexicon = ProcessInfo.processInfo.environment["LYRICA_TEST_LEXICON"] ?? ".build/lexicon"

    return try await withDatabases(count: names.count) { databaseList in
        let databases = Dictionary(uniqueKeysWithValues: zip(names, databaseList))
        var instances: [String: [ServiceProcess]] = [:]
        for name in names {
            var environment = endpoints.merging(["DATABASE_URL": databases[name]!, "REDIS_URL": redis, "LOG_LEVEL": "info"]) { $1 }
            if name == "auth" {
                environment.merge(["SERVICE_MASTER_SECRET": master, "ARGON2_MEMORY_KIB": "8192", "ARGON2_ITERATIONS": "1"]) { $1 }
            } else {
                environment["SERVICE_SECRET"] = ServiceSecret.derive(service: name, masterSecret: master)
            }
            if name == "generation" { environment["LEXICON_DIR"] = lexicon }
            environment.merge(extra) { $1 }
            instances[name] = ports[name]!.enumerated().map { index, port in
                ServiceProcess(
                    name: name, instance: index == 0 ? name : "\(name)-\(index + 1)", port: port.0, adminPort: port.1,
                    environment: environment, logFolder: folder)
            }
        }
        let all = names.flatMap { instances[$0]! }
        defer { for process in all { process.stop() } }
        for process in all {
            try process.start()
            try await process.waitUntilServing()
        }
        var clients: [String: RPCClient] = [:]
        for (name, processes) in instances {
            clients[name] = RPCClient(
                endpoints: processes.map { Endpoint(host: "127.0.0.1", port: $0.port) }, logger: testLogger("suite-\(name)"))
        }
        let suite = DeployedSuite(
            instances: instances, clients: clients, configFile: folder.appendingPathComponent("config.json").path, databases: databases)
        do {
            let result = try await body(suite)
            for client in clients.values { await client.close() }
            return result
        } catch {
            for client in clients.values { await client.close() }
            Issue.record(Comment(rawValue: suite.logs(names)))
            throw error
        }
    }
}

/// `count` fresh databases (dropped afterwards), as URLs.
private func withDatabases<Result: Sendable>(count: Int, _ body: ([String]) async throws -> Result) async throws -> Result {
    guard count > 0 else { return try await body([]) }
    return try await withTestDatabase { _, url in
        try await withDatabases(count: count - 1) { rest in try await body([url] + rest) }
    }
}
