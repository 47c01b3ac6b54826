package import LyricaRPC
import Crypto

/// A Lua script run by SHA (`EVALSHA`), falling back to `EVAL` when the server does not have it
/// cached yet (after a restart or a `SCRIPT FLUSH`).
package struct RedisScript: Sendable {
    package let source: String
    package let sha1: String

    package init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension RedisClient {
    /// Runs `script` with `keys` and `arguments`; an error reply from the script is INTERNAL.
    package func run(_ script: RedisScript, keys: [String], arguments: [RedisArgument] = []) async throws -> RedisValue {
        let tail = [RedisArgument(keys.count)] + keys.map { RedisArgument(self.key($0)) } + arguments
        let reply = try await self.send(["EVALSHA", RedisArgument(script.sha1)] + tail)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            return try self.checked(try await self.send(["EVAL", RedisArgument(script.source)] + tail), command: "EVAL")
        }
        return try self.checked(reply, command: "EVALSHA")
    }

    /// Turns an error reply into an RPC error (INTERNAL: a bug, not the caller's fault).
    package func checked(_ reply: RedisValue, command: String) throws(RPCError) -> RedisValue {
        if case .error(let message) = reply {
            throw RPCError(.internalError, "Redis refused \(command): \(message)")
        }
        return reply
    }
}
