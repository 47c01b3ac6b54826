import Foundation
import Logging
package import LyricaRPC

/// W3C trace context: continues the caller's trace (`traceparent`) or starts one, gives this call
/// its own span id, and puts both in the logger and back into the context's metadata, from which
/// outgoing calls copy them. Also makes sure every call has an `x-request-id`, echoed to the caller.
package struct TraceContextInterceptor: RPCServerInterceptor {
    package init() {}

    package func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws {
        var context = context
        let incoming = context.metadata["traceparent"].flatMap(TraceParent.init)
        let span = TraceParent(traceID: incoming?.traceID ?? TraceParent.randomHex(bytes: 16), spanID: TraceParent.randomHex(bytes: 8), flags: incoming?.flags ?? "01")
        context.metadata["traceparent"] = span.header
        context.logger[metadataKey: "trace_id"] = "\(span.traceID)"
        context.logger[metadataKey: "span_id"] = "\(span.spanID)"
        let requestID = context.metadata["x-request-id"] ?? UUID().uuidString.lowercased()
        context.metadata["x-request-id"] = requestID
        context.logger[metadataKey: "rpc.request_id"] = "\(requestID)"
        context.response.headers["x-request-id"] = requestID
        try await next(context)
    }
}

/// `traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
package struct TraceParent: Sendable, Equatable {
    package let traceID: String
    package let spanID: String
    package let flags: String

    package init(traceID: String, spanID: String, flags: String) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
    }

    /// Parses a header; nil if malformed (then a new trace starts, as the spec says).
    package init?(_ header: String) {
        let parts = header.split(separator: "-").map(String.init)
        guard parts.count == 4, parts[0] == "00", Self.isHex(parts[1], count: 32), Self.isHex(parts[2], count: 16), Self.isHex(parts[3], count: 2),
            parts[1] != String(repeating: "0", count: 32), parts[2] != String(repeating: "0", count: 16)
        else { return nil }
        self.init(traceID: parts[1], spanID: parts[2], flags: parts[3])
    }

    package var header: String { "00-\(self.traceID)-\(self.spanID)-\(self.flags)" }

    /// `bytes` random bytes as lowercase hex (a multiple of 8 bytes: trace and span ids).
    static func randomHex(bytes: Int) -> String {
        var hex = ""
        hex.reserveCapacity(bytes * 2)
        for _ in 0..<max(bytes / 8, 1) {
            let word = String(UInt64.random(in: 1...UInt64.max), radix: 16)
            hex += String(repeating: "0", count: 16 - word.count) + word
        }
        return hex
    }

    private static func isHex(_ text: String, count: Int) -> Bool {
        text.count == count && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
