package import LyricaRPC
package import CoreMetrics
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// Records `rpc.server.duration` (timer), `rpc.server.requests` (counter) by service, method and
/// status, and `rpc.server.active_requests` (meter) by service and method. Metric objects are
/// made once per method and status, not per call.
package final class MetricsInterceptor: RPCServerInterceptor {
    private struct Key: Hashable {
        let path: String
        let code: RPCError.Code
    }

    private let finished = NIOLockedValueBox([Key: (Timer, Counter)]())
    private let active = NIOLockedValueBox([String: Meter]())
    private let factory: any MetricsFactory

    /// - Parameter factory: where metrics go; default the process's `MetricsSystem`.
    package init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    package func intercept(context: RPCContext, next: (RPCContext) async throws -> Void) async throws {
        let method = context.method
        let meter = self.active.withLockedValue { meters in
            if let meter = meters[method.path] { return meter }
            let meter = Meter(
                label: "rpc.server.active_requests", dimensions: [("rpc.service", method.service), ("rpc.method", method.method)],
                factory: self.factory)
            meters[method.path] = meter
            return meter
        }
        meter.increment()
        let start = NIODeadline.now()
        var code = RPCError.Code.ok
        defer {
            meter.decrement()
            let (timer, counter) = self.metrics(for: method, code: code)
            timer.recordNanoseconds((NIODeadline.now() - start).nanoseconds)
            counter.increment()
        }
        do {
            try await next(context)
        } catch {
            let status = RPCError(mapping: error, logger: context.logger)
            code = status.code
            throw status
        }
    }

    private func metrics(for method: MethodDescriptor, code: RPCError.Code) -> (Timer, Counter) {
        self.finished.withLockedValue { metrics in
            let key = Key(path: method.path, code: code)
            if let existing = metrics[key] { return existing }
            let dimensions = [("rpc.service", method.service), ("rpc.method", method.method), ("rpc.status_code", code.name)]
            let made = (
                Timer(label: "rpc.server.duration", dimensions: dimensions, factory: self.factory),
                Counter(label: "rpc.server.requests", dimensions: dimensions, factory: self.factory)
            )
            metrics[key] = made
            return made
        }
    }
}
