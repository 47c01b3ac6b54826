/// What a credential may do. Users hold read, write and generate; admin is granted by hand;
/// API keys hold a subset of their owner's.
package enum Scope: String, Sendable, Hashable, CaseIterable, Comparable {
    case read, write, generate, admin

    /// The scopes a new account gets.
    package static let userDefaults: Set<Scope> = [.read, .write, .generate]

    package static func < (lhs: Scope, rhs: Scope) -> Bool {
        Self.allCases.firstIndex(of: lhs)! < Self.allCases.firstIndex(of: rhs)!
    }

    /// Parses scope names, naming the first unknown one.
    package static func parse(_ names: some Sequence<String>) -> Result<Set<Scope>, UnknownScope> {
        var scopes = Set<Scope>()
        for name in names {
            guard let scope = Scope(rawValue: name) else { return .failure(UnknownScope(name: name)) }
            scopes.insert(scope)
        }
        return .success(scopes)
    }

    package struct UnknownScope: Error, Sendable {
        package let name: String
        package var message: String {
            "Unknown scope '\(name)'; scopes are " + Scope.allCases.map(\.rawValue).joined(separator: ", ")
        }
    }
}

extension Set<Scope> {
    /// Sorted names, for tokens and responses.
    package var names: [String] { self.sorted().map(\.rawValue) }
}
