import AuthService
import AuthTestSupport
import EchoService
import Foundation
import NIOCore
import LyricaProtos
import LyricaRPC
import LyricaService
import SwiftProtobuf
import Testing
import TestSupport

/// Echo behind the kit's auth interceptor, as any Lyrica service other than auth is.
struct GuardedEchoDefinition: LyricaServiceDefinition {
    static let name = "echo"
    static let defaultRPCPort = 0
    static let defaultAdminPort = 0

    static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        let policy = AuthPolicy([
            Lyrica_Echo_V1_EchoService.Method.get: .scope(.read),
            Lyrica_Echo_V1_EchoService.Method.expand: .scope(.admin),
        ])
        return ServiceParts(rpcServices: [EchoService()], interceptors: [try runtime.authInterceptor(policy: policy)])
    }
}

@Suite("Auth interceptor in another service", .timeLimit(.minutes(1)))
struct GuardedServiceTests {
    /// The auth service, and echo calling it for keys (with the service secret unless told not to).
    private func withGuardedEcho(
        serviceSecret: Bool = true, _ body: (AuthHarness, Lyrica_Echo_V1_EchoService.Client) async throws -> Void
    ) async throws {
        try await withAuthService { harness in
            var environment = try await harness.environment(forService: "echo")
            if !serviceSecret { environment["SERVICE_SECRET"] = nil }
            try await withServiceHost(GuardedEchoDefinition.self, environment: environment) { echo, _ in
                let port = try await echo.server.listeningAddress.port!
                let client = RPCClient(endpoints: [Endpoint(host: "127.0.0.1", port: port)], logger: testLogger("client"))
                do {
                    try await body(harness, Lyrica_Echo_V1_EchoService.Client(wrapping: client))
                    await client.close()
                } catch {
                    await client.close()
                    throw error
                }
            }
        }
    }

    @Test("A user's access token is verified locally with the auth service's public keys")
    func tokensVerifiedLocally() async throws {
        try await withGuardedEcho { harness, echo in
            let token = try await harness.register().tokens.accessToken
            let reply = try await echo.get(.with { $0.text = "hi" }, options: AuthHarness.bearer(token))
            #expect(reply.text == "hi")
            await expectFailure(.unauthenticated, "needs credentials") { _ = try await echo.get(.with { $0.text = "hi" }) }
            await expectFailure(.unauthenticated, "signature") {
                _ = try await echo.get(.with { $0.text = "hi" }, options: AuthHarness.bearer(token.dropLast(4) + "AAAA"))
            }
        }
    }

    @Test("Per-method scopes apply, and a method without a rule is closed")
    func scopesAndUncoveredMethods() async throws {
        try await withGuardedEcho { harness, echo in
            let token = try await harness.register().tokens.accessToken
            await expectFailure(.permissionDenied, "needs the 'admin' scope") {
                try await echo.expand(.with { $0.text = "a b" }, options: AuthHarness.bearer(token)) { responses in
                    for try await _ in responses {}
                }
            }
            await expectFailure(.permissionDenied, "has no access rule") {
                _ = try await echo.collect(options: AuthHarness.bearer(token)) { _ in }
            }
        }
    }

    @Test("API keys are resolved through Authenticate, the service calling as itself")
    func apiKeysResolvedRemotely() async throws {
        try await withGuardedEcho { harness, echo in
            let token = try await harness.register().tokens.accessToken
            let secret = try await harness.createApiKey(token: token).secret
            #expect(try await echo.get(.with { $0.text = "key" }, options: AuthHarness.apiKey(secret)).text == "key")
            await expectFailure(.unauthenticated) { _ = try await echo.get(.init(), options: AuthHarness.apiKey("lyk_wrong")) }
        }
    }

    @Test("Without SERVICE_SECRET a service cannot check API keys, and says so")
    func apiKeysNeedAServiceIdentity() async throws {
        try await withGuardedEcho(serviceSecret: false) { harness, echo in
            let token = try await harness.register().tokens.accessToken
            let secret = try await harness.createApiKey(token: token).secret
            await expectFailure(.unavailable, "SERVICE_SECRET") { _ = try await echo.get(.init(), options: AuthHarness.apiKey(secret)) }
        }
    }

    @Test("A service's outgoing call carries its own token and the user it acts for")
    func outgoingCallsCarryTheServiceAndTheUser() async throws {
        try await withAuthService { harness in
            let user = try await harness.register().user
            let credentials = ServiceCredentials(
                service: "generation", secret: ServiceSecret.derive(service: "generation", masterSecret: AuthHarness.masterSecret),
                logger: testLogger())
            let port = try await harness.host.server.listeningAddress.port!
            var configuration = RPCClient.Configuration.defaults
            configuration.credentials = credentials
            let client = RPCClient(endpoints: [Endpoint(host: "127.0.0.1", port: port)], configuration: configuration, logger: testLogger())
            credentials.use(authClient: client)
            // As if serving a call from `user`: the principal the interceptor would have set.
            var context = RPCContext(
                method: Lyrica_Echo_V1_EchoService.Method.get, metadata: [:], deadline: nil, peer: "test", logger: testLogger())
            context.principal = Principal(kind: .user, userID: UUID(uuidString: user.id), scopes: [.read])
            let me = try await RPCContext.$current.withValue(context) {
                try await Lyrica_Auth_V1_AuthService.Client(wrapping: client).getMe(.init())
            }
            #expect(me.user.id == user.id)
            await client.close()
        }
    }
}
