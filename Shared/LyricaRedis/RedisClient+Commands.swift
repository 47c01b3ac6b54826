package import LyricaRPC

/// The commands the services use, with the client's key prefix applied to every key.
extension RedisClient {
    /// `keyPrefix` + `key`: tests give each run its own prefix.
    package func key(_ key: String) -> String { self.configuration.keyPrefix + key }

    package func get(_ key: String) async throws -> String? {
        try self.checked(try await self.send(["GET", RedisArgument(self.key(key))]), command: "GET").string
    }

    /// `SET key value [PX ttl]`.
    package func set(_ key: String, _ value: String, ttl: Duration? = nil) async throws {
        var arguments: [RedisArgument] = ["SET", RedisArgument(self.key(key)), RedisArgument(value)]
        if let ttl { arguments += ["PX", RedisArgument(Self.milliseconds(ttl))] }
        _ = try self.checked(try await self.send(arguments), command: "SET")
    }

    /// Deletes keys; returns how many existed.
    @discardableResult
    package func delete(_ keys: [String]) async throws -> Int {
        try self.checked(try await self.send(["DEL"] + keys.map { RedisArgument(self.key($0)) }), command: "DEL").int ?? 0
    }

    /// Remaining time to live, nil if the key has none or does not exist.
    package func ttl(_ key: String) async throws -> Duration? {
        let reply = try self.checked(try await self.send(["PTTL", RedisArgument(self.key(key))]), command: "PTTL")
        guard let milliseconds = reply.int, milliseconds >= 0 else { return nil }
        return .milliseconds(milliseconds)
    }

    private static let incrementWithExpiry = RedisScript(
        """
        local value = redis.call('INCRBY', KEYS[1], ARGV[1])
        if value == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return value
        """)

    /// Increments a counter and, when this created it, sets its expiry: one atomic step (Lua),
    /// so a crash between the two can never leave a counter that lives forever. For rate limits.
    package func increment(_ key: String, by amount: Int = 1, expiringAfter ttl: Duration) async throws -> Int {
        let reply = try await self.run(
            Self.incrementWithExpiry, keys: [key], arguments: [RedisArgument(amount), RedisArgument(Self.milliseconds(ttl))])
        return reply.int ?? 0
    }

    // MARK: Hashes

    package func hashSet(_ key: String, _ fields: [String: String]) async throws {
        guard !fields.isEmpty else { return }
        let pairs = fields.sorted { $0.key < $1.key }.flatMap { [RedisArgument($0.key), RedisArgument($0.value)] }
        _ = try self.checked(try await self.send(["HSET", RedisArgument(self.key(key))] + pairs), command: "HSET")
    }

    package func hashGetAll(_ key: String) async throws -> [String: String] {
        let reply = try self.checked(try await self.send(["HGETALL", RedisArgument(self.key(key))]), command: "HGETALL")
        let items = reply.array?.compactMap(\.string) ?? []
        return Dictionary(stride(from: 0, to: items.count - 1, by: 2).map { (items[$0], items[$0 + 1]) }, uniquingKeysWith: { $1 })
    }

    package func hashIncrement(_ key: String, field: String, by amount: Int) async throws -> Int {
        try self.checked(
            try await self.send(["HINCRBY", RedisArgument(self.key(key)), RedisArgument(field), RedisArgument(amount)]), command: "HINCRBY"
        ).int ?? 0
    }

    // MARK: Sorted sets

    package func sortedSetIncrement(_ key: String, member: String, by amount: Double) async throws -> Double {
        let reply = try self.checked(
            try await self.send(["ZINCRBY", RedisArgument(self.key(key)), RedisArgument("\(amount)"), RedisArgument(member)]), command: "ZINCRBY")
        return reply.string.flatMap(Double.init) ?? 0
    }

    package func sortedSetAdd(_ key: String, member: String, score: Double) async throws {
        _ = try self.checked(
            try await self.send(["ZADD", RedisArgument(self.key(key)), RedisArgument("\(score)"), RedisArgument(member)]), command: "ZADD")
    }

    /// Highest scores first, `count` of them from `offset`.
    package func sortedSetTop(_ key: String, offset: Int = 0, count: Int) async throws -> [(member: String, score: Double)] {
        let reply = try self.checked(
            try await self.send([
                "ZREVRANGE", RedisArgument(self.key(key)), RedisArgument(offset), RedisArgument(offset + count - 1), "WITHSCORES",
            ]), command: "ZREVRANGE")
        let items = reply.array?.compactMap(\.string) ?? []
        return stride(from: 0, to: items.count - 1, by: 2).map { (items[$0], Double(items[$0 + 1]) ?? 0) }
    }

    /// A duration as whole milliseconds, for PX and PEXPIRE.
    package static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
