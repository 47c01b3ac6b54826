import ArgumentParser
import EchoService
import LyricaRPC
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `lyrica-echo`: serves the Echo test service (with Health and Reflection) until SIGTERM/SIGINT.
@main
struct EchoServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lyrica-echo", abstract: "Serve lyrica.echo.v1.EchoService for tests and benchmarks.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one and prints it).") var port = 7100
    @Option(help: "Seconds in-flight calls get to finish on shutdown.") var gracePeriod = 10
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        var logger = Logger(label: "lyrica-echo")
        guard let level = Logger.Level(rawValue: self.logLevel) else {
            throw ValidationError("'\(self.logLevel)' is not a log level; use trace, debug, info, notice, warning, error or critical")
        }
        logger.logLevel = level
        let configuration = RPCServer.Configuration.defaults {
            $0.host = self.host
            $0.port = self.port
            $0.shutdownGracePeriod = .seconds(Int64(self.gracePeriod))
        }
        let server = RPCServer(configuration: configuration, services: [EchoService()], logger: logger)
        let group = ServiceGroup(
            services: [server], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        try await group.run()
    }
}
