package import ArgumentParser
import Foundation
package import LyricaPostgres
import LyricaProtos
import LyricaRPC
import PostgresNIO
package import LyricaService

/// The auth service on the service kit: `lyrica-auth`.
package struct AuthDefinition: LyricaServiceDefinition {
    package static let name = "auth"
    package static let defaultRPCPort = 7101
    package static let defaultAdminPort = 9101
    package static let usesEvents = true

    package static func migrations() throws -> [Migration] {
        try Migration.load(bundle: .module, owner: "the auth service")
    }

    package static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        let configuration = try AuthConfiguration(environment: runtime.configuration.environment)
        let postgres = runtime.postgres
        let tokens = TokenIssuer(
            store: SigningKeyStore(postgres: postgres), reloadInterval: configuration.signingKeyReloadInterval, logger: runtime.logger)
        let authenticator = ApiKeyAuthenticator(store: ApiKeyStore(postgres: postgres), logger: runtime.logger)
        let service = AuthService(
            configuration: configuration, users: UserStore(postgres: postgres), apiKeys: ApiKeyStore(postgres: postgres),
            sessions: SessionCache(redis: runtime.redis, lifetime: configuration.refreshTokenLifetime),
            throttle: LoginThrottle(redis: runtime.redis, configuration: configuration),
            hasher: PasswordHasher(parameters: configuration.password), tokens: tokens, apiKeyAuthenticator: authenticator)
        // Keys are checked against the store on every call here: a revoked key stops at once.
        let interceptor = runtime.authInterceptor(policy: .auth, keys: tokens, apiKeys: authenticator, cacheApiKeys: false)
        let relay = OutboxRelay(
            outbox: Outbox(schema: Self.name), source: Self.name, postgres: postgres, redis: runtime.redis, logger: runtime.logger)
        return ServiceParts(rpcServices: [service], interceptors: [interceptor], background: [relay])
    }

    package static var commands: [any ParsableCommand.Type] { [ServiceSecretCommand.self, RotateSigningKeyCommand.self, GrantScopeCommand.self] }
}

extension AuthPolicy {
    /// Who may call each AuthService method.
    package static let auth = AuthPolicy([
        Lyrica_Auth_V1_AuthService.Method.register: .anyone,
        Lyrica_Auth_V1_AuthService.Method.login: .anyone,
        Lyrica_Auth_V1_AuthService.Method.refresh: .anyone,
        Lyrica_Auth_V1_AuthService.Method.logout: .anyone,
        Lyrica_Auth_V1_AuthService.Method.getPublicKeys: .anyone,
        Lyrica_Auth_V1_AuthService.Method.issueServiceToken: .anyone,
        Lyrica_Auth_V1_AuthService.Method.logoutAll: .scope(.read),
        Lyrica_Auth_V1_AuthService.Method.getMe: .scope(.read),
        Lyrica_Auth_V1_AuthService.Method.getPreferences: .scope(.read),
        Lyrica_Auth_V1_AuthService.Method.listApiKeys: .scope(.read),
        Lyrica_Auth_V1_AuthService.Method.updateProfile: .scope(.write),
        Lyrica_Auth_V1_AuthService.Method.changePassword: .scope(.write),
        Lyrica_Auth_V1_AuthService.Method.updatePreferences: .scope(.write),
        Lyrica_Auth_V1_AuthService.Method.createApiKey: .scope(.write),
        Lyrica_Auth_V1_AuthService.Method.revokeApiKey: .scope(.write),
        Lyrica_Auth_V1_AuthService.Method.deleteAccount: .scope(.write),
        Lyrica_Auth_V1_AuthService.Method.authenticate: .services,
    ])
}

/// `lyrica-auth service-secret <name>`: the secret a service puts in its SERVICE_SECRET.
struct ServiceSecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service-secret", abstract: "Print the SERVICE_SECRET of a service, derived from SERVICE_MASTER_SECRET.")

    @Argument(help: "The service, e.g. generation.") var service: String

    func run() throws {
        let configuration = try AuthConfiguration(environment: Environment())
        guard let master = configuration.serviceMasterSecret else {
            throw ValidationError("SERVICE_MASTER_SECRET is not set")
        }
        print(ServiceSecret.derive(service: self.service, masterSecret: master))
    }
}

/// `lyrica-auth rotate-signing-key`: a new current key; the old one verifies until it retires.
struct RotateSigningKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-signing-key",
        abstract: "Start signing access tokens with a new key; the previous one keeps verifying until its tokens expire.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        try await self.options.withPostgres(for: AuthDefinition.self, task: "rotate-signing-key") { client, logger in
            let configuration = try AuthConfiguration(environment: Environment())
            let keyID = try await SigningKeyStore(postgres: client).rotate(retireAfter: configuration.keyRetirementDelay, logger: logger)
            print("Signing with \(keyID); replicas pick it up within a minute")
        }
    }
}

/// `lyrica-auth grant-scope <login> <scope>…`: an operator gives an account more scopes (for
/// example admin, to curate the retrieval corpus); tokens issued from the next sign-in carry them.
struct GrantScopeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant-scope", abstract: "Add scopes (read, write, generate, admin) to an account, by username or email.")

    @OptionGroup var options: ServiceOptions
    @Argument(help: "The account's username or email.") var login: String
    @Argument(help: "Scopes to add.") var scopes: [String]

    func validate() throws {
        for scope in self.scopes where Scope(rawValue: scope) == nil {
            throw ValidationError("'\(scope)' is not a scope; use read, write, generate or admin")
        }
        if self.scopes.isEmpty { throw ValidationError("Name at least one scope to grant") }
    }

    func run() async throws {
        try await self.options.withPostgres(for: AuthDefinition.self, task: "grant-scope") { client, logger in
            let rows = try await client.query(
                """
                UPDATE auth.users SET scopes = ARRAY(SELECT DISTINCT s FROM unnest(scopes || \(self.scopes)::text[]) AS s ORDER BY s),
                    updated_at = now()
                WHERE lower(username) = lower(\(self.login)) OR email = lower(\(self.login))
                RETURNING username, array_to_string(scopes, ', ')
                """, logger: logger)
            var granted: (String, String)?
            for try await row in rows.decode((String, String).self) { granted = row }
            guard let (username, scopes) = granted else { throw ValidationError("No account with username or email '\(self.login)'") }
            print("\(username) now holds \(scopes); sign in again for a token that carries them")
        }
    }
}
