import Crypto

/// A service's secret, derived from the auth service's master secret: HMAC-SHA256(master,
/// "lyrica-service:<name>"), base64url. Auth needs only the master to check any service, and a
/// service that leaks its secret cannot pose as another.
package enum ServiceSecret {
    package static func derive(service: String, masterSecret: String) -> String {
        let key = SymmetricKey(data: Array(masterSecret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("lyrica-service:\(service)".utf8), using: key)
        return Base64URL.encode(Array(mac))
    }

    /// Compares in time independent of where the strings differ.
    package static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
