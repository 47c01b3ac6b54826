import Foundation
import JWTKit
import Logging
package import LyricaProtos
package import LyricaRPC
import LyricaService
import NIOConcurrencyHelpers
import SwiftProtobuf

/// Serves lyrica.auth.v1.AuthService: validates requests, then lets the stores, caches, hasher
/// and token issuer do the work. Owns no SQL and no Redis keys.
package struct AuthService: Lyrica_Auth_V1_AuthService.ServiceProtocol {
    package let configuration: AuthConfiguration
    package let users: UserStore
    package let apiKeys: ApiKeyStore
    package let sessions: SessionCache
    package let throttle: LoginThrottle
    package let hasher: PasswordHasher
    package let tokens: TokenIssuer
    package let apiKeyAuthenticator: ApiKeyAuthenticator
    package let policy = PasswordPolicy()
    /// Checked against when the account does not exist, so that answer takes as long as a wrong password.
    private let decoyHash: DecoyHash

    package init(
        configuration: AuthConfiguration, users: UserStore, apiKeys: ApiKeyStore, sessions: SessionCache,
        throttle: LoginThrottle, hasher: PasswordHasher, tokens: TokenIssuer, apiKeyAuthenticator: ApiKeyAuthenticator
    ) {
        self.configuration = configuration
        self.users = users
        self.apiKeys = apiKeys
        self.sessions = sessions
        self.throttle = throttle
        self.hasher = hasher
        self.tokens = tokens
        self.apiKeyAuthenticator = apiKeyAuthenticator
        self.decoyHash = DecoyHash(hasher: hasher)
    }

    // MARK: Accounts and sessions

    package func register(_ request: Lyrica_Auth_V1_RegisterRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_RegisterResponse
    {
        let email = try AccountValidation.email(request.email)
        let username = try AccountValidation.username(request.username)
        let fullName = try AccountValidation.fullName(request.fullName)
        if let violation = self.policy.violation(of: request.password, email: email, username: username) {
            throw AuthError.passwordPolicy(violation)
        }
        try await self.throttle.admitRegistration(address: LoginThrottle.address(ofPeer: context.peer))
        let hash = try await self.hasher.hash(request.password)
        let user = try await self.users.create(email: email, username: username, passwordHash: hash, fullName: fullName, logger: context.logger)
        context.logger.info("Registered an account", metadata: ["user.id": "\(user.id)"])
        let tokens = try await self.startSession(for: user)
        return .with {
            $0.user = .init(user)
            $0.tokens = tokens
        }
    }

    package func login(_ request: Lyrica_Auth_V1_LoginRequest, context: RPCContext) async throws -> Lyrica_Auth_V1_LoginResponse {
        let login = request.login.trimmingCharacters(in: .whitespaces)
        guard !login.isEmpty else { throw RPCError(.invalidArgument, "login is required: an email address or username") }
        guard login.utf8.count <= 255 else { throw RPCError(.invalidArgument, "login is longer than 255 characters") }
        guard !request.password.isEmpty else { throw RPCError(.invalidArgument, "password is required") }
        guard request.password.count <= self.policy.maximumLength else { throw AuthError.invalidLogin }
        let address = LoginThrottle.address(ofPeer: context.peer)
        try await self.throttle.checkLogin(login: login, address: address)
        let user = try await self.users.user(login: login, logger: context.logger)
        let storedHash = if let user { user.passwordHash } else { try await self.decoyHash.value() }
        let matches = try await self.hasher.verify(request.password, against: storedHash)
        guard let user, matches else {
            try await self.throttle.recordFailure(login: login, address: address)
            throw AuthError.invalidLogin
        }
        guard user.isActive else { throw AuthError.accountDisabled }
        try await self.throttle.recordSuccess(login: login)
        let rehashed = self.hasher.needsRehash(user.passwordHash) ? try await self.hasher.hash(request.password) : nil
        guard let signedIn = try await self.users.recordLogin(id: user.id, rehashed: rehashed, logger: context.logger) else {
            throw AuthError.invalidLogin
        }
        let tokens = try await self.startSession(for: signedIn)
        return .with {
            $0.user = .init(signedIn)
            $0.tokens = tokens
        }
    }

    package func refresh(_ request: Lyrica_Auth_V1_RefreshRequest, context: RPCContext) async throws -> Lyrica_Auth_V1_RefreshResponse {
        guard !request.refreshToken.isEmpty else { throw RPCError(.invalidArgument, "refresh_token is required") }
        switch try await self.sessions.rotate(request.refreshToken) {
        case .unknown:
            throw AuthError.refreshTokenInvalid
        case .reused(let user):
            context.logger.warning("A used refresh token was presented again; its session is revoked", metadata: ["user.id": "\(user)"])
            throw AuthError.refreshTokenReused
        case .rotated(let userID, let next):
            guard let user = try await self.users.user(id: userID, logger: context.logger), user.isActive else {
                _ = try await self.sessions.end(token: next.token)
                throw AuthError.refreshTokenInvalid
            }
            let tokens = try await self.tokenPair(for: user, session: next)
            return .with { $0.tokens = tokens }
        }
    }

    package func logout(_ request: Lyrica_Auth_V1_LogoutRequest, context: RPCContext) async throws -> Lyrica_Auth_V1_LogoutResponse {
        guard !request.refreshToken.isEmpty else { throw RPCError(.invalidArgument, "refresh_token is required") }
        _ = try await self.sessions.end(token: request.refreshToken)
        return .init()
    }

    package func logoutAll(_ request: Lyrica_Auth_V1_LogoutAllRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_LogoutAllResponse
    {
        let user = try context.requireUser()
        let ended = try await self.sessions.endAll(user: user)
        return .with { $0.sessionsRevoked = Int32(ended) }
    }

    package func getMe(_ request: Lyrica_Auth_V1_GetMeRequest, context: RPCContext) async throws -> Lyrica_Auth_V1_GetMeResponse {
        let user = try await self.currentUser(context)
        return .with { $0.user = .init(user) }
    }

    package func updateProfile(_ request: Lyrica_Auth_V1_UpdateProfileRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_UpdateProfileResponse
    {
        let id = try context.requireUser()
        guard request.hasEmail || request.hasUsername || request.hasFullName else {
            throw RPCError(.invalidArgument, "Nothing to change: set at least one of email, username, full_name")
        }
        let email = request.hasEmail ? try AccountValidation.email(request.email) : nil
        let username = request.hasUsername ? try AccountValidation.username(request.username) : nil
        let fullName: String?? = request.hasFullName ? .some(try AccountValidation.fullName(request.fullName)) : nil
        guard let user = try await self.users.updateProfile(id: id, email: email, username: username, fullName: fullName, logger: context.logger)
        else { throw AuthError.accountNotFound }
        return .with { $0.user = .init(user) }
    }

    package func changePassword(_ request: Lyrica_Auth_V1_ChangePasswordRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_ChangePasswordResponse
    {
        let principal = try Self.signedInUser(context, doing: "change the password")
        guard !request.currentPassword.isEmpty else { throw RPCError(.invalidArgument, "current_password is required") }
        guard !request.newPassword.isEmpty else { throw RPCError(.invalidArgument, "new_password is required") }
        let user = try await self.currentUser(context)
        if let violation = self.policy.violation(of: request.newPassword, email: user.email, username: user.username) {
            throw AuthError.passwordPolicy(violation)
        }
        guard request.newPassword != request.currentPassword else {
            throw RPCError(.invalidArgument, "The new password must differ from the current one")
        }
        try await self.confirmPassword(request.currentPassword, of: user, context: context)
        try await self.users.updatePasswordHash(id: user.id, hash: try await self.hasher.hash(request.newPassword), logger: context.logger)
        let ended = try await self.sessions.endAll(user: user.id, keeping: principal.sessionID)
        context.logger.info("Changed a password", metadata: ["user.id": "\(user.id)", "auth.sessions_revoked": "\(ended)"])
        return .with { $0.sessionsRevoked = Int32(ended) }
    }

    package func deleteAccount(_ request: Lyrica_Auth_V1_DeleteAccountRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_DeleteAccountResponse
    {
        _ = try Self.signedInUser(context, doing: "delete the account")
        guard !request.password.isEmpty else { throw RPCError(.invalidArgument, "password is required to delete the account") }
        let user = try await self.currentUser(context)
        try await self.confirmPassword(request.password, of: user, context: context)
        guard try await self.users.delete(id: user.id, logger: context.logger) else { throw AuthError.accountNotFound }
        try await self.sessions.endAll(user: user.id)
        context.logger.info("Deleted an account", metadata: ["user.id": "\(user.id)"])
        return .init()
    }

    // MARK: Preferences

    package func getPreferences(_ request: Lyrica_Auth_V1_GetPreferencesRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_GetPreferencesResponse
    {
        let id = try context.requireUser()
        guard let preferences = try await self.users.preferences(userID: id, logger: context.logger) else {
            throw AuthError.accountNotFound
        }
        return try .with { $0.preferences = try .init(preferences) }
    }

    package func updatePreferences(_ request: Lyrica_Auth_V1_UpdatePreferencesRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_UpdatePreferencesResponse
    {
        let id = try context.requireUser()
        let paths = try PreferencesUpdate.paths(of: request.updateMask)
        guard var preferences = try await self.users.preferences(userID: id, logger: context.logger) else {
            throw AuthError.accountNotFound
        }
        try PreferencesUpdate.apply(request.preferences, paths: paths, to: &preferences)
        guard let saved = try await self.users.savePreferences(preferences, userID: id, logger: context.logger) else {
            throw AuthError.accountNotFound
        }
        return try .with { $0.preferences = try .init(saved) }
    }

    // MARK: API keys

    package func createApiKey(_ request: Lyrica_Auth_V1_CreateApiKeyRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_CreateApiKeyResponse
    {
        _ = try Self.signedInUser(context, doing: "create API keys")
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw RPCError(.invalidArgument, "name is required, e.g. \"laptop script\"") }
        guard name.count <= 255 else { throw RPCError(.invalidArgument, "name is longer than 255 characters") }
        guard !request.scopes.isEmpty else {
            throw RPCError(.invalidArgument, "scopes is required: one or more of " + Scope.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let scopes: Set<Scope>
        switch Scope.parse(request.scopes) {
        case .success(let parsed): scopes = parsed
        case .failure(let unknown): throw RPCError(.invalidArgument, unknown.message)
        }
        let perMinute = request.hasRateLimitPerMinute ? Int(request.rateLimitPerMinute) : 60
        let perDay = request.hasRateLimitPerDay ? Int(request.rateLimitPerDay) : max(1000, perMinute)
        guard (1...100_000).contains(perMinute) else { throw RPCError(.invalidArgument, "rate_limit_per_minute must be 1 to 100000") }
        guard (1...10_000_000).contains(perDay) else { throw RPCError(.invalidArgument, "rate_limit_per_day must be 1 to 10000000") }
        guard perDay >= perMinute else {
            throw RPCError(.invalidArgument, "rate_limit_per_day (\(perDay)) must be at least rate_limit_per_minute (\(perMinute))")
        }
        let expiresAt = request.hasExpiresAt ? request.expiresAt.date : nil
        if let expiresAt, expiresAt <= Date() {
            throw RPCError(.invalidArgument, "expires_at must be in the future")
        }
        let user = try await self.currentUser(context)
        let missing = scopes.subtracting(user.scopes)
        guard missing.isEmpty else {
            throw RPCError(.permissionDenied, "Your account does not hold the scope(s) \(missing.names.joined(separator: ", ")), so no key can")
        }
        let secret = ApiKeySecret.make()
        let key = try await self.apiKeys.create(
            userID: user.id, name: name, keyHash: Secrets.sha256Hex(secret), prefix: ApiKeySecret.displayPrefix(of: secret),
            scopes: scopes, perMinute: perMinute, perDay: perDay, expiresAt: expiresAt, logger: context.logger)
        return .with {
            $0.key = .init(key)
            $0.secret = secret
        }
    }

    package func listApiKeys(_ request: Lyrica_Auth_V1_ListApiKeysRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_ListApiKeysResponse
    {
        let id = try context.requireUser()
        let keys = try await self.apiKeys.keys(userID: id, includeInactive: request.includeInactive, logger: context.logger)
        return .with { $0.keys = keys.map(Lyrica_Auth_V1_ApiKey.init) }
    }

    package func revokeApiKey(_ request: Lyrica_Auth_V1_RevokeApiKeyRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_RevokeApiKeyResponse
    {
        let user = try context.requireUser()
        let id = try AccountValidation.id(request.id, field: "id")
        guard let key = try await self.apiKeys.revoke(id: id, userID: user, logger: context.logger) else {
            throw AuthError.apiKeyNotFound(request.id)
        }
        return .with { $0.key = .init(key) }
    }

    // MARK: For services

    package func getPublicKeys(_ request: Lyrica_Auth_V1_GetPublicKeysRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_GetPublicKeysResponse
    {
        let keys = try await self.tokens.publishedKeys()
        return .with {
            $0.keys = keys.map(Lyrica_Auth_V1_PublicKey.init)
            $0.jwksJson = JSONWebKeySet.json(keys)
            $0.issuer = AccessTokenClaims.issuer
            $0.audience = AccessTokenClaims.audience
        }
    }

    package func authenticate(_ request: Lyrica_Auth_V1_AuthenticateRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_AuthenticateResponse
    {
        guard !request.apiKey.isEmpty else { throw RPCError(.invalidArgument, "api_key is required") }
        let resolved = try await self.apiKeyAuthenticator.principal(forApiKey: request.apiKey)
        return .with {
            $0.principal = resolved.principal.message
            $0.cacheSeconds = Int32(resolved.cacheFor.components.seconds)
        }
    }

    package func issueServiceToken(_ request: Lyrica_Auth_V1_IssueServiceTokenRequest, context: RPCContext) async throws
        -> Lyrica_Auth_V1_IssueServiceTokenResponse
    {
        guard let master = self.configuration.serviceMasterSecret else { throw AuthError.serviceIdentityDisabled }
        guard request.service.wholeMatch(of: /[a-z][a-z0-9-]{1,31}/) != nil else {
            throw RPCError(.invalidArgument, "service must be a service name such as 'generation' (lowercase letters, digits, '-')")
        }
        guard !request.secret.isEmpty else { throw RPCError(.invalidArgument, "secret is required") }
        guard ServiceSecret.constantTimeEquals(request.secret, ServiceSecret.derive(service: request.service, masterSecret: master)) else {
            context.logger.warning("A service presented a wrong secret", metadata: ["auth.service": "\(request.service)"])
            throw AuthError.serviceSecretInvalid
        }
        let claims = AccessTokenClaims(
            subject: "service:\(request.service)", kind: "service", scopes: Scope.userDefaults, sessionID: nil, issuedAt: Date(),
            lifetime: self.configuration.serviceTokenLifetime)
        let token = try await self.tokens.sign(claims)
        return .with {
            $0.accessToken = token
            $0.expiresAt = Google_Protobuf_Timestamp(date: claims.expiration.value)
        }
    }

    // MARK: Helpers

    /// Opens a session and signs its first access token.
    private func startSession(for user: User) async throws -> Lyrica_Auth_V1_TokenPair {
        try await self.tokenPair(for: user, session: try await self.sessions.start(user: user.id))
    }

    private func tokenPair(for user: User, session: SessionCache.IssuedToken) async throws -> Lyrica_Auth_V1_TokenPair {
        let claims = AccessTokenClaims(
            subject: user.id.uuidString.lowercased(), kind: "user", scopes: user.scopes, sessionID: session.family, issuedAt: Date(),
            lifetime: self.configuration.accessTokenLifetime)
        let accessToken = try await self.tokens.sign(claims)
        return .with {
            $0.accessToken = accessToken
            $0.accessTokenExpiresAt = Google_Protobuf_Timestamp(date: claims.expiration.value)
            $0.refreshToken = session.token
            $0.refreshTokenExpiresAt = Google_Protobuf_Timestamp(date: session.expiresAt)
            $0.tokenType = "Bearer"
        }
    }

    private func currentUser(_ context: RPCContext) async throws -> User {
        guard let user = try await self.users.user(id: try context.requireUser(), logger: context.logger) else {
            throw AuthError.accountNotFound
        }
        return user
    }

    /// Checks the account's password for a sensitive change, throttled like logins.
    private func confirmPassword(_ password: String, of user: User, context: RPCContext) async throws {
        let address = LoginThrottle.address(ofPeer: context.peer)
        try await self.throttle.checkLogin(login: user.email, address: address)
        guard try await self.hasher.verify(password, against: user.passwordHash) else {
            try await self.throttle.recordFailure(login: user.email, address: address)
            throw AuthError.wrongPassword
        }
    }

    /// The principal, if it is a user signed in with an access token (not an API key or a service).
    private static func signedInUser(_ context: RPCContext, doing action: String) throws -> Principal {
        _ = try context.requireUser()
        guard let principal = context.principal, principal.kind == .user, principal.apiKeyID == nil else {
            throw RPCError(.permissionDenied, "Only the account holder, signed in with a password, may \(action); API keys and services cannot")
        }
        return principal
    }
}

/// A hash of a random password, made on first use.
private final class DecoyHash: Sendable {
    private let hasher: PasswordHasher
    private let cached = NIOLockedValueBox<String?>(nil)

    init(hasher: PasswordHasher) {
        self.hasher = hasher
    }

    func value() async throws -> String {
        if let hash = self.cached.withLockedValue({ $0 }) { return hash }
        let hash = try await self.hasher.hash(Secrets.random(prefix: ""))
        self.cached.withLockedValue { $0 = hash }
        return hash
    }
}
