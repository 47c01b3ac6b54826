import AuthService
import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import SwiftProtobuf
import Testing

/// Every request the service must refuse with INVALID_ARGUMENT, and a phrase of the message.
@Suite("Auth: input validation", .timeLimit(.minutes(1)))
struct ValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let fragment: String
        let call: @Sendable (Lyrica_Auth_V1_AuthService.Client, CallOptions) async throws -> Void
        var testDescription: String { self.name }
    }

    static func register(_ email: String, _ username: String, _ password: String, fragment: String, _ name: String) -> Case {
        Case(name: name, fragment: fragment) { auth, _ in
            _ = try await auth.register(
                .with {
                    $0.email = email
                    $0.username = username
                    $0.password = password
                })
        }
    }

    static let cases: [Case] = [
        register("", "valid_name", "a long enough passphrase", fragment: "email is required", "register without email"),
        register("not-an-email", "valid_name", "a long enough passphrase", fragment: "is not an email address", "register with a bad email"),
        register("a@example.com", "ab", "a long enough passphrase", fragment: "3 to 100 characters", "register with a short username"),
        register("a@example.com", "bad name!", "a long enough passphrase", fragment: "letters, digits", "register with a bad username"),
        register("a@example.com", "valid_name", "short", fragment: "too short", "register with a short password"),
        register("a@example.com", "valid_name", "password1234", fragment: "too common", "register with a common password"),
        register("a@example.com", "valid_name", "my valid_name rocks", fragment: "username or email", "register with the username in the password"),
        register("a@example.com", "valid_name", "aaaaaaaaaaaaaaaa", fragment: "4 different", "register with a repetitive password"),
        Case(name: "login without login", fragment: "login is required") { auth, _ in
            _ = try await auth.login(.with { $0.password = "x" })
        },
        Case(name: "login without password", fragment: "password is required") { auth, _ in
            _ = try await auth.login(.with { $0.login = "someone" })
        },
        Case(name: "refresh without a token", fragment: "refresh_token is required") { auth, _ in
            _ = try await auth.refresh(.init())
        },
        Case(name: "logout without a token", fragment: "refresh_token is required") { auth, _ in
            _ = try await auth.logout(.init())
        },
        Case(name: "update profile with nothing", fragment: "Nothing to change") { auth, options in
            _ = try await auth.updateProfile(.init(), options: options)
        },
        Case(name: "update profile with a bad email", fragment: "is not an email address") { auth, options in
            _ = try await auth.updateProfile(.with { $0.email = "nope" }, options: options)
        },
        Case(name: "change password without the current one", fragment: "current_password is required") { auth, options in
            _ = try await auth.changePassword(.with { $0.newPassword = "an entirely new passphrase" }, options: options)
        },
        Case(name: "change password to a weak one", fragment: "too short") { auth, options in
            _ = try await auth.changePassword(
                .with {
                    $0.currentPassword = AuthHarness.password
                    $0.newPassword = "short"
                }, options: options)
        },
        Case(name: "preferences with an unknown mask path", fragment: "is not a preference") { auth, options in
            _ = try await auth.updatePreferences(.with { $0.updateMask.paths = ["colour"] }, options: options)
        },
        Case(name: "preferences with a bad theme", fragment: "is not one of light, dark, system") { auth, options in
            _ = try await auth.updatePreferences(
                .with {
                    $0.preferences.theme = "neon"
                    $0.updateMask.paths = ["theme"]
                }, options: options)
        },
        Case(name: "preferences with a bad language", fragment: "is not a language tag") { auth, options in
            _ = try await auth.updatePreferences(
                .with {
                    $0.preferences.language = "English"
                    $0.updateMask.paths = ["language"]
                }, options: options)
        },
        Case(name: "API key without a name", fragment: "name is required") { auth, options in
            _ = try await auth.createApiKey(.with { $0.scopes = ["read"] }, options: options)
        },
        Case(name: "API key without scopes", fragment: "scopes is required") { auth, options in
            _ = try await auth.createApiKey(.with { $0.name = "k" }, options: options)
        },
        Case(name: "API key with an unknown scope", fragment: "Unknown scope 'delete'") { auth, options in
            _ = try await auth.createApiKey(
                .with {
                    $0.name = "k"
                    $0.scopes = ["read", "delete"]
                }, options: options)
        },
        Case(name: "API key with a zero limit", fragment: "rate_limit_per_minute must be") { auth, options in
            _ = try await auth.createApiKey(
                .with {
                    $0.name = "k"
                    $0.scopes = ["read"]
                    $0.rateLimitPerMinute = 0
                }, options: options)
        },
        Case(name: "API key with a daily limit under the minute's", fragment: "must be at least rate_limit_per_minute") { auth, options in
            _ = try await auth.createApiKey(
                .with {
                    $0.name = "k"
                    $0.scopes = ["read"]
                    $0.rateLimitPerMinute = 100
                    $0.rateLimitPerDay = 10
                }, options: options)
        },
        Case(name: "API key expiring in the past", fragment: "expires_at must be in the future") { auth, options in
            _ = try await auth.createApiKey(
                .with {
                    $0.name = "k"
                    $0.scopes = ["read"]
                    $0.expiresAt = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-60))
                }, options: options)
        },
        Case(name: "revoke with a bad id", fragment: "is not an id") { auth, options in
            _ = try await auth.revokeApiKey(.with { $0.id = "42" }, options: options)
        },
        Case(name: "delete account without a password", fragment: "password is required") { auth, options in
            _ = try await auth.deleteAccount(.init(), options: options)
        },
        Case(name: "service token for a bad name", fragment: "must be a service name") { auth, _ in
            _ = try await auth.issueServiceToken(
                .with {
                    $0.service = "Bad Name"
                    $0.secret = "x"
                })
        },
        Case(name: "a non-UUID on-behalf-of from a service", fragment: "must be a user id") { auth, _ in
            let token = try await auth.issueServiceToken(
                .with {
                    $0.service = "lyrics"
                    $0.secret = ServiceSecret.derive(service: "lyrics", masterSecret: AuthHarness.masterSecret)
                }
            ).accessToken
            _ = try await auth.getMe(.init(), options: AuthHarness.bearer(token, [("lyrica-on-behalf-of", "bob")]))
        },
    ]

    @Test("Bad input is INVALID_ARGUMENT with a message that says what to fix", arguments: cases)
    func invalidArgument(_ testCase: Case) async throws {
        try await withAuthService { harness in
            let token = try await harness.register().tokens.accessToken
            await expectFailure(.invalidArgument, testCase.fragment) {
                try await testCase.call(harness.auth, AuthHarness.bearer(token))
            }
        }
    }
}
