import Foundation
import Histogram
import LyricaRPC
import NIOCore

/// The numbers `lyrica bench` prints.
struct BenchReport {
    let method: String
    let result: BenchResult
    let concurrency: Int
    let connections: Int
    let rps: Double?
    var clientSwitchesPerCall: Double?
    var serverSwitchesPerCall: Double?

    init(method: String, result: BenchResult, concurrency: Int, connections: Int, rps: Double?) {
        self.method = method
        self.result = result
        self.concurrency = concurrency
        self.connections = connections
        self.rps = rps
    }

    private var seconds: Double { Double(self.result.elapsed.nanoseconds) / 1e9 }
    private var throughput: Double { Double(self.result.calls) / max(self.seconds, 1e-9) }

    private func percentile(_ p: Double) -> Double {
        Double(self.result.stats.histogram.valueAtPercentile(p)) / 1000  // µs
    }

    private var statusCounts: [(String, Int)] {
        self.result.stats.statusCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.name, $0.value) }
    }

    private var firstErrors: [(String, String)] {
        self.result.stats.firstErrors.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.name, $0.value) }
    }

    func text() -> String {
        let histogram = self.result.stats.histogram
        var lines = [
            "Summary:",
            "  Method:       \(self.method)",
            "  Load:         \(self.rps.map { String(format: "open loop at %.0f calls/s", $0) } ?? "closed loop"), concurrency \(self.concurrency), connections \(self.connections)",
            "  Calls:        \(self.result.calls)",
            String(format: "  Duration:     %.2f s", self.seconds),
            String(format: "  Throughput:   %.0f calls/s", self.throughput),
        ]
        if self.result.stats.messages != self.result.calls {
            lines.append(String(format: "  Messages:     %d (%.0f/s)", self.result.stats.messages, Double(self.result.stats.messages) / max(self.seconds, 1e-9)))
        }
        lines += [
            "",
            "Latency (µs):",
            String(format: "  avg %.1f  min %.1f  max %.1f", histogram.mean / 1000, Double(histogram.min) / 1000, Double(histogram.max) / 1000),
            String(format: "  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f", self.percentile(50), self.percentile(90), self.percentile(99), self.percentile(99.9)),
            "",
            "Status codes:",
        ]
        lines += self.statusCounts.map { "  \($0.0): \($0.1)" }
        if !self.firstErrors.isEmpty {
            lines += ["", "First error per status:"] + self.firstErrors.map { "  \($0.0): \($0.1)" }
        }
        if let client = self.clientSwitchesPerCall {
            lines += ["", String(format: "Context switches per call: client %.2f", client) + (self.serverSwitchesPerCall.map { String(format: ", server %.2f", $0) } ?? "")]
        }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        var object: [String: Any] = [
            "method": self.method,
            "concurrency": self.concurrency,
            "connections": self.connections,
            "calls": self.result.calls,
            "messages": self.result.stats.messages,
            "durationSeconds": self.seconds,
            "callsPerSecond": self.throughput,
            "latencyMicros": [
                "avg": self.result.stats.histogram.mean / 1000,
                "p50": self.percentile(50), "p90": self.percentile(90), "p99": self.percentile(99), "p999": self.percentile(99.9),
                "max": Double(self.result.stats.histogram.max) / 1000,
            ],
            "statusCodes": Dictionary(uniqueKeysWithValues: self.statusCounts),
            "firstErrors": Dictionary(uniqueKeysWithValues: self.firstErrors),
        ]
        if let rps = self.rps { object["rps"] = rps }
        if let client = self.clientSwitchesPerCall { object["clientContextSwitchesPerCall"] = client }
        if let server = self.serverSwitchesPerCall { object["serverContextSwitchesPerCall"] = server }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
