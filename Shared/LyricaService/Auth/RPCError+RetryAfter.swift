package import LyricaRPC
import SwiftProtobuf

extension RPCError {
    /// RESOURCE_EXHAUSTED with a retry hint three ways: in the message for people, as the
    /// `retry-after` trailer (whole seconds, as HTTP writes it) for scripts, and as a
    /// `google.rpc.RetryInfo` detail for gRPC-minded clients.
    package static func resourceExhausted(_ message: String, retryAfter: Duration) -> RPCError {
        let seconds = max(1, Int((retryAfter.seconds).rounded(.up)))
        var delay = Google_Protobuf_Duration()
        delay.seconds = Int64(seconds)
        // RetryInfo { google.protobuf.Duration retry_delay = 1; }: one length-delimited field.
        let encodedDelay: [UInt8] = (try? delay.serializedBytes()) ?? []
        let retryInfo: [UInt8] = [0x0A, UInt8(encodedDelay.count)] + encodedDelay
        return RPCError(
            .resourceExhausted, "\(message); try again in \(seconds) s",
            details: [StatusDetail(typeURL: "type.googleapis.com/google.rpc.RetryInfo", value: retryInfo)],
            trailingMetadata: ["retry-after": String(seconds)])
    }
}
