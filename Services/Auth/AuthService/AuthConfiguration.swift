package import LyricaRPC
package import LyricaService

/// The auth service's own settings, beside the kit's `ServiceConfiguration`.
package struct AuthConfiguration: Sendable {
    /// Lifetime of access tokens (`ACCESS_TOKEN_TTL`). Default 15 minutes.
    package var accessTokenLifetime: Duration = .seconds(15 * 60)
    /// Lifetime of each refresh token; a session lasts while it keeps being refreshed
    /// (`REFRESH_TOKEN_TTL`). Default 7 days.
    package var refreshTokenLifetime: Duration = .seconds(7 * 24 * 3600)
    /// Lifetime of service tokens (`SERVICE_TOKEN_TTL`). Default 15 minutes.
    package var serviceTokenLifetime: Duration = .seconds(15 * 60)
    /// Derives every service's secret (`SERVICE_MASTER_SECRET`). Default none: IssueServiceToken
    /// then answers FAILED_PRECONDITION.
    package var serviceMasterSecret: String?
    /// argon2id cost. Defaults: OWASP's first recommendation, 19 MiB, 2 passes, 1 lane.
    package var password = PasswordHasher.Parameters()
    /// Failed logins allowed per account, and per client address, in `loginWindow`, before
    /// further attempts wait (`LOGIN_MAX_FAILURES_PER_ACCOUNT`, `LOGIN_MAX_FAILURES_PER_ADDRESS`,
    /// `LOGIN_THROTTLE_WINDOW`). Defaults 5, 50, 15 minutes.
    package var maxFailuresPerAccount = 5
    package var maxFailuresPerAddress = 50
    package var loginWindow: Duration = .seconds(15 * 60)
    /// Accounts one address may register per hour (`REGISTRATIONS_PER_ADDRESS_PER_HOUR`). Default 20.
    package var registrationsPerAddressPerHour = 20
    /// How often each replica rereads the signing keys, to pick up rotations
    /// (`SIGNING_KEY_RELOAD_INTERVAL`). Default 60 s.
    package var signingKeyReloadInterval: Duration = .seconds(60)
    /// How long a rotated-out signing key keeps verifying: the access-token lifetime plus a margin.
    package var keyRetirementDelay: Duration { self.accessTokenLifetime + .seconds(5 * 60) }

    package init() {}

    package static var defaults: AuthConfiguration { AuthConfiguration() }

    /// Reads the keys listed on each property from the service's environment.
    package init(environment: Environment) throws(ConfigurationError) {
        if let ttl = try environment.duration("ACCESS_TOKEN_TTL") { self.accessTokenLifetime = ttl }
        if let ttl = try environment.duration("REFRESH_TOKEN_TTL") { self.refreshTokenLifetime = ttl }
        if let ttl = try environment.duration("SERVICE_TOKEN_TTL") { self.serviceTokenLifetime = ttl }
        if let secret = environment.string("SERVICE_MASTER_SECRET"), !secret.isEmpty {
            guard secret.utf8.count >= 32 else {
                throw ConfigurationError("SERVICE_MASTER_SECRET must be at least 32 characters (try: openssl rand -base64 48)")
            }
            self.serviceMasterSecret = secret
        }
        if let interval = try environment.duration("SIGNING_KEY_RELOAD_INTERVAL") { self.signingKeyReloadInterval = interval }
        if let memory = try environment.int("ARGON2_MEMORY_KIB", in: 8192...4_194_304) { self.password.memoryKiB = memory }
        if let passes = try environment.int("ARGON2_ITERATIONS", in: 1...64) { self.password.iterations = passes }
        if let lanes = try environment.int("ARGON2_PARALLELISM", in: 1...16) { self.password.parallelism = lanes }
        if let count = try environment.int("LOGIN_MAX_FAILURES_PER_ACCOUNT", in: 1...1000) { self.maxFailuresPerAccount = count }
        if let count = try environment.int("LOGIN_MAX_FAILURES_PER_ADDRESS", in: 1...100_000) { self.maxFailuresPerAddress = count }
        if let window = try environment.duration("LOGIN_THROTTLE_WINDOW") { self.loginWindow = window }
        if let count = try environment.int("REGISTRATIONS_PER_ADDRESS_PER_HOUR", in: 1...100_000) {
            self.registrationsPerAddressPerHour = count
        }
    }
}
