package import LyricaRPC

/// One entry of a Redis stream.
package struct StreamEntry: Sendable, Equatable {
    package let id: String
    package let fields: [String: String]
}

/// Streams with consumer groups: the transport for events between services.
extension RedisClient {
    /// Appends an entry (`XADD`, id `*`); returns its id. `maxLength` trims approximately.
    @discardableResult
    package func streamAdd(_ stream: String, fields: [(String, String)], maxLength: Int? = nil) async throws -> String {
        var arguments: [RedisArgument] = ["XADD", RedisArgument(self.key(stream))]
        if let maxLength { arguments += ["MAXLEN", "~", RedisArgument(maxLength)] }
        arguments.append("*")
        arguments += fields.flatMap { [RedisArgument($0.0), RedisArgument($0.1)] }
        return try self.checked(try await self.send(arguments), command: "XADD").string ?? ""
    }

    /// Creates a consumer group (and the stream) if it does not exist yet.
    package func streamCreateGroup(_ stream: String, group: String, startAt id: String = "0") async throws {
        let reply = try await self.send(["XGROUP", "CREATE", RedisArgument(self.key(stream)), RedisArgument(group), RedisArgument(id), "MKSTREAM"])
        if case .error(let message) = reply, message.hasPrefix("BUSYGROUP") { return }
        _ = try self.checked(reply, command: "XGROUP CREATE")
    }

    /// New entries for this consumer (`XREADGROUP … >`), waiting up to `block` for some.
    package func streamReadGroup(
        _ stream: String, group: String, consumer: String, count: Int, block: Duration
    ) async throws -> [StreamEntry] {
        let reply = try await self.pipeline(
            [[
                "XREADGROUP", "GROUP", RedisArgument(group), RedisArgument(consumer), "COUNT", RedisArgument(count),
                "BLOCK", RedisArgument(Self.milliseconds(block)), "STREAMS", RedisArgument(self.key(stream)), ">",
            ]], timeout: block + self.configuration.commandTimeout)[0]
        let checked = try self.checked(reply, command: "XREADGROUP")
        guard let streams = checked.array, let first = streams.first?.array, first.count == 2 else { return [] }
        return Self.entries(first[1])
    }

    package func streamAcknowledge(_ stream: String, group: String, ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        _ = try self.checked(
            try await self.send(["XACK", RedisArgument(self.key(stream)), RedisArgument(group)] + ids.map { RedisArgument($0) }), command: "XACK")
    }

    /// Takes over entries another consumer read but did not acknowledge within `minIdle`
    /// (`XAUTOCLAIM`); returns them and the cursor for the next call ("0-0" when done).
    package func streamAutoClaim(
        _ stream: String, group: String, consumer: String, minIdle: Duration, start: String = "0-0", count: Int = 100
    ) async throws -> (entries: [StreamEntry], next: String) {
        let reply = try self.checked(
            try await self.send([
                "XAUTOCLAIM", RedisArgument(self.key(stream)), RedisArgument(group), RedisArgument(consumer),
                RedisArgument(Self.milliseconds(minIdle)), RedisArgument(start), "COUNT", RedisArgument(count),
            ]), command: "XAUTOCLAIM")
        guard let parts = reply.array, parts.count >= 2 else { return ([], "0-0") }
        return (Self.entries(parts[1]), parts[0].string ?? "0-0")
    }

    /// Entries pending (read, not acknowledged) for a group.
    package func streamPendingCount(_ stream: String, group: String) async throws -> Int {
        let reply = try self.checked(try await self.send(["XPENDING", RedisArgument(self.key(stream)), RedisArgument(group)]), command: "XPENDING")
        return reply.array?.first?.int ?? 0
    }

    /// Entries from `start` to `end` (`XRANGE`; "-" and "+" for the whole stream), e.g. to inspect
    /// a dead-letter stream.
    package func streamRange(_ stream: String, from start: String = "-", to end: String = "+", count: Int = 100) async throws -> [StreamEntry] {
        let reply = try self.checked(
            try await self.send(["XRANGE", RedisArgument(self.key(stream)), RedisArgument(start), RedisArgument(end), "COUNT", RedisArgument(count)]),
            command: "XRANGE")
        return Self.entries(reply)
    }

    /// How many times an entry was delivered to the group (`XPENDING … id id 1`); 0 if not pending.
    package func streamDeliveryCount(_ stream: String, group: String, id: String) async throws -> Int {
        let reply = try self.checked(
            try await self.send(["XPENDING", RedisArgument(self.key(stream)), RedisArgument(group), RedisArgument(id), RedisArgument(id), "1"]),
            command: "XPENDING")
        return reply.array?.first?.array?[3].int ?? 0
    }

    private static func entries(_ value: RedisValue) -> [StreamEntry] {
        (value.array ?? []).compactMap { entry in
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { return nil }
            let items = parts[1].array?.compactMap(\.string) ?? []  // nil fields: deleted entry
            let fields = Dictionary(stride(from: 0, to: items.count - 1, by: 2).map { (items[$0], items[$0 + 1]) }, uniquingKeysWith: { $1 })
            return StreamEntry(id: id, fields: fields)
        }
    }
}
