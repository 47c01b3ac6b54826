import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LyricaRPC
import NIOCore
import Testing
import TestSupport

/// One service executable running as its own process, as it is deployed: its own environment
/// (database, Redis, ports, secret, endpoints of the others), its log in a file. Killed and
/// started again on the same ports, it is a restart.
final class ServiceProcess: @unchecked Sendable {
    /// The service (`lyrica-NAME`).
    let name: String
    /// This process among the service's instances (`lyrics`, `lyrics-2`), naming its log.
    let instance: String
    let port: Int
    let adminPort: Int
    let environment: [String: String]
    let logURL: URL
    private var process: Process?

    init(name: String, instance: String, port: Int, adminPort: Int, environment: [String: String], logFolder: URL) {
        self.name = name
        self.instance = instance
        self.port = port
        self.adminPort = adminPort
        self.environment = environment
        self.logURL = logFolder.appendingPathComponent("\(instance).log")
    }

    var endpoint: String { "127.0.0.1:\(self.port)" }

    func start() throws {
        let process = Process()
        process.executableURL = builtExecutable("lyrica-\(self.name)")
        process.arguments = ["serve"]
        process.environment = ProcessInfo.processInfo.environment.merging(self.environment.merging([
            "RPC_PORT": String(self.port), "ADMIN_PORT": String(self.adminPort), "SHUTDOWN_GRACE": "5s",
        ]) { $1 }) { $1 }
        if !FileManager.default.fileExists(atPath: self.logURL.path) { FileManager.default.createFile(atPath: self.logURL.path, contents: nil) }
        let log = try FileHandle(forWritingTo: self.logURL)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
    }

    /// SIGKILL: no draining, no goodbye — what a crash or an OOM kill does.
    func kill() {
        guard let process = self.process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for the drain; a process still running after `timeout` is killed
    /// (and reported), so a hung service cannot hang the test run.
    func stop(timeout: Duration = .seconds(30)) {
        guard let process = self.process, process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("\(self.instance) ignored SIGTERM for \(timeout); killed. Log: \(self.logTail())")
            self.kill()
        }
    }

    /// Until the service's health check answers SERVING.
    func waitUntilServing(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let check = try await CLIProcess.run(["healthcheck", "--port", String(self.port)], executable: "lyrica-\(self.name)", environment: [:])
            if check.status == 0 { return }
            if let process = self.process, !process.isRunning {
                throw ServiceProcessError(description: "\(self.instance) exited: \(self.logTail())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServiceProcessError(description: "\(self.instance) is not serving after \(timeout): \(self.logTail())")
    }

    /// How many calls of `method` this process answered OK since it started, from its /metrics.
    func servedCalls(method: String) async throws -> Int {
        let url = URL(string: "http://127.0.0.1:\(self.adminPort)/metrics")!
        let (data, _) = try await URLSession.shared.data(from: url)
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("rpc_server_requests") && $0.contains(#"rpc_method="\#(method)""#) && $0.contains(#"rpc_status_code="OK""#) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0) { $0 + Int($1) }
    }

    func logTail() -> String {
        let text = (try? String(contentsOf: self.logURL, encoding: .utf8)) ?? ""
        return String(text.suffix(2_000))
    }
}

struct ServiceProcessError: Error, CustomStringConvertible {
    let description: String
}
