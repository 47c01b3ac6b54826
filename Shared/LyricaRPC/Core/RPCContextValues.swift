/// A key for a value that interceptors attach to a call's context (the auth interceptor's
/// principal, for one), so handlers read it without LyricaRPC knowing its type.
package protocol RPCContextKey {
    associatedtype Value: Sendable
}

/// Typed values carried by an `RPCContext`, one per key type.
package struct RPCContextValues: Sendable {
    private var storage: [ObjectIdentifier: any Sendable] = [:]

    package init() {}

    package subscript<Key: RPCContextKey>(_ key: Key.Type) -> Key.Value? {
        get { self.storage[ObjectIdentifier(key)] as? Key.Value }
        set { self.storage[ObjectIdentifier(key)] = newValue }
    }
}
