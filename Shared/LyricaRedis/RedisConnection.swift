import CHiredis
import Foundation
import LyricaRPC

/// One blocking hiredis connection. Used by one thread at a time (the pool sees to that) and
/// never on an event loop.
final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>
    let description: String

    /// Connects, authenticates and selects the database. Throws UNAVAILABLE if Redis is unreachable.
    init(configuration: RedisConfiguration) throws(RPCError) {
        self.description = "\(configuration.host):\(configuration.port)"
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), Self.timeval(configuration.connectTimeout)) else {
            throw RPCError(.unavailable, "Cannot allocate a Redis connection")
        }
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            redisFree(context)
            throw RPCError(.unavailable, "Redis at \(self.description) is unreachable: \(message)")
        }
        self.context = context
        redisSetTimeout(context, Self.timeval(configuration.commandTimeout))
        if let password = configuration.password {
            try self.expectOK(try self.command(["AUTH", RedisArgument(password)]), what: "AUTH")
        }
        if configuration.database != 0 {
            try self.expectOK(try self.command(["SELECT", RedisArgument(configuration.database)]), what: "SELECT")
        }
    }

    deinit { redisFree(self.context) }

    /// Runs one command and waits for its reply.
    func command(_ arguments: [RedisArgument]) throws(RPCError) -> RedisValue {
        try self.pipeline([arguments])[0]
    }

    /// Sends every command, then reads every reply: one round trip for all.
    func pipeline(_ commands: [[RedisArgument]]) throws(RPCError) -> [RedisValue] {
        for arguments in commands {
            let status = Self.withArgv(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(self.context, argc, argv, lengths)
            }
            guard status == REDIS_OK else { throw self.connectionError() }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(self.context, &raw) == REDIS_OK, let raw else { throw self.connectionError() }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.value(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Sets the reply timeout for the next commands (blocking reads need longer).
    func setTimeout(_ duration: Duration) {
        redisSetTimeout(self.context, Self.timeval(duration))
    }

    /// True if the server closed this idle connection (it restarted, or timed us out): checked
    /// before reuse so a restart costs no failed command.
    var isClosedByServer: Bool {
        var descriptor = pollfd(fd: self.context.pointee.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) == 1 else { return false }
        var byte: UInt8 = 0
        return recv(self.context.pointee.fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) <= 0
    }

    /// True after an I/O or protocol error: the connection must not be reused.
    var isBroken: Bool { self.context.pointee.err != 0 }

    private func connectionError() -> RPCError {
        RPCError(.unavailable, "Redis at \(self.description) failed: \(Self.errorText(self.context))")
    }

    private func expectOK(_ reply: RedisValue, what: String) throws(RPCError) {
        if case .error(let message) = reply { throw RPCError(.unavailable, "Redis \(what) failed: \(message)") }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .bulk(Array(UnsafeRawBufferPointer(start: reply.str, count: Int(reply.len))))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: UnsafeRawBufferPointer(start: reply.str, count: Int(reply.len)), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: UnsafeRawBufferPointer(start: reply.str, count: Int(reply.len)), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(reply.elements)).map { Self.value(reply.element[$0]!) })
        default:
            return .null
        }
    }

    private static func withArgv<Result>(
        _ arguments: [RedisArgument], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        let buffers = arguments.map { argument -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.bytes.count, 1))
            argument.bytes.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: bytes.count) }
            }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var argv = buffers.map { UnsafePointer<CChar>?(UnsafePointer($0)) }
        let lengths = arguments.map { $0.bytes.count }
        return argv.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { lengths in
                body(Int32(arguments.count), argv.baseAddress!, lengths.baseAddress!)
            }
        }
    }

    private static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
