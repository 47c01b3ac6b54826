import ArgumentParser
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// `lyrica register`: creates an account and signs in as it.
struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an account and sign in (tokens saved to the config file, mode 0600).",
        discussion: "The password is read from the terminal without echo, or from standard input (--password-stdin or a pipe).")

    @OptionGroup var session: SessionOptions
    @Option(help: "3–100 letters, digits, '_' or '-'.") var username: String
    @Option(help: "Your email address.") var email: String
    @Option(help: "Your name, optional.") var fullName: String?
    @Flag(help: "Read the password from standard input.") var passwordStdin = false

    func run() async throws {
        try await Session.run(self.session) { session in
            let password = try Password.read(prompt: "Choose a password (12+ characters): ", fromStandardInput: self.passwordStdin)
            let response = try await session.call("auth") { client in
                try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).register(
                    .with {
                        $0.username = self.username
                        $0.email = self.email
                        $0.password = password
                        if let name = self.fullName { $0.fullName = name }
                    }, options: session.callOptions)
            }
            try session.signIn(response.user, response.tokens)
            try session.output(response.user) { "Registered and signed in as \(response.user.username) (\(response.user.id))." }
        }
    }
}

/// `lyrica login LOGIN`: signs in and keeps the tokens.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in with a username or email; tokens are saved to the config file (mode 0600).",
        discussion: "The password is read from the terminal without echo, or from standard input (--password-stdin or a pipe).")

    @OptionGroup var session: SessionOptions
    @Argument(help: "Username or email.") var login: String
    @Flag(help: "Read the password from standard input.") var passwordStdin = false

    func run() async throws {
        try await Session.run(self.session) { session in
            let password = try Password.read(prompt: "Password for \(self.login): ", fromStandardInput: self.passwordStdin)
            let response = try await session.call("auth") { client in
                try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).login(
                    .with {
                        $0.login = self.login
                        $0.password = password
                    }, options: session.callOptions)
            }
            try session.signIn(response.user, response.tokens)
            try session.output(response.user) { "Signed in as \(response.user.username)." }
        }
    }
}

/// `lyrica logout`: ends the session on the server and forgets the tokens.
struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sign out: end this session and forget its tokens.")

    @OptionGroup var session: SessionOptions

    func run() async throws {
        try await Session.run(self.session) { session in
            if let refresh = session.profile.refreshToken {
                _ = try? await session.call("auth") { client in
                    try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).logout(.with { $0.refreshToken = refresh }, options: session.callOptions)
                }
            }
            let name = session.profile.username
            session.profile.accessToken = nil
            session.profile.accessTokenExpiresAt = nil
            session.profile.refreshToken = nil
            session.profile.userID = nil
            session.profile.username = nil
            try session.profile.save(to: session.profileURL)
            printLine(session.options.json ? #"{"signedOut":true}"# : "Signed out\(name.map { " \($0)" } ?? "").")
        }
    }
}

/// `lyrica whoami`: the signed-in account, as the auth service sees it.
struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the signed-in account.")

    @OptionGroup var session: SessionOptions

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let user = try await session.call("auth") { client in
                try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).getMe(.init(), options: options).user
            }
            try session.output(user) {
                "\(user.username) <\(user.email)>  id \(user.id)  scopes: \(user.scopes.joined(separator: ", "))"
            }
        }
    }
}

extension Session {
    /// Remembers a signed-in account and its tokens, and the endpoints that worked.
    func signIn(_ user: Lyrica_Auth_V1_User, _ tokens: Lyrica_Auth_V1_TokenPair) throws {
        self.profile.userID = user.id
        self.profile.username = user.username
        self.remember(tokens)
        for service in Self.defaultPorts.keys { self.profile.endpoints[service] = try self.endpoint(service) }
        try self.profile.save(to: self.profileURL)
    }
}

/// Passwords never come from the command line (it ends up in shell history and `ps`).
enum Password {
    static func read(prompt: String, fromStandardInput: Bool) throws -> String {
        let password: String?
        if fromStandardInput || isatty(STDIN_FILENO) == 0 {
            password = readLine(strippingNewline: true)
        } else {
            password = getpass(prompt).map { String(cString: $0) }
        }
        guard let password, !password.isEmpty else { throw CLIError("No password given") }
        return password
    }
}
