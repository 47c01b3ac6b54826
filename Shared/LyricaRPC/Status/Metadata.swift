/// Request or response metadata: ordered key/value pairs with lowercase keys (`authorization`,
/// `x-request-id`, `traceparent`). A key may repeat; `subscript` returns the first value.
package struct Metadata: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    package private(set) var entries: [(key: String, value: String)]

    package init() { self.entries = [] }

    package init(dictionaryLiteral elements: (String, String)...) {
        self.entries = elements.map { (key: $0.0.lowercased(), value: $0.1) }
    }

    package init(_ pairs: [(String, String)]) {
        self.entries = pairs.map { (key: $0.0.lowercased(), value: $0.1) }
    }

    package var isEmpty: Bool { self.entries.isEmpty }
    package var count: Int { self.entries.count }

    /// The first value for `key` (case-insensitive); setting replaces every value for it.
    package subscript(key: String) -> String? {
        get {
            let key = key.lowercased()
            return self.entries.first { $0.key == key }?.value
        }
        set {
            let key = key.lowercased()
            self.entries.removeAll { $0.key == key }
            if let newValue { self.entries.append((key: key, value: newValue)) }
        }
    }

    /// Adds a value, keeping any others for the same key.
    package mutating func add(_ key: String, _ value: String) {
        self.entries.append((key: key.lowercased(), value: value))
    }

    package func values(for key: String) -> [String] {
        let key = key.lowercased()
        return self.entries.filter { $0.key == key }.map(\.value)
    }

    package func makeIterator() -> some IteratorProtocol<(key: String, value: String)> { self.entries.makeIterator() }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for entry in self.entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }

    package var description: String { "[" + self.entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]" }
}
