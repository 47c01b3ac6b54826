import Foundation
package import LyricaRPC
import Logging
import NIOCore

/// Logs every call's outcome with its duration: `debug` for OK, `info` for failures the caller
/// caused, `warning` for failures on our side (INTERNAL, UNAVAILABLE, DATA_LOSS, UNKNOWN).
package struct RequestLoggingInterceptor: RPCServerInterceptor {
    package init() {}

    package func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws {
        let start = NIODeadline.now()
        do {
            try await next(context)
            context.logger.debug("Call finished", metadata: ["rpc.status_code": "OK", "rpc.duration_ms": "\(Self.milliseconds(since: start))"])
        } catch {
            let status = RPCError(mapping: error, logger: context.logger)
            let serverSide: Set<RPCError.Code> = [.internalError, .unavailable, .dataLoss, .unknown]
            var metadata: Logger.Metadata = [
                "rpc.status_code": "\(status.code.name)", "rpc.status_message": "\(status.message)",
                "rpc.duration_ms": "\(Self.milliseconds(since: start))",
            ]
            // The cause never reaches the caller; the operator needs it.
            if let cause = status.cause { metadata["error"] = "\(String(reflecting: cause))" }
            context.logger.log(level: serverSide.contains(status.code) ? .warning : .info, "Call failed", metadata: metadata)
            throw status
        }
    }

    private static func milliseconds(since start: NIODeadline) -> String {
        String(format: "%.3f", Double((NIODeadline.now() - start).nanoseconds) / 1e6)
    }
}
