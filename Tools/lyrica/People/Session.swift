import ArgumentParser
import Foundation
import LyricaProtos
import LyricaRPC
import NIOCore
import SwiftProtobuf

/// Options every command for people shares: where the services are, where the profile lives,
/// how to print.
struct SessionOptions: ParsableArguments {
    @Option(
        name: .customLong("endpoint"),
        help: ArgumentHelp(
            "A service's address, NAME=HOST:PORT (auth, lyrics, generation, retrieval, feedback); repeatable.",
            discussion: "Else <NAME>_ENDPOINTS in the environment, else the config file, else 127.0.0.1 and the default port."))
    var endpoints: [String] = []

    @Option(help: "The config file (default: $LYRICA_CONFIG, else ~/.config/lyrica/config.json).")
    var config: String?

    @Flag(help: "Print answers as protobuf JSON (errors as JSON on stderr).")
    var json = false

    @Option(help: "Seconds each call may take.")
    var timeout: Double = 30
}

/// One run of a command for people: resolves endpoints, keeps one client per service, signs
/// calls with the profile's access token (refreshing it when it is about to expire) and turns
/// failures into messages a person can act on.
final class Session {
    static let defaultPorts = ["auth": 7101, "lyrics": 7102, "generation": 7103, "retrieval": 7104, "feedback": 7105]

    let options: SessionOptions
    let profileURL: URL
    var profile: Profile
    private var clients: [String: RPCClient] = [:]

    init(_ options: SessionOptions) throws {
        self.options = options
        self.profileURL = Profile.path(override: options.config)
        self.profile = try Profile.load(from: self.profileURL)
    }

    /// `--endpoint`, else `<NAME>_ENDPOINTS`, else the profile, else the default port on loopback.
    func endpoint(_ service: String) throws -> String {
        for entry in self.options.endpoints {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, Self.defaultPorts[parts[0]] != nil else {
                throw CLIError("--endpoint \(entry) is not NAME=HOST:PORT with NAME one of \(Self.defaultPorts.keys.sorted().joined(separator: ", "))")
            }
            if parts[0] == service { return parts[1] }
        }
        if let value = ProcessInfo.processInfo.environment["\(service.uppercased())_ENDPOINTS"], !value.isEmpty { return value }
        if let value = self.profile.endpoints[service] { return value }
        return "127.0.0.1:\(Self.defaultPorts[service] ?? 0)"
    }

    func client(_ service: String) throws -> RPCClient {
        if let client = self.clients[service] { return client }
        let text = try self.endpoint(service)
        let endpoints: [Endpoint]
        do {
            endpoints = try Endpoint.list(text)
        } catch {
            throw CLIError("The \(service) endpoint '\(text)' is not host:port: \(error.message)")
        }
        let client = RPCClient(endpoints: endpoints)
        self.clients[service] = client
        return client
    }

    var callOptions: CallOptions { CallOptions(timeout: .nanoseconds(Int64(self.options.timeout * 1e9))) }

    /// Runs one call to `service`, naming the service and its address if it fails.
    func call<Result>(_ service: String, _ body: (RPCClient) async throws -> Result) async throws -> Result {
        let client = try self.client(service)
        do {
            return try await body(client)
        } catch let error as RPCError {
            throw ServiceFailure(service: service, endpoint: (try? self.endpoint(service)) ?? "?", error: error, timeout: self.options.timeout)
        }
    }

    /// Call options carrying the signed-in user's access token, renewed with the refresh token
    /// (and saved) when it expires within a minute.
    func signedIn() async throws -> CallOptions {
        guard self.profile.isSignedIn else { throw CLIError("You are not signed in: run `lyrica login` (or `lyrica register`) first") }
        if let token = self.profile.accessToken, let expiry = self.profile.accessTokenExpiresAt, expiry > Date().addingTimeInterval(60) {
            return self.withToken(token)
        }
        guard let refresh = self.profile.refreshToken else { throw CLIError("Your session has ended: run `lyrica login` again") }
        let tokens: Lyrica_Auth_V1_TokenPair
        do {
            tokens = try await self.call("auth") { client in
                try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).refresh(.with { $0.refreshToken = refresh }, options: self.callOptions).tokens
            }
        } catch let failure as ServiceFailure where failure.error.code == .unauthenticated {
            throw CLIError("Your session has ended (\(failure.error.message)): run `lyrica login` again")
        }
        self.remember(tokens)
        try self.profile.save(to: self.profileURL)
        return self.withToken(tokens.accessToken)
    }

    /// Keeps a new token pair in the profile (saved by the caller).
    func remember(_ tokens: Lyrica_Auth_V1_TokenPair) {
        self.profile.accessToken = tokens.accessToken
        self.profile.accessTokenExpiresAt = tokens.accessTokenExpiresAt.date
        self.profile.refreshToken = tokens.refreshToken
    }

    private func withToken(_ token: String) -> CallOptions {
        var options = self.callOptions
        options.metadata.add("authorization", "Bearer \(token)")
        return options
    }

    /// Prints a message: protobuf JSON with `--json`, else `text()`.
    func output(_ message: some SwiftProtobuf.Message, _ text: () -> String) throws {
        printLine(self.options.json ? try JSONMessages.encode(message, pretty: true) : text())
    }

    func close() async {
        for client in self.clients.values { await client.close() }
    }

    /// Runs a command's body in a session and turns every failure into a clear message and the
    /// CLI's exit status (64 + the status code for RPC failures, 1 for the CLI's own).
    static func run(_ options: SessionOptions, _ body: (Session) async throws -> Void) async throws {
        let session: Session
        do {
            session = try Session(options)
        } catch let error as CLIError {
            throw Self.fail(error, json: options.json)
        }
        do {
            try await body(session)
            await session.close()
        } catch let failure as ServiceFailure {
            await session.close()
            throw Self.fail(failure, json: options.json)
        } catch let error as CLIError {
            await session.close()
            throw Self.fail(error, json: options.json)
        } catch let error as RPCError {
            await session.close()
            throw StatusExit.fail(error, format: options.json ? .json : .text)
        }
    }

    private static func fail(_ failure: ServiceFailure, json: Bool) -> ExitCode {
        if json {
            let object: [String: Any] = [
                "code": failure.error.code.name, "codeNumber": failure.error.code.rawValue, "message": failure.error.message,
                "service": failure.service, "endpoint": failure.endpoint,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            FileHandle.standardError.write(data + Data("\n".utf8))
        } else {
            FileHandle.standardError.write(Data("error: \(failure.explanation)\n".utf8))
        }
        return ExitCode(Int32(64 + failure.error.code.rawValue))
    }

    private static func fail(_ error: CLIError, json: Bool) -> ExitCode {
        let text = json ? #"{"message":\#(String(reflecting: error.description))}"# : "error: \(error.description)"
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return ExitCode.failure
    }
}

/// An RPC that failed, with where it went: the explanation tells a person what to do next.
struct ServiceFailure: Error {
    let service: String
    let endpoint: String
    let error: RPCError
    let timeout: Double

    var explanation: String {
        let message = self.error.message
        switch self.error.code {
        case .unavailable:
            return "Cannot reach the \(self.service) service at \(self.endpoint) (\(message)). Is it running? "
                + "Deploy/local/run.sh starts everything; --endpoint \(self.service)=HOST:PORT points elsewhere."
        case .unauthenticated:
            return "\(message). Sign in again with `lyrica login`."
        case .permissionDenied:
            return "\(message) (your account or API key lacks the scope this needs)."
        case .deadlineExceeded:
            return "The \(self.service) service did not answer within \(self.timeout) s (--timeout): \(message)"
        case .invalidArgument:
            return "Invalid request: \(message)"
        case .notFound, .alreadyExists, .failedPrecondition, .aborted, .resourceExhausted, .cancelled:
            return message
        default:
            return "The \(self.service) service failed (\(self.error.code.name)): \(message)"
        }
    }
}
