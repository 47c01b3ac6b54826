import Foundation
import ArgumentParser
import LyricaRPC
import NIOCore

/// Where to connect and how: shared by every subcommand.
struct TargetOptions: ParsableArguments {
    @Argument(help: "The server, host:port (a comma-separated list balances over several).")
    var target: String

    @Option(name: [.customShort("H"), .customLong("header")], help: "Request metadata 'key: value'; repeatable.")
    var headers: [String] = []

    @Option(help: "Seconds the call may take (fractions allowed); none by default.")
    var timeout: Double?

    func endpoints() throws -> [Endpoint] {
        do {
            return try Endpoint.list(self.target)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func callOptions() throws -> CallOptions {
        var metadata = Metadata()
        for header in self.headers {
            guard let colon = header.firstIndex(of: ":") else {
                throw ValidationError("Header '\(header)' is not 'key: value'")
            }
            let key = header[..<colon].trimmingCharacters(in: .whitespaces)
            let value = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw ValidationError("Header '\(header)' has an empty key") }
            metadata.add(key, value)
        }
        var options = CallOptions(metadata: metadata)
        if let timeout = self.timeout {
            guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
            options.timeout = .nanoseconds(Int64(timeout * 1e9))
        }
        return options
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
