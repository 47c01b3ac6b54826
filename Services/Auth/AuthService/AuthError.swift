package import LyricaRPC

/// Failures of lyrica.auth.v1 that callers can act on.
package enum AuthError: RPCErrorConvertible {
    /// Login failed: the same answer whether or not the account exists.
    case invalidLogin
    case wrongPassword
    case emailTaken
    case usernameTaken
    case accountDisabled
    case accountNotFound
    case refreshTokenInvalid
    /// A used refresh token came back: the session is revoked.
    case refreshTokenReused
    case apiKeyInvalid
    case apiKeyNotFound(String)
    case passwordPolicy(String)
    case serviceSecretInvalid
    case serviceIdentityDisabled

    package var rpcError: RPCError {
        switch self {
        case .invalidLogin: RPCError(.unauthenticated, "The login or password is incorrect")
        case .wrongPassword: RPCError(.unauthenticated, "The password is incorrect")
        case .emailTaken: RPCError(.alreadyExists, "An account with this email already exists")
        case .usernameTaken: RPCError(.alreadyExists, "This username is taken; choose another")
        case .accountDisabled: RPCError(.permissionDenied, "This account is disabled")
        case .accountNotFound: RPCError(.notFound, "The account no longer exists")
        case .refreshTokenInvalid: RPCError(.unauthenticated, "The refresh token is invalid or expired; sign in again")
        case .refreshTokenReused:
            RPCError(.unauthenticated, "The refresh token was already used; the session has been signed out for safety. Sign in again")
        case .apiKeyInvalid: RPCError(.unauthenticated, "The API key is invalid, revoked or expired")
        case .apiKeyNotFound(let id): RPCError(.notFound, "You have no API key with id \(id)")
        case .passwordPolicy(let reason): RPCError(.invalidArgument, reason)
        case .serviceSecretInvalid: RPCError(.unauthenticated, "The service name or secret is wrong")
        case .serviceIdentityDisabled:
            RPCError(.failedPrecondition, "Service identities are off: set SERVICE_MASTER_SECRET on the auth service")
        }
    }
}
