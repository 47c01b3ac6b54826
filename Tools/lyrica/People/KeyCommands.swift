import ArgumentParser
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// `lyrica keys …`: API keys for scripts and other programs.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys (sent as 'authorization: ApiKey <secret>').",
        subcommands: [CreateKey.self, ListKeys.self, RevokeKey.self])
}

struct CreateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key; its secret is shown once.")

    @OptionGroup var session: SessionOptions
    @Argument(help: "A name to recognise it by.") var name: String
    @Option(name: .customLong("scope"), help: "read, write, generate or admin; repeatable (default read).") var scopes: [String] = []
    @Option(help: "Calls per minute (default 60).") var perMinute: Int32?
    @Option(help: "Calls per day (default 1000).") var perDay: Int32?

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let response = try await session.call("auth") { client in
                try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).createApiKey(
                    .with {
                        $0.name = self.name
                        $0.scopes = self.scopes.isEmpty ? ["read"] : self.scopes
                        if let perMinute { $0.rateLimitPerMinute = perMinute }
                        if let perDay { $0.rateLimitPerDay = perDay }
                    }, options: options)
            }
            try session.output(response) {
                "Created key \(response.key.id) (\(response.key.scopes.joined(separator: ", "))). Its secret, shown only now:\n\(response.secret)"
            }
        }
    }
}

struct ListKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Your API keys.")

    @OptionGroup var session: SessionOptions
    @Flag(help: "Include revoked and expired keys.") var all = false

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let response = try await session.call("auth") { client in
                try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).listApiKeys(.with { $0.includeInactive = self.all }, options: options)
            }
            try session.output(response) {
                response.keys.isEmpty ? "No API keys." : response.keys.map { key in
                    "\(key.id)  \(key.name)  \(key.scopes.joined(separator: ","))  \(key.isActive ? "active" : "revoked")"
                }.joined(separator: "\n")
            }
        }
    }
}

struct RevokeKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key at once.")

    @OptionGroup var session: SessionOptions
    @Argument(help: "The key's id.") var id: String

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let response = try await session.call("auth") { client in
                try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).revokeApiKey(.with { $0.id = self.id }, options: options)
            }
            try session.output(response) { "Revoked \(self.id)." }
        }
    }
}
