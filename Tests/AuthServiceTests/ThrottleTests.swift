import AuthService
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf
import Testing

@Suite("Auth: brute-force protection", .timeLimit(.minutes(1)))
struct ThrottleTests {
    private func login(_ harness: AuthHarness, _ login: String, _ password: String) async throws {
        _ = try await harness.auth.login(
            .with {
                $0.login = login
                $0.password = password
            })
    }

    @Test("After too many failures an account waits, even with the right password, and is told how long")
    func accountThrottled() async throws {
        try await withAuthService(environment: ["LOGIN_MAX_FAILURES_PER_ACCOUNT": "3"]) { harness in
            let user = try await harness.register().user
            for _ in 0..<3 {
                await expectFailure(.unauthenticated) { try await self.login(harness, user.username, "wrong wrong wrong") }
            }
            let error = await expectFailure(.resourceExhausted, "Too many failed logins for this account") {
                try await self.login(harness, user.username, AuthHarness.password)
            }
            let retryAfter = try #require(error?.trailingMetadata["retry-after"].flatMap { Int($0) })
            #expect(retryAfter > 800 && retryAfter <= 900)
        }
    }

    @Test("Unknown accounts are throttled like real ones, so throttling reveals nothing")
    func unknownAccountsThrottledAlike() async throws {
        try await withAuthService(environment: ["LOGIN_MAX_FAILURES_PER_ACCOUNT": "2"]) { harness in
            for _ in 0..<2 {
                await expectFailure(.unauthenticated) { try await self.login(harness, "ghost_account", "wrong wrong wrong") }
            }
            await expectFailure(.resourceExhausted, "for this account") {
                try await self.login(harness, "ghost_account", "wrong wrong wrong")
            }
        }
    }

    @Test("A correct password clears the account's failures")
    func successResetsTheAccount() async throws {
        try await withAuthService(environment: ["LOGIN_MAX_FAILURES_PER_ACCOUNT": "3"]) { harness in
            let user = try await harness.register().user
            for _ in 0..<2 { await expectFailure(.unauthenticated) { try await self.login(harness, user.email, "wrong wrong wrong") } }
            try await self.login(harness, user.email, AuthHarness.password)
            for _ in 0..<2 { await expectFailure(.unauthenticated) { try await self.login(harness, user.email, "wrong wrong wrong") } }
            try await self.login(harness, user.email, AuthHarness.password)
        }
    }

    @Test("Failures spread over many accounts from one address throttle the address")
    func addressThrottled() async throws {
        try await withAuthService(environment: ["LOGIN_MAX_FAILURES_PER_ADDRESS": "4"]) { harness in
            for index in 0..<4 {
                await expectFailure(.unauthenticated) { try await self.login(harness, "sprayed_\(index)", "wrong wrong wrong") }
            }
            await expectFailure(.resourceExhausted, "from this address") {
                try await self.login(harness, "sprayed_9", "wrong wrong wrong")
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
