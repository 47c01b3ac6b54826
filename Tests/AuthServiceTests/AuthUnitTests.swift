import AuthService
import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import SwiftProtobuf
import Testing

@Suite("Auth: rules without a server")
struct AuthUnitTests {
    @Test("Every AuthService method has an access rule")
    func policyCoversEveryMethod() {
        #expect(AuthPolicy.auth.uncovered(Lyrica_Auth_V1_AuthService.Method.all).isEmpty)
    }

    @Test("Health and reflection are public under any policy")
    func standardServicesArePublic() {
        let empty = AuthPolicy([:])
        #expect(empty.access(for: MethodDescriptor(service: "lyrica.health.v1.Health", method: "Check", kind: .unary)) == .anyone)
        #expect(empty.access(for: Lyrica_Auth_V1_AuthService.Method.getMe) == nil)
    }

    @Test("argon2id hashes verify, differ per salt, and report old parameters")
    func passwordHashing() async throws {
        var parameters = PasswordHasher.Parameters()
        parameters.memoryKiB = 8192
        parameters.iterations = 1
        let hasher = PasswordHasher(parameters: parameters)
        let first = try await hasher.hash("correct horse battery staple")
        let second = try await hasher.hash("correct horse battery staple")
        #expect(first.hasPrefix("$argon2id$v=19$m=8192,t=1,p=1$"))
        #expect(first != second)
        #expect(try await hasher.verify("correct horse battery staple", against: first))
        #expect(try await !hasher.verify("correct horse battery stapler", against: first))
        #expect(!hasher.needsRehash(first))
        #expect(PasswordHasher(parameters: .init()).needsRehash(first))
    }

    @Test("The default argon2id cost is OWASP's: 19 MiB, 2 passes, 1 lane")
    func owaspDefaults() {
        let defaults = PasswordHasher.Parameters()
        #expect(defaults.memoryKiB == 19_456 && defaults.iterations == 2 && defaults.parallelism == 1)
    }

    @Test(
        "The password policy refuses weak passwords and accepts a passphrase",
        arguments: [
            ("short", "too short"), (String(repeating: "x", count: 129), "too long"), ("            ", "only spaces"),
            ("abababababababab", "4 different"), ("Password1234", "too common"), ("ada-lovelace-99!", "username or email"),
        ])
    func passwordPolicy(password: String, fragment: String) {
        let violation = PasswordPolicy().violation(of: password, email: "lovelace@example.com", username: "ada-lovelace")
        #expect(violation?.contains(fragment) == true, "\(violation ?? "accepted")")
        #expect(PasswordPolicy().violation(of: "tangerine orbit velvet", email: "lovelace@example.com", username: "ada") == nil)
    }

    @Test("Service secrets differ per service and compare in constant time")
    func serviceSecrets() {
        let lyrics = ServiceSecret.derive(service: "lyrics", masterSecret: "m" + String(repeating: "x", count: 40))
        let generation = ServiceSecret.derive(service: "generation", masterSecret: "m" + String(repeating: "x", count: 40))
        #expect(lyrics != generation)
        #expect(ServiceSecret.constantTimeEquals(lyrics, lyrics))
        #expect(!ServiceSecret.constantTimeEquals(lyrics, generation))
        #expect(!ServiceSecret.constantTimeEquals(lyrics, String(lyrics.dropLast())))
    }

    @Test("Peer addresses lose their port, IPv4 and IPv6 alike")
    func peerAddresses() {
        #expect(LoginThrottle.address(ofPeer: "127.0.0.1:52314") == "127.0.0.1")
        #expect(LoginThrottle.address(ofPeer: "[::1]:52314") == "::1")
    }

    @Test("Emails are lowercased; usernames keep their case")
    func accountFieldNormalisation() throws {
        #expect(try AccountValidation.email("  Ada@Example.COM ") == "ada@example.com")
        #expect(try AccountValidation.username("Ada_L") == "Ada_L")
        #expect(try AccountValidation.fullName("   ") == nil)
    }
}
