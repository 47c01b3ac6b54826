import AuthService
import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf
import Testing

@Suite("Auth: brute-force protection", .timeLimit(.minutes(1)))
struct ThrottleTests {
    @Test("After too many failures an account waits, even with the right password, and is told how long")
    func accountThrottled() async throws {
        try await withAuthService(environment: ["LOGIN_MAX_FAILURES_PER_ACCOUNT": "3"]) { harness in
            let user = try await harness.register().user
            for _ in 0..<3 {
                await expectFailure(.unauthenticated) { _ = try await harness.login(user.username, password: "wrong wrong wrong") }
            }
            let error = await expectFailure(.resourceExhausted, "Too many failed logins for this account") {
                _ = try await harness.login(user.username, password: AuthHarness.password)
            }
            let retryAfter = try #require(error?.trailingMetadata["retry-after"].flatMap { Int($0) })
            #expect(retryAfter > 800 && retryAfter <= 900)
        }
    }

    @Test("Unknown accounts are throttled like real ones, so throttling reveals nothing")
    func unknownAccountsThrottledAlike() async throws {
        try await withAuthService(environment: ["LOGIN_MAX_FAILURES_PER_ACCOUNT": "2"]) { harness in
            for _ in 0..<2 {
                await expectFailure(.unauthenticated) { _ = try await harness.login("ghost_account", password: "wrong wrong wrong") }
            }
            await expectFailure(.resourceExhausted, "for this account") {
                _ = try await harness.login("ghost_account", password: "wrong wrong wrong")
            }
        }
    }

    @Test("A correct password clears the account's failures")
    func successResetsTheAccount() async throws {
        try await withAuthService(environment: ["LOGIN_MAX_FAILURES_PER_ACCOUNT": "3"]) { harness in
            let user = try await harness.register().user
            for _ in 0..<2 { await expectFailure(.unauthenticated) { _ = try await harness.login(user.email, password: "wrong wrong wrong") } }
            _ = try await harness.login(user.email, password: AuthHarness.password)
            for _ in 0..<2 { await expectFailure(.unauthenticated) { _ = try await harness.login(user.email, password: "wrong wrong wrong") } }
            _ = try await harness.login(user.email, password: AuthHarness.password)
        }
    }

    @Test("Failures spread over many accounts from one address throttle the address")
    func addressThrottled() async throws {
        try await withAuthService(environment: ["LOGIN_MAX_FAILURES_PER_ADDRESS": "4"]) { harness in
            for index in 0..<4 {
                await expectFailure(.unauthenticated) { _ = try await harness.login("sprayed_\(index)", password: "wrong wrong wrong") }
            }
            await expectFailure(.resourceExhausted, "from this address") {
                _ = try await harness.login("sprayed_9", password: "wrong wrong wrong")
            }
        }
    }

    @Test("Registrations from one address are limited per hour")
    func registrationsThrottled() async throws {
        try await withAuthService(environment: ["REGISTRATIONS_PER_ADDRESS_PER_HOUR": "2"]) { harness in
            _ = try await harness.register()
            _ = try await harness.register()
            await expectFailure(.resourceExhausted, "registered from this address") { _ = try await harness.register() }
        }
    }
}
