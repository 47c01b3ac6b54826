import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Auth: the lyrica-auth executable", .timeLimit(.minutes(1)))
struct AuthProcessTests {
    @Test("lyrica-auth migrates, serves over TCP, and exits cleanly on SIGTERM")
    func executableServes() async throws {
        try await withTestDatabase { _, databaseURL in
            let process = Process()
            process.executableURL = builtExecutable("lyrica-auth")
            process.environment = ProcessInfo.processInfo.environment.merging([
                "DATABASE_URL": databaseURL, "REDIS_URL": try TestServers.redisURL() + "?key_prefix=test:\(UUID().uuidString):",
                "RPC_PORT": "0", "ADMIN_PORT": "off", "ARGON2_MEMORY_KIB": "8192", "ARGON2_ITERATIONS": "1",
            ]) { $1 }
            let log = Pipe()
            process.standardError = log
            process.standardOutput = log
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            let port = try #require(try await Self.listeningPort(in: log.fileHandleForReading))
            let client = RPCClient(endpoints: [Endpoint(host: "127.0.0.1", port: port)], logger: testLogger("client"))
            let registered = try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).register(
                .with {
                    $0.email = "process@example.com"
                    $0.username = "process_user"
                    $0.password = "a long enough passphrase"
                })
            #expect(registered.user.email == "process@example.com")
            await client.close()

            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
    }

    /// Reads the log until the server says where it listens.
    private static func listeningPort(in handle: FileHandle) async throws -> Int? {
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { return nil }
            text += String(decoding: data, as: UTF8.self)
            if let match = text.firstMatch(of: #/rpc\.address=\S*?:(\d+) /#) { return Int(match.1) }
        }
        return nil
    }
}
