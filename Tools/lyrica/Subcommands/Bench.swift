import ArgumentParser
import Atomics
import Foundation
import Histogram
import LyricaProtos
import LyricaRPC
import NIOCore
import NIOPosix
import SwiftProtobuf

/// `lyrica bench`: a load tester in the spirit of ghz.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test a method: throughput, latency percentiles and a count per status code.",
        discussion: """
            Closed loop by default: each of --concurrency workers sends its next call when the last \
            one ends. With --rps the load is open loop: calls are scheduled at a fixed rate and \
            latency counts from each call's scheduled time, so a stalled server cannot hide its \
            queueing (no coordinated omission). Streaming methods count one stream as one call; \
            client and bidi streams send --stream-messages requests each.
            """)

    @OptionGroup var target: TargetOptions

    @Argument(help: "The method, /package.Service/Method.")
    var method: String

    @Option(
        name: [.customShort("d"), .customLong("data")],
        help: "Request JSON or @file. Default {}. Several objects ({..}{..} or one per line) are sent in turn, one per message.")
    var data: String?

    @Option(name: [.customShort("c"), .long], help: "Calls in flight at once.")
    var concurrency = 50

    @Option(help: "Connections, shared round-robin by the workers.")
    var connections = 1

    @Option(name: [.customShort("z"), .long], help: "How long to run, e.g. 10s, 500ms, 1m. Default 10s unless --total.")
    var duration: String?

    @Option(name: [.customShort("n"), .long], help: "Stop after this many calls.")
    var total: Int?

    @Option(help: "Open-loop rate: calls scheduled per second in all.")
    var rps: Double?

    @Option(help: "Requests per client- or bidi-streaming call.")
    var streamMessages = 10

    @Option(help: "Warm-up before measuring, e.g. 1s. Default none.")
    var warmup: String = "0s"

    @Option(help: "PID of the server, to report its context switches per call (Linux).")
    var serverPid: Int32?

    @Option(help: "Output: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard self.concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard self.connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard self.streamMessages >= 1 else { throw ValidationError("--stream-messages must be at least 1") }
        if let rps = self.rps, rps <= 0 { throw ValidationError("--rps must be positive") }
        if let total = self.total, total < 1 { throw ValidationError("--total must be at least 1") }
        _ = try Self.parseDuration(self.duration ?? "10s")
        _ = try Self.parseDuration(self.warmup)
    }

    func run() async throws {
        try await StatusExit.run(format: self.format) {
            let entry = try MethodLookup.find(self.method)
            let input = try JSONMessages.readInput(self.data)
            let plan = try self.makePlan(entry.request, input: input, method: entry.method)
            let endpoints = try self.target.endpoints()
            let loops = MultiThreadedEventLoopGroup.singleton
            let clients = (0..<self.connections).map { _ in
                RPCClient(endpoints: endpoints, eventLoopGroup: loops.next())
            }
            let runner = BenchRunner(
                plan: plan, clients: clients, concurrency: self.concurrency, callOptions: try self.target.callOptions(),
                rps: self.rps)
            // Connect every client first, so connecting is not measured; no call is made that
            // the report would not count (benchmarking a write, every write shows in it).
            for client in clients { try await client.connect() }
            let warmup = try Self.parseDuration(self.warmup)
            if warmup > .zero { _ = await runner.run(limit: .time(warmup), progress: false) }

            let duration = try Self.parseDuration(self.duration ?? "10s")
            let limit: BenchRunner.Limit = self.total.map { .count($0) } ?? .time(duration)
            let before = ProcessCounters.read(pid: getpid())
            let serverBefore = self.serverPid.flatMap { ProcessCounters.read(pid: $0) }
            let result = await runner.run(limit: limit, progress: isatty(2) == 1)
            let after = ProcessCounters.read(pid: getpid())
            let serverAfter = self.serverPid.flatMap { ProcessCounters.read(pid: $0) }
            for client in clients { await client.close() }

            var report = BenchReport(method: entry.method.path, result: result, concurrency: self.concurrency, connections: self.connections, rps: self.rps)
            if let before, let after { report.clientSwitchesPerCall = after.switchesPerCall(since: before, calls: result.calls) }
            if let serverBefore, let serverAfter { report.serverSwitchesPerCall = serverAfter.switchesPerCall(since: serverBefore, calls: result.calls) }
            printLine(self.format == .json ? report.json() : report.text())
        }
    }

    private func makePlan<Request: SwiftProtobuf.Message>(_ type: Request.Type, input: String, method: MethodDescriptor) throws -> BenchPlan {
        let objects = try JSONMessages.splitObjects(input)
        let bodies: [ByteBuffer] = try (objects.isEmpty ? ["{}"] : objects).map {
            try JSONMessages.decode($0, as: Request.self).serializedBytes()
        }
        return BenchPlan(method: method, requestBodies: bodies, streamMessages: self.streamMessages)
    }

    static func parseDuration(_ text: String) throws -> TimeAmount {
        let units: [(String, Double)] = [("ms", 1e6), ("us", 1e3), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0 { return .nanoseconds(Int64(value * scale)) }
        }
        throw ValidationError("'\(text)' is not a duration like 10s, 500ms or 1m")
    }
}

/// What the calls send: the request messages in turn (one, or several to vary the load, e.g.
/// a like then an unlike so every write changes something).
struct BenchPlan: Sendable {
    let method: MethodDescriptor
    let requestBodies: [ByteBuffer]
    let streamMessages: Int
    private let sent = ManagedAtomic<Int>(0)

    init(method: MethodDescriptor, requestBodies: [ByteBuffer], streamMessages: Int) {
        precondition(!requestBodies.isEmpty, "a bench needs a request")
        self.method = method
        self.requestBodies = requestBodies
        self.streamMessages = streamMessages
    }

    /// The next request message, round robin across every worker.
    func nextBody() -> ByteBuffer {
        guard self.requestBodies.count > 1 else { return self.requestBodies[0] }
        return self.requestBodies[self.sent.loadThenWrappingIncrement(ordering: .relaxed) % self.requestBodies.count]
    }
}

/// Voluntary and involuntary context switches of a process, from /proc.
struct ProcessCounters {
    var voluntary: Int
    var involuntary: Int

    /// Sums over every thread of the process (`/proc/PID/task/*/status`).
    static func read(pid: Int32) -> ProcessCounters? {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var total = ProcessCounters(voluntary: 0, involuntary: 0)
        for thread in threads {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":")
                guard parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
                if parts[0] == "voluntary_ctxt_switches" { total.voluntary += value }
                if parts[0] == "nonvoluntary_ctxt_switches" { total.involuntary += value }
            }
        }
        return total
    }

    func switchesPerCall(since before: ProcessCounters, calls: Int) -> Double {
        guard calls > 0 else { return 0 }
        return Double(self.voluntary - before.voluntary + self.involuntary - before.involuntary) / Double(calls)
    }
}
