import Foundation
package import LyricaRPC
import NIOConcurrencyHelpers

/// Resolves an API key's secret to its principal: the auth service's Authenticate for every other
/// service, the key store for auth itself. Throws UNAUTHENTICATED for unknown, revoked or expired keys.
package protocol ApiKeyResolver: Sendable {
    func principal(forApiKey secret: String) async throws -> ResolvedApiKey
}

/// A resolved key and how long the answer may be reused.
package struct ResolvedApiKey: Sendable {
    package var principal: Principal
    package var cacheFor: Duration

    package init(principal: Principal, cacheFor: Duration) {
        self.principal = principal
        self.cacheFor = cacheFor
    }
}

/// Remembers resolved keys briefly (as long as the resolver allows, at most `maxAge`) and refused
/// ones for `negativeAge`, so a busy key costs one Authenticate call per interval, and a flood of
/// bad keys does not reach the auth service. A revoked key stops working within `maxAge`.
package final class CachedApiKeyResolver: ApiKeyResolver {
    private let resolver: any ApiKeyResolver
    private let maxAge: Duration
    private let negativeAge: Duration
    private let capacity: Int
    private let entries = NIOLockedValueBox([String: Entry]())

    private enum Outcome: Sendable {
        case resolved(ResolvedApiKey)
        case refused(RPCError)
    }

    private struct Entry: Sendable {
        var outcome: Outcome
        var until: ContinuousClock.Instant
    }

    /// - Parameters:
    ///   - maxAge: longest a resolved key is reused. Default 30 s.
    ///   - negativeAge: how long a refused key stays refused without asking again. Default 5 s.
    ///   - capacity: keys remembered. Default 10,000.
    package init(
        _ resolver: any ApiKeyResolver, maxAge: Duration = .seconds(30), negativeAge: Duration = .seconds(5),
        capacity: Int = 10_000
    ) {
        self.resolver = resolver
        self.maxAge = maxAge
        self.negativeAge = negativeAge
        self.capacity = capacity
    }

    package func principal(forApiKey secret: String) async throws -> ResolvedApiKey {
        let now = ContinuousClock.now
        if let entry = self.entries.withLockedValue({ $0[secret] }), entry.until > now {
            switch entry.outcome {
            case .resolved(let resolved): return resolved
            case .refused(let error): throw error
            }
        }
        do {
            let resolved = try await self.resolver.principal(forApiKey: secret)
            self.remember(.resolved(resolved), for: secret, until: now + min(resolved.cacheFor, self.maxAge))
            return resolved
        } catch let error as RPCError where error.code == .unauthenticated {
            self.remember(.refused(error), for: secret, until: now + self.negativeAge)
            throw error
        }
    }

    private func remember(_ outcome: Outcome, for secret: String, until: ContinuousClock.Instant) {
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity {
                let now = ContinuousClock.now
                entries = entries.filter { $0.value.until > now }
                if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[secret] = Entry(outcome: outcome, until: until)
        }
    }
}
