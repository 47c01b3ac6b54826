package import Foundation
package import Logging
package import LyricaProtos
package import LyricaRedis
import LyricaRPC
import SwiftProtobuf

/// A generation's events in Redis, for watchers on any replica: the stream
/// `generation:progress:{id}` (each entry one event as protobuf JSON) and the hash
/// `generation:state:{id}` (status, agent, step, percent), both kept for an hour. PostgreSQL
/// holds the durable record (agent_logs, the outcome); a watcher that finds the stream gone
/// falls back to it, so losing Redis loses no result.
package struct ProgressLog: Sendable {
    package let redis: RedisClient
    package let ttl: Duration

    package init(redis: RedisClient, ttl: Duration = .seconds(3600)) {
        self.redis = redis
        self.ttl = ttl
    }

    static func streamKey(_ id: UUID) -> String { "generation:progress:\(id.uuidString.lowercased())" }
    static func stateKey(_ id: UUID) -> String { "generation:state:\(id.uuidString.lowercased())" }

    /// Appends an event and updates the state. Failures are logged, not thrown: a job does not
    /// fail because Redis is briefly away.
    package func append(_ event: Lyrica_Generation_V1_GenerationEvent, id: UUID, state: [String: String], logger: Logger) async {
        do {
            let stream = self.redis.key(Self.streamKey(id))
            let hash = self.redis.key(Self.stateKey(id))
            let seconds = RedisArgument(max(1, Int(self.ttl.components.seconds)))
            var hashSet: [RedisArgument] = ["HSET", RedisArgument(hash)]
            for (field, value) in state.sorted(by: { $0.key < $1.key }) { hashSet += [RedisArgument(field), RedisArgument(value)] }
            let replies = try await self.redis.pipeline([
                ["XADD", RedisArgument(stream), "*", "event", RedisArgument(try event.jsonString())],
                ["EXPIRE", RedisArgument(stream), seconds],
                hashSet,
                ["EXPIRE", RedisArgument(hash), seconds],
            ])
            for reply in replies { _ = try self.redis.checked(reply, command: "progress") }
        } catch {
            logger.warning("Could not record generation progress in Redis", metadata: ["generation.id": "\(id)", "error": "\(error)"])
        }
    }

    /// How many events the stream holds: where a new attempt continues numbering.
    package func count(id: UUID) async -> Int64 {
        let reply = try? await self.redis.send(["XLEN", RedisArgument(self.redis.key(Self.streamKey(id)))])
        return Int64(reply?.int ?? 0)
    }

    /// Events after the stream entry `after` (all with nil), oldest first.
    package func events(id: UUID, after: String?) async throws -> [(entry: String, event: Lyrica_Generation_V1_GenerationEvent)] {
        let entries = try await self.redis.streamRange(Self.streamKey(id), from: after.map { "(" + $0 } ?? "-", count: 500)
        return entries.compactMap { entry in
            guard let json = entry.fields["event"], let event = try? Lyrica_Generation_V1_GenerationEvent(jsonString: json) else { return nil }
            return (entry.id, event)
        }
    }

    package func state(id: UUID) async throws -> [String: String] {
        try await self.redis.hashGetAll(Self.stateKey(id))
    }
}
