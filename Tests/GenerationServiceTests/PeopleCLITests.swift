import Foundation
import LyricaRPC
import LyricaService
import NIOCore
import Testing
import TestSupport

/// The `lyrica` commands for people, as processes against the running services.
@Suite("lyrica for people", .serialized, .timeLimit(.minutes(3)))
struct PeopleCLITests {
    @Test("register, whoami, generate, songs show, rate, like, search and history work in turn, with tokens in a 0600 file")
    func songwriterFlow() async throws {
        try await withGenerationService(withFeedback: true) { harness in
            let cli = try await PeopleCLI(harness)
            let registered = try await cli.run(["register", "--username", "poet_one", "--email", "poet1@example.com", "--password-stdin"],
                                               stdin: "a long enough passphrase\n")
            #expect(registered.status == 0, "\(registered.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: cli.config)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let me = try await cli.json(["whoami"])
            #expect(me["username"] as? String == "poet_one")

            let finished = try await cli.json(["generate", "A hopeful song about the harbour lights", "--genre", "folk", "--mood", "hopeful", "--seed", "7"])
            let id = try #require(finished["lyricsId"] as? String)
            let shown = try await cli.run(["songs", "show", id])
            #expect(shown.stdout.contains("[chorus]"))

            let rated = try await cli.run(["rate", id, "--overall", "5", "--tag", "warm"])
            #expect(rated.stdout.contains("overall 5/5"), "\(rated.stdout)\(rated.stderr)")
            #expect(try await cli.run(["like", id]).status == 0)
            let summary = try await cli.run(["songs", "show", id])
            #expect(summary.stdout.contains("♥ 1 · saved 0 · rated 5.0/5 by 1 · tags: warm (1)"), "\(summary.stdout)")

            let found = try await cli.run(["search", "harbour"])
            #expect(found.stdout.contains(id), "\(found.stdout)\(found.stderr)")
            let history = try await cli.run(["history"])
            #expect(history.stdout.contains(id))
        }
    }

    @Test("Signed out, commands say how to sign in; a service that is down is named with how to start it")
    func errorsSayWhatToDo() async throws {
        try await withGenerationService { harness in
            let cli = try await PeopleCLI(harness)
            let signedOut = try await cli.run(["whoami"])
            #expect(signedOut.status == 1)
            #expect(signedOut.stderr.contains("You are not signed in: run `lyrica login`"))
            let down = try await cli.run(["login", "nobody", "--password-stdin", "--endpoint", "auth=127.0.0.1:1"], stdin: "x\n")
            #expect(down.status == 64 + 14)
            #expect(down.stderr.contains("Cannot reach the auth service at 127.0.0.1:1"), "\(down.stderr)")
            #expect(down.stderr.contains("Deploy/local/run.sh"))
            let wrong = try await cli.run(["login", "nobody", "--password-stdin"], stdin: "not the password\n")
            #expect(wrong.status == 64 + 16, "\(wrong.stderr)")
        }
    }
}

/// Runs `lyrica` with the harness's endpoints and a config file of its own.
struct PeopleCLI {
    let config: String
    let endpoints: [String]

    init(_ harness: GenerationHarness) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lyrica-cli-\(UUID().uuidString)")
        self.config = folder.appendingPathComponent("config.json").path
        let generationPort = try await harness.generationHost.server.listeningAddress.port!
        var endpoints = ["--endpoint", "generation=127.0.0.1:\(generationPort)"]
        for service in ["auth", "lyrics", "retrieval", "feedback"] {
            if let value = harness.environment["\(service.uppercased())_ENDPOINTS"] { endpoints += ["--endpoint", "\(service)=\(value)"] }
        }
        self.endpoints = endpoints
    }

    func run(_ arguments: [String], stdin: String? = nil) async throws -> CLIProcess.Output {
        // The first --endpoint for a service wins: one in `arguments` overrides the harness's.
        try await CLIProcess.run(arguments + ["--config", self.config] + self.endpoints, environment: [:], stdin: stdin)
    }

    /// The command's `--json` output as an object.
    func json(_ arguments: [String]) async throws -> [String: Any] {
        let output = try await self.run(arguments + ["--json"])
        #expect(output.status == 0, "\(output.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    }
}
