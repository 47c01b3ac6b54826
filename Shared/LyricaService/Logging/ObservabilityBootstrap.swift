package import Logging
import Metrics
package import Prometheus

/// Bootstraps logging and metrics once per process. Only `main` calls it (through the service
/// command); libraries and tests never do.
package enum ObservabilityBootstrap {
    /// The registry `/metrics` serves.
    package static let registry = PrometheusCollectorRegistry()

    package static func bootstrap(level: Logger.Level, format: ServiceConfiguration.LogFormat) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: Self.registry))
    }
}
