package import Logging
import LyricaRPC
import Metrics
package import Prometheus

/// Bootstraps logging and metrics once per process. Only `main` calls it (through the service
/// command); libraries and tests never do.
package enum ObservabilityBootstrap {
    /// The registry `/metrics` serves.
    package static let registry = PrometheusCollectorRegistry()

    package static func bootstrap(level: Logger.Level, format: ServiceConfiguration.LogFormat) {
        // Trace, span and request ids of the call being served, read only when a line is logged.
        let provider = Logger.MetadataProvider {
            RPCContext.current.map(TraceContextInterceptor.logMetadata(for:)) ?? [:]
        }
        LoggingSystem.bootstrap({ label, provider in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label, metadataProvider: provider)
            case .json: JSONLogHandler(label: label, metadataProvider: provider)
            }
            handler.logLevel = level
            return handler
        }, metadataProvider: provider)
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: Self.registry))
    }
}
