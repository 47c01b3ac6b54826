/// Why a configuration value was refused; the message names the setting and what to write instead.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { self.message }
}
