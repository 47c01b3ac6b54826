package import Foundation
import NIOPosix

/// Runs the built `lyrica` (or `lyrica-echo`) executable from the same build folder as the tests.
package enum CLIProcess {
    package struct Output: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String
    }

    /// Runs `lyrica ARGS` to completion, feeding `stdin` if given.
    package static func run(
        _ arguments: [String], executable: String = "lyrica", environment: [String: String] = [:], stdin: String? = nil
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
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// The same, waiting on a thread of its own rather than on one of the few cooperative
    /// threads, which in-process servers the command talks to need.
    package static func run(
        _ arguments: [String], executable: String = "lyrica", environment: [String: String], stdin: String? = nil
    ) async throws -> Output {
        try await NIOThreadPool.singleton.runIfActive {
            try Self.run(arguments, executable: executable, environment: environment, stdin: stdin)
        }
    }
}
