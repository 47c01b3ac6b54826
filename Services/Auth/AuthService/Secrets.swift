import Foundation
import Crypto
import LyricaService

/// Random secrets and their stored form. Secrets carry 256 random bits, so SHA-256 suffices to
/// store them: no one can guess one from its hash, and lookups stay cheap.
package enum Secrets {
    /// `prefix` followed by 32 random bytes in base64url, e.g. `lyr_rt_…` for refresh tokens.
    package static func random(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Lowercase hex SHA-256 of the text.
    package static func sha256Hex(_ text: String) -> String {
        LyricaService.sha256Hex(Array(text.utf8))
    }
}
