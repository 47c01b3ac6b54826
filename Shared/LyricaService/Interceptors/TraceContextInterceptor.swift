import Atomics
package import Logging
package import LyricaRPC

/// W3C trace context: continues the caller's trace (`traceparent`) or starts one, and gives this
/// call its own span id, written back into the context's metadata, from which outgoing calls
/// copy it. Makes sure every call has an `x-request-id` (the trace id when the caller sent none).
/// Logs carry both through `ObservabilityBootstrap`'s metadata provider, which reads the current
/// call's context only when a line is actually logged: nothing is formatted per call.
package struct TraceContextInterceptor: RPCServerInterceptor {
    package init() {}

    package func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws {
        var context = context
        let incoming = context.metadata["traceparent"].flatMap(TraceParent.init)
        let traceID = incoming?.traceID ?? TraceParent.randomHex(words: 2)
        let span = TraceParent(traceID: traceID, spanID: TraceParent.randomHex(words: 1), flags: incoming?.flags ?? "01")
        context.metadata["traceparent"] = span.header
        if context.metadata["x-request-id"] == nil { context.metadata["x-request-id"] = traceID }
        try await RPCContext.$current.withValue(context) { try await next(context) }
    }

    /// What the log metadata provider adds for the current call: trace, span and request ids.
    package static func logMetadata(for context: RPCContext) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        if let span = context.metadata["traceparent"].flatMap(TraceParent.init) {
            metadata["trace_id"] = "\(span.traceID)"
            metadata["span_id"] = "\(span.spanID)"
        }
        if let requestID = context.metadata["x-request-id"] { metadata["rpc.request_id"] = "\(requestID)" }
        return metadata
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

    /// Unique ids without a syscall per call: a random per-process seed and a counter, mixed
    /// (SplitMix64). Ids need to be unique and well spread, not secret.
    private static let seed = UInt64.random(in: .min ... .max)
    private static let counter = ManagedAtomic<UInt64>(0)

    /// `words` × 64 random-looking bits as lowercase hex, never all zeros.
    static func randomHex(words: Int) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: words * 16) { buffer in
            digits.withUTF8Buffer { digits in
                for word in 0..<words {
                    var value = Self.seed &+ Self.counter.wrappingIncrementThenLoad(by: 0x9E37_79B9_7F4A_7C15, ordering: .relaxed)
                    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
                    value = (value ^ (value >> 31)) | 1
                    for nibble in 0..<16 {
                        buffer[word * 16 + nibble] = digits[Int((value >> UInt64(60 - nibble * 4)) & 0xF)]
                    }
                }
            }
            return words * 16
        }
    }

    private static func isHex(_ text: String, count: Int) -> Bool {
        text.count == count && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
