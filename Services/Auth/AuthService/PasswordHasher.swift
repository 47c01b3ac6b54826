import CArgon2
package import NIOPosix

/// argon2id from the reference library, always on a thread pool: one hash takes tens of
/// milliseconds of CPU and `memoryKiB` of memory, which must never stall an event loop.
package struct PasswordHasher: Sendable {
    package struct Parameters: Sendable, Equatable {
        /// Memory in KiB. Default 19456 (19 MiB), OWASP's recommendation with 2 passes.
        package var memoryKiB = 19_456
        /// Passes over memory. Default 2.
        package var iterations = 2
        /// Lanes. Default 1.
        package var parallelism = 1

        package init() {}
    }

    package let parameters: Parameters
    private let pool: NIOThreadPool

    /// - Parameter pool: where hashing runs. Default NIO's shared blocking pool.
    package init(parameters: Parameters, pool: NIOThreadPool = .singleton) {
        self.parameters = parameters
        self.pool = pool
    }

    /// The PHC-format encoding (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), with a fresh 16-byte salt.
    package func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return try await self.pool.runIfActive {
            let password = Array(password.utf8)
            let length = argon2_encodedlen(
                UInt32(parameters.iterations), UInt32(parameters.memoryKiB), UInt32(parameters.parallelism),
                UInt32(salt.count), 32, Argon2_id)
            var encoded = [CChar](repeating: 0, count: length + 1)
            let status = argon2id_hash_encoded(
                UInt32(parameters.iterations), UInt32(parameters.memoryKiB), UInt32(parameters.parallelism),
                password, password.count, salt, salt.count, 32, &encoded, encoded.count)
            guard status == ARGON2_OK.rawValue else {
                throw PasswordHashingError(message: String(cString: argon2_error_message(status)))
            }
            return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Whether `password` matches `encoded`; the library compares in constant time.
    package func verify(_ password: String, against encoded: String) async throws -> Bool {
        try await self.pool.runIfActive {
            let password = Array(password.utf8)
            return argon2id_verify(encoded, password, password.count) == ARGON2_OK.rawValue
        }
    }

    /// Whether a stored hash was made with other parameters and should be redone at the next login.
    package func needsRehash(_ encoded: String) -> Bool {
        !encoded.hasPrefix("$argon2id$v=19$m=\(self.parameters.memoryKiB),t=\(self.parameters.iterations),p=\(self.parameters.parallelism)$")
    }
}

struct PasswordHashingError: Error {
    let message: String
}
