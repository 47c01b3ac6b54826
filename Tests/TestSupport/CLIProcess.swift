package import Foundation
import NIOConcurrencyHelpers

/// Runs the built `lyrica` (or `lyrica-echo`) executable from the same build folder as the tests.
package enum CLIProcess {
    package struct Output: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String
    }

    /// Runs `lyrica ARGS` to completion, feeding `stdin` if given. A process still running after
    /// `timeout` is killed (its output says so), so a hung command cannot hang the test run.
    package static func run(
        _ arguments: [String], executable: String = "lyrica", environment: [String: String] = [:], stdin: String? = nil,
        timeout: Duration = .seconds(180)
    ) throws -> Output {
        let process = Process()
        process.executableURL = builtExecutable(executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        let timedOut = NIOLockedValueBox(false)
        let watchdog = DispatchWorkItem {
            guard process.isRunning else { return }
            timedOut.withLockedValue { $0 = true }
            kill(process.processIdentifier, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1_000)), execute: watchdog)
        defer { watchdog.cancel() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Both pipes drain at once: a command filling one while we wait on the other would block.
        let stderrData = NIOLockedValueBox(Data())
        let stderrDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderrData.withLockedValue { $0 = err.fileHandleForReading.readDataToEndOfFile() }
            stderrDone.signal()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        stderrDone.wait()
        process.waitUntilExit()
        var stderr = String(decoding: stderrData.withLockedValue { $0 }, as: UTF8.self)
        if timedOut.withLockedValue({ $0 }) {
            stderr += "\n[killed: still running after \(timeout)]"
        }
        return Output(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self), stderr: stderr)
    }

    /// The same, waiting on a thread of its own rather than on a cooperative one or a shared
    /// pool's, which the in-process servers the command talks to need.
    package static func run(
        _ arguments: [String], executable: String = "lyrica", environment: [String: String], stdin: String? = nil,
        timeout: Duration = .seconds(180)
    ) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.run(arguments, executable: executable, environment: environment, stdin: stdin, timeout: timeout) })
            }
        }
    }
}
