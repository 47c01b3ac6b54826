package import LyricaRPC

/// Who may call each method of a service. Every method must have a rule: a method left out
/// answers PERMISSION_DENIED, so a new RPC is closed until someone decides who may call it.
/// Health and reflection are always public.
package struct AuthPolicy: Sendable {
    package enum Access: Sendable, Equatable {
        /// Anyone, with or without credentials (credentials sent are still checked).
        case anyone
        /// A signed-in user, API key or service holding this scope.
        case scope(Scope)
        /// Only a Lyrica service (for example Authenticate).
        case services
    }

    private var rules: [String: Access]

    /// - Parameter rules: access by method.
    package init(_ rules: [MethodDescriptor: Access]) {
        self.rules = Dictionary(uniqueKeysWithValues: rules.map { ($0.key.path, $0.value) })
    }

    package static let alwaysPublicServices: Set<String> = ["lyrica.health.v1.Health", "lyrica.reflection.v1.ServerReflection"]

    /// The rule for a method; nil when it has none.
    package func access(for method: MethodDescriptor) -> Access? {
        if Self.alwaysPublicServices.contains(method.service) { return .anyone }
        return self.rules[method.path]
    }

    /// Methods of `methods` that have no rule, for a test that every method is covered.
    package func uncovered(_ methods: [MethodDescriptor]) -> [MethodDescriptor] {
        methods.filter { self.access(for: $0) == nil }
    }
}
