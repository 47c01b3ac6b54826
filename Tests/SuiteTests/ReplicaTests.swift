import Foundation
import LyricaProtos
import LyricaRPC
import PostgresNIO
import SwiftProtobuf
import Testing
import TestSupport

/// Two instances of one service (lyrics) behind the clients' endpoint lists, as a deployment
/// scales a stateless service: they share the calls, and restarting either one under load —
/// drained (SIGTERM) or crashed (SIGKILL) — loses no acknowledged write.
@Suite("Replicas", .serialized, .timeLimit(.minutes(5)))
struct ReplicaTests {
    private static let environment = ["USER_RATE_LIMIT_PER_MINUTE": "1000000"]
    private static let createLyrics = "/lyrica.lyrics.v1.LyricsService/CreateLyrics"

    @Test("Calls over an endpoint list of two instances are shared between them")
    func twoInstancesShareTheCalls() async throws {
        try await withDeployedSuite(services: ["auth", "lyrics"], instances: ["lyrics": 2], environment: Self.environment) { suite in
            let token = try await suite.registerUsers(1)[0]
            let lyrics = Lyrica_Lyrics_V1_LyricsService.Client(wrapping: try suite.client("lyrics"))
            for index in 0..<60 {
                _ = try await lyrics.createLyrics(.with { $0.title = "Shared \(index)"; $0.content = "Lights on the water" }, options: suite.bearer(token))
            }
            for instance in suite.instances["lyrics"] ?? [] {
                let served = try await instance.servedCalls(method: "CreateLyrics")
                #expect(served >= 20, "\(instance.instance) served \(served) of 60 calls")
            }
        }
    }

    @Test("Draining and restarting one instance under `lyrica bench` load fails no call and loses no write")
    func aDrainedInstanceFailsNoCall() async throws {
        try await withDeployedSuite(services: ["auth", "lyrics"], instances: ["lyrics": 2], environment: Self.environment) { suite in
            let (report, written) = try await Self.benchWhile(suite) { instance in
                instance.stop()
                try instance.start()
                try await instance.waitUntilServing()
            }
            #expect(report.failed.isEmpty, "calls failed: \(report.failed)")
            #expect(written == report.ok)
        }
    }

    @Test("Killing one instance (SIGKILL) under `lyrica bench` load loses no acknowledged write; the calls move to the other")
    func aKilledInstanceLosesNoAcknowledgedWrite() async throws {
        try await withDeployedSuite(services: ["auth", "lyrics"], instances: ["lyrics": 2], environment: Self.environment) { suite in
            let (report, written) = try await Self.benchWhile(suite) { instance in
                instance.kill()
                try await Task.sleep(for: .milliseconds(500))
                try instance.start()
                try await instance.waitUntilServing()
            }
            // Calls in flight on the killed instance fail; whether they committed is unknown to
            // their callers, so the database holds every acknowledged write and at most those.
            #expect(written >= report.ok)
            #expect(written <= report.ok + report.failed.values.reduce(0, +))
            #expect(report.failed.keys.allSatisfy { $0 == "UNAVAILABLE" }, "calls failed: \(report.failed)")
            #expect(report.ok > 10 * report.failed.values.reduce(0, +), "most calls succeed: \(report)")
        }
    }

    /// What `lyrica bench --format json` reported.
    struct BenchOutcome: CustomStringConvertible {
        var ok: Int
        var failed: [String: Int]
        var description: String { "\(self.ok) OK, failed \(self.failed)" }
    }

    /// Runs `lyrica bench` creating songs on both instances for 6 s while `disrupt` runs on the
    /// first instance after 1.5 s; returns its report and how many songs the database holds.
    private static func benchWhile(
        _ suite: DeployedSuite, disrupt: @escaping @Sendable (ServiceProcess) async throws -> Void
    ) async throws -> (BenchOutcome, Int) {
        let token = try await suite.registerUsers(1)[0]
        let instance = try #require(suite.instances["lyrics"]?.first)
        async let bench = CLIProcess.run(
            [
                "bench", suite.endpointList("lyrics"), Self.createLyrics, "-d", #"{"title":"Bench","content":"Lights on the water"}"#,
                "-H", "authorization: Bearer \(token)", "-c", "4", "-z", "6s", "--timeout", "5", "--format", "json",
            ], environment: [:])
        try await Task.sleep(for: .milliseconds(1_500))
        try await disrupt(instance)
        let output = try await bench
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stderr)")
        var codes = report["statusCodes"] as? [String: Int] ?? [:]
        let ok = codes.removeValue(forKey: "OK") ?? 0
        let written = try await withPostgresClient(url: try #require(suite.databases["lyrics"])) { postgres in
            var count = 0
            for try await rows in try await postgres.query("SELECT count(*)::int8 FROM lyrics.lyrics", logger: testLogger()).decode(Int.self) {
                count = rows
            }
            return count
        }
        #expect(ok > 0, "bench: \(output.stderr)")
        let rate = (report["callsPerSecond"] as? Double).map { Int($0) } ?? 0
        print("replicas: \(ok) writes acknowledged (\(rate)/s), failed \(codes), \(written) in the database")
        return (BenchOutcome(ok: ok, failed: codes), written)
    }
}
