package import Foundation
package import LyricaRPC

/// Environment variables, read with clear errors: every failure names the variable and what a
/// valid value looks like. Wraps a dictionary so tests pass a literal.
package struct Environment: Sendable {
    package var values: [String: String]

    package init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The value, or nil when unset or empty.
    package func string(_ key: String) -> String? {
        guard let value = self.values[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    package func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigurationError) -> Int? {
        guard let text = self.string(key) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(key)='\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `30`, `30s`, `500ms`, `2m` or `1h`.
    package func duration(_ key: String) throws(ConfigurationError) -> Duration? {
        guard let text = self.string(key) else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0 { return .milliseconds(Int64(value * scale * 1000)) }
        }
        throw ConfigurationError("\(key)='\(text)' is not a duration such as 30s, 500ms, 2m or 7d")
    }

    /// One of `choices` (case-insensitive).
    package func choice(_ key: String, _ choices: [String]) throws(ConfigurationError) -> String? {
        guard let text = self.string(key)?.lowercased() else { return nil }
        guard choices.contains(text) else { throw ConfigurationError("\(key)='\(text)' is not one of \(choices.joined(separator: ", "))") }
        return text
    }

    /// A `host:port[,host:port…]` list, e.g. `AUTH_ENDPOINTS`.
    package func endpoints(_ key: String) throws(ConfigurationError) -> [Endpoint]? {
        guard let text = self.string(key) else { return nil }
        do {
            return try Endpoint.list(text)
        } catch {
            throw ConfigurationError("\(key): \(error.message)")
        }
    }
}
