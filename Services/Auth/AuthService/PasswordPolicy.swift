/// What a password must be, with a message a person can act on for each rule. Follows NIST
/// SP 800-63B and OWASP: length over composition rules, and no well-known passwords.
package struct PasswordPolicy: Sendable {
    /// Default 12.
    package var minimumLength = 12
    /// Default 128: argon2 takes any length, but a bound keeps hashing cost bounded.
    package var maximumLength = 128

    package init() {}

    /// The first rule `password` breaks, nil if none. `email` and `username` are the account's.
    package func violation(of password: String, email: String, username: String) -> String? {
        let length = password.count
        if length < self.minimumLength {
            return "The password is too short: use at least \(self.minimumLength) characters (it has \(length))"
        }
        if length > self.maximumLength {
            return "The password is too long: use at most \(self.maximumLength) characters"
        }
        if password.allSatisfy(\.isWhitespace) {
            return "The password cannot be only spaces"
        }
        if Set(password).count < 4 {
            return "The password repeats too few characters: use at least 4 different ones"
        }
        let lowered = password.lowercased()
        let localPart = email.lowercased().split(separator: "@").first.map(String.init) ?? ""
        if lowered.contains(username.lowercased()) || (localPart.count >= 4 && lowered.contains(localPart)) {
            return "The password cannot contain the username or email address"
        }
        if Self.common.contains(lowered) || Self.common.contains(where: { lowered.hasPrefix($0) && lowered.count <= $0.count + 4 }) {
            return "The password is too common: attackers try it first. Choose something else, e.g. several unrelated words"
        }
        return nil
    }

    /// Passwords (and stems) from the top of public breach lists that still pass the length rule.
    private static let common: Set<String> = [
        "password", "123456789012", "qwertyuiop", "1q2w3e4r5t6y", "iloveyou", "letmein", "welcome", "admin",
        "sunshine", "princess", "football", "baseball", "monkey", "dragon", "master", "shadow", "superman",
        "trustno1", "passw0rd", "p@ssw0rd", "p@ssword", "qwerty", "abc123", "111111111111", "000000000000",
        "1234567890", "123123123123", "qazwsxedc", "zaq12wsx", "changeme", "lyrica", "songwriter",
    ]
}
