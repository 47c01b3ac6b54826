package import LyricaRPC

extension ServiceRuntime {
    /// The auth service's default local port, used when `AUTH_ENDPOINTS` is unset.
    package static let authDefaultPort = 7101

    /// The interceptor that authenticates calls to this service under `policy`: tokens verified
    /// with the auth service's public keys, API keys resolved through its Authenticate, limits
    /// counted in this service's Redis.
    package func authInterceptor(policy: AuthPolicy) throws -> AuthInterceptor {
        let auth = try self.client(for: "auth", defaultPort: Self.authDefaultPort)
        return self.authInterceptor(
            policy: policy, keys: AuthServicePublicKeys(client: auth), apiKeys: AuthServiceApiKeys(client: auth))
    }

    /// The same with other sources of keys: the auth service uses its own stores, uncached.
    package func authInterceptor(
        policy: AuthPolicy, keys: any PublicKeySource, apiKeys: any ApiKeyResolver, cacheApiKeys: Bool = true
    ) -> AuthInterceptor {
        AuthInterceptor(
            policy: policy, verifier: AccessTokenVerifier(source: keys, logger: self.logger),
            apiKeys: cacheApiKeys ? CachedApiKeyResolver(apiKeys) : apiKeys, rateLimiter: RateLimiter(redis: self.redis),
            userRateLimitPerMinute: self.configuration.userRateLimitPerMinute)
    }
}
