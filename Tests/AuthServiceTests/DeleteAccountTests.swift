import AuthService
import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import PostgresNIO
import LyricaRedis
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Auth: deleting an account", .timeLimit(.minutes(1)))
struct DeleteAccountTests {
    @Test("DeleteAccount removes the account, ends its sessions and publishes user.deleted")
    func deleteAccountEmitsTheEvent() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            let token = registered.tokens.accessToken
            _ = try await harness.createApiKey(token: token)
            _ = try await harness.auth.deleteAccount(.with { $0.password = AuthHarness.password }, options: AuthHarness.bearer(token))

            await expectFailure(.unauthenticated) {
                _ = try await harness.auth.refresh(.with { $0.refreshToken = registered.tokens.refreshToken })
            }
            await expectFailure(.unauthenticated) {
                _ = try await harness.login(registered.user.email)
            }
            let keys = try await harness.postgres.query("SELECT count(*) FROM auth.api_keys", logger: testLogger())
            for try await count in keys.decode(Int.self) { #expect(count == 0) }

            // The relay moves the outbox row to the Redis stream other services consume.
            let redis = harness.host.runtime.redis
            var events: [StreamEntry] = []
            for _ in 0..<100 where events.isEmpty {
                events = try await redis.streamRange(Event.stream(for: "user.deleted"))
                if events.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            let event = try #require(events.first)
            #expect(event.fields["source"] == "auth")
            #expect(event.fields["payload"] == #"{"user_id":"\#(registered.user.id)"}"#)
        }
    }

    @Test("DeleteAccount with a wrong password deletes nothing")
    func deleteAccountNeedsThePassword() async throws {
        try await withAuthService { harness in
            let registered = try await harness.register()
            await expectFailure(.unauthenticated, "password is incorrect") {
                _ = try await harness.auth.deleteAccount(
                    .with { $0.password = "wrong wrong wrong" }, options: AuthHarness.bearer(registered.tokens.accessToken))
            }
            _ = try await harness.auth.getMe(.init(), options: AuthHarness.bearer(registered.tokens.accessToken))
        }
    }
}
