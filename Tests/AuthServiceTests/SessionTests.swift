import AuthService
import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf
import Testing

@Suite("Auth: accounts and sessions", .timeLimit(.minutes(1)))
struct SessionTests {
    @Test("Register returns the account and tokens that work at once")
    func registerSignsIn() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            #expect(registered.user.scopes == ["read", "write", "generate"])
            #expect(registered.tokens.tokenType == "Bearer")
            #expect(registered.tokens.refreshToken.hasPrefix("lyr_rt_"))
            let me = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(registered.tokens.accessToken))
            #expect(me.user == registered.user)
        }
    }

    @Test("Login works with the email or the username, in any case")
    func loginByEmailOrUsername() async throws {
        try await withAuthService { harness in
            let user = try await harness.register().user
            for login in [user.email.uppercased(), user.username, user.username.uppercased()] {
                let response = try await harness.login(login)
                #expect(response.user.id == user.id)
                #expect(response.user.hasLastLoginAt)
            }
        }
    }

    @Test("A wrong password and an unknown account fail exactly alike")
    func noAccountEnumeration() async throws {
        try await withAuthService { harness in
            let user = try await harness.register().user
            let wrongPassword = await expectFailure(.unauthenticated) {
                _ = try await harness.login(user.username, password: "not the password at all")
            }
            let unknownAccount = await expectFailure(.unauthenticated) {
                _ = try await harness.login("nobody_here", password: "not the password at all")
            }
            #expect(wrongPassword?.message == unknownAccount?.message)
            #expect(wrongPassword?.trailingMetadata == unknownAccount?.trailingMetadata)
        }
    }

    @Test("Refresh rotates: the new pair works and the old refresh token is spent")
    func refreshRotates() async throws {
        try await withAuthService { harness in
            let first = try await harness.register().tokens
            let second = try await harness.auth.refresh(.with { $0.refreshToken = first.refreshToken }).tokens
            #expect(second.refreshToken != first.refreshToken)
            _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(second.accessToken))
            let third = try await harness.auth.refresh(.with { $0.refreshToken = second.refreshToken }).tokens
            #expect(third.refreshToken != second.refreshToken)
        }
    }

    @Test("Presenting a used refresh token revokes its whole session, the newest token too")
    func refreshReuseRevokesTheFamily() async throws {
        try await withAuthService { harness in
            let first = try await harness.register().tokens
            let second = try await harness.auth.refresh(.with { $0.refreshToken = first.refreshToken }).tokens
            await expectFailure(.unauthenticated, "already used") {
                _ = try await harness.auth.refresh(.with { $0.refreshToken = first.refreshToken })
            }
            await expectFailure(.unauthenticated, "invalid or expired") {
                _ = try await harness.auth.refresh(.with { $0.refreshToken = second.refreshToken })
            }
        }
    }

    @Test("Reuse revokes only that session; the account's other sessions go on")
    func reuseLeavesOtherSessions() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            let other = try await harness.login(registered.user.username).tokens
            _ = try await harness.auth.refresh(.with { $0.refreshToken = registered.tokens.refreshToken })
            _ = try? await harness.auth.refresh(.with { $0.refreshToken = registered.tokens.refreshToken })
            _ = try await harness.auth.refresh(.with { $0.refreshToken = other.refreshToken })
        }
    }

    @Test("An unknown refresh token is refused")
    func unknownRefreshToken() async throws {
        try await withAuthService { harness in
            await expectFailure(.unauthenticated, "sign in again") {
                _ = try await harness.auth.refresh(.with { $0.refreshToken = "lyr_rt_made-up" })
            }
        }
    }

    @Test("Logout ends the session: its refresh token stops working")
    func logoutEndsTheSession() async throws {
        try await withAuthService { harness in
            let tokens = try await harness.register().tokens
            _ = try await harness.auth.logout(.with { $0.refreshToken = tokens.refreshToken })
            await expectFailure(.unauthenticated) {
                _ = try await harness.auth.refresh(.with { $0.refreshToken = tokens.refreshToken })
            }
            // Logging out twice is fine: the method is idempotent.
            _ = try await harness.auth.logout(.with { $0.refreshToken = tokens.refreshToken })
        }
    }

    @Test("LogoutAll ends every session of the caller")
    func logoutAllEndsEverySession() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            let second = try await harness.login(registered.user.email).tokens
            let response = try await harness.auth.logoutAll(.init(), options: AuthHarness.bearer(second.accessToken))
            #expect(response.sessionsRevoked == 2)
            for token in [registered.tokens.refreshToken, second.refreshToken] {
                await expectFailure(.unauthenticated) { _ = try await harness.auth.refresh(.with { $0.refreshToken = token }) }
            }
        }
    }

    @Test("ChangePassword keeps the calling session, ends the others, and retires the old password")
    func changePassword() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            let other = try await harness.login(registered.user.email).tokens
            let response = try await harness.auth.changePassword(
                .with {
                    $0.currentPassword = AuthHarness.password
                    $0.newPassword = "an entirely new passphrase"
                }, options: AuthHarness.bearer(registered.tokens.accessToken))
            #expect(response.sessionsRevoked == 1)
            _ = try await harness.auth.refresh(.with { $0.refreshToken = registered.tokens.refreshToken })
            await expectFailure(.unauthenticated) { _ = try await harness.auth.refresh(.with { $0.refreshToken = other.refreshToken }) }
            await expectFailure(.unauthenticated) {
                _ = try await harness.login(registered.user.email)
            }
            _ = try await harness.login(registered.user.email, password: "an entirely new passphrase")
        }
    }

    @Test("ChangePassword with a wrong current password changes nothing")
    func changePasswordNeedsTheCurrentOne() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            await expectFailure(.unauthenticated, "password is incorrect") {
                _ = try await harness.auth.changePassword(
                    .with {
                        $0.currentPassword = "wrong wrong wrong"
                        $0.newPassword = "an entirely new passphrase"
                    }, options: AuthHarness.bearer(registered.tokens.accessToken))
            }
            _ = try await harness.auth.refresh(.with { $0.refreshToken = registered.tokens.refreshToken })
        }
    }

    @Test("UpdateProfile changes only the fields sent; a taken username is ALREADY_EXISTS")
    func updateProfile() async throws {
        try await withAuthService { harness in
            let first = try await harness.register()
            let second = try await harness.register()
            let updated = try await harness.auth.updateProfile(
                .with { $0.fullName = "Grace Hopper" }, options: AuthHarness.bearer(first.tokens.accessToken)
            ).user
            #expect(updated.fullName == "Grace Hopper")
            #expect(updated.username == first.user.username)
            await expectFailure(.alreadyExists, "username is taken") {
                _ = try await harness.auth.updateProfile(
                    .with { $0.username = second.user.username.uppercased() }, options: AuthHarness.bearer(first.tokens.accessToken))
            }
            await expectFailure(.alreadyExists, "email already exists") {
                _ = try await harness.auth.updateProfile(
                    .with { $0.email = second.user.email }, options: AuthHarness.bearer(first.tokens.accessToken))
            }
        }
    }

    @Test("Registering a taken email or username is ALREADY_EXISTS")
    func registerTaken() async throws {
        try await withAuthService { harness in
            let user = try await harness.register().user
            await expectFailure(.alreadyExists, "email") {
                _ = try await harness.auth.register(
                    .with {
                        $0.email = user.email.uppercased()
                        $0.username = "someone_else"
                        $0.password = AuthHarness.password
                    })
            }
            await expectFailure(.alreadyExists, "username") {
                _ = try await harness.auth.register(
                    .with {
                        $0.email = "someone.else@example.com"
                        $0.username = user.username
                        $0.password = AuthHarness.password
                    })
            }
        }
    }

    @Test("Preferences start at their defaults and change by field mask")
    func preferences() async throws {
        try await withAuthService { harness in
            let token = try await harness.register().tokens.accessToken
            let defaults = try await harness.auth.getPreferences(.init(), options: AuthHarness.bearer(token)).preferences
            #expect(defaults.language == "en")
            #expect(defaults.theme == "light")
            #expect(defaults.notificationsEnabled)
            let updated = try await harness.auth.updatePreferences(
                .with {
                    $0.preferences.theme = "dark"
                    $0.preferences.preferredGenres = ["Folk", "indie rock", "folk"]
                    $0.preferences.language = "fr"
                    $0.updateMask.paths = ["theme", "preferred_genres"]
                }, options: AuthHarness.bearer(token)
            ).preferences
            #expect(updated.theme == "dark")
            #expect(updated.preferredGenres == ["folk", "indie rock"])
            #expect(updated.language == "en")
            let read = try await harness.auth.getPreferences(.init(), options: AuthHarness.bearer(token)).preferences
            #expect(read == updated)
        }
    }
}
