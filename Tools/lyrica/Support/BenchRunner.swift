import Atomics
import Foundation
import Histogram
import LyricaRPC
import NIOConcurrencyHelpers
import NIOCore
import SwiftProtobuf

/// Runs the workers of `lyrica bench`. Each worker's task runs on the event loop of the
/// connection it uses, so the load generator itself costs no thread hops per call.
struct BenchRunner: Sendable {
    enum Limit: Sendable {
        case time(TimeAmount)
        case count(Int)
    }

    let plan: BenchPlan
    let clients: [RPCClient]
    let concurrency: Int
    let callOptions: CallOptions
    let rps: Double?

    /// One call; returns the responses received and the status.
    func callOnce(_ client: RPCClient) async throws -> Int {
        let plan = self.plan
        switch plan.method.kind {
        case .unary:
            _ = try await client.unary(plan.method, requestBody: plan.nextBody(), options: self.callOptions)
            return 1
        case .serverStreaming:
            return try await client.serverStreaming(plan.method, requestBody: plan.nextBody(), options: self.callOptions) { stream in
                var count = 0
                for try await _ in stream { count += 1 }
                return count
            }
        case .clientStreaming:
            let messages = plan.streamMessages
            _ = try await client.clientStreaming(plan.method, options: self.callOptions) { writer in
                for _ in 0..<messages { try await writer.write(plan.nextBody()) }
            }
            return 1
        case .bidirectionalStreaming:
            let messages = plan.streamMessages
            return try await client.bidirectionalStreaming(plan.method, options: self.callOptions, requests: { writer in
                for _ in 0..<messages { try await writer.write(plan.nextBody()) }
            }) { stream in
                var count = 0
                for try await _ in stream { count += 1 }
                return count
            }
        }
    }

    func run(limit: Limit, progress: Bool) async -> BenchResult {
        let issued = ManagedAtomic<Int>(0)
        let completed = ManagedAtomic<Int>(0)
        let start = NIODeadline.now()
        let end: NIODeadline? = if case .time(let duration) = limit { start + duration } else { nil }
        let maxCalls: Int? = if case .count(let count) = limit { count } else { nil }
        let interval: Int64? = self.rps.map { Int64(1e9 / $0) }

        let stats = await withTaskGroup(of: WorkerStats.self) { group in
            for worker in 0..<self.concurrency {
                let client = self.clients[worker % self.clients.count]
                let executor = EventLoopTaskExecutor.forEventLoop(client.eventLoopHint)
                group.addTask(executorPreference: executor) {
                    var stats = WorkerStats()
                    while true {
                        let index = issued.loadThenWrappingIncrement(ordering: .relaxed)
                        if let maxCalls, index >= maxCalls { break }
                        var begin = NIODeadline.now()
                        if let interval {
                            let scheduled = start + .nanoseconds(interval * Int64(index))
                            if let end, scheduled >= end { break }
                            if scheduled > begin { try? await Task.sleep(nanoseconds: UInt64((scheduled - begin).nanoseconds)) }
                            begin = scheduled  // latency counts from the scheduled send time
                        } else if let end, begin >= end {
                            break
                        }
                        do {
                            stats.messages += try await self.callOnce(client)
                            stats.record(code: .ok, nanoseconds: (NIODeadline.now() - begin).nanoseconds)
                        } catch let error as RPCError {
                            stats.record(code: error.code, message: error.message, nanoseconds: (NIODeadline.now() - begin).nanoseconds)
                        } catch {
                            stats.record(code: .unknown, message: "\(error)", nanoseconds: (NIODeadline.now() - begin).nanoseconds)
                        }
                        completed.wrappingIncrement(ordering: .relaxed)
                    }
                    return stats
                }
            }
            if progress {
                group.addTask {
                    var last = 0
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: 1_000_000_000)
                        let done = completed.load(ordering: .relaxed)
                        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
                        let line = String(format: "\r%6.1fs  %10d calls  %10d calls/s ", elapsed, done, done - last)
                        FileHandleStderr.write(line)
                        last = done
                    }
                    return WorkerStats()
                }
            }
            var merged = WorkerStats()
            var finishedWorkers = 0
            while let stats = await group.next() {
                merged.merge(stats)
                finishedWorkers += 1
                if finishedWorkers == self.concurrency { group.cancelAll() }
            }
            return merged
        }
        if progress { FileHandleStderr.write("\r\u{1B}[K") }
        let elapsed = NIODeadline.now() - start
        return BenchResult(stats: stats, elapsed: elapsed)
    }
}

/// Latencies and outcomes of one worker (merged at the end: no sharing while measuring).
struct WorkerStats: Sendable {
    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var statusCounts: [RPCError.Code: Int] = [:]
    /// The first message seen per failing status, so a report says why calls failed.
    var firstErrors: [RPCError.Code: String] = [:]
    var messages = 0

    mutating func record(code: RPCError.Code, message: String? = nil, nanoseconds: Int64) {
        _ = self.histogram.record(UInt64(max(nanoseconds, 1)))
        self.statusCounts[code, default: 0] += 1
        if let message, self.firstErrors[code] == nil { self.firstErrors[code] = message }
    }

    mutating func merge(_ other: WorkerStats) {
        if other.histogram.totalCount > 0 { self.histogram.add(other.histogram) }
        for (code, count) in other.statusCounts { self.statusCounts[code, default: 0] += count }
        self.firstErrors.merge(other.firstErrors) { first, _ in first }
        self.messages += other.messages
    }
}

struct BenchResult: Sendable {
    let stats: WorkerStats
    let elapsed: TimeAmount

    var calls: Int { Int(self.stats.histogram.totalCount) }
}

enum FileHandleStderr {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
