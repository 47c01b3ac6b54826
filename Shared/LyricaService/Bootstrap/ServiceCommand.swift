package import ArgumentParser
import Foundation
package import Logging
import LyricaPostgres
import LyricaRPC
package import PostgresNIO

/// `lyrica-<name> [serve] | migrate [status] | healthcheck`: the command every service executable
/// is. Configuration comes from the environment (see `ServiceConfiguration`); flags override it.
package struct ServiceCommand<Definition: LyricaServiceDefinition>: AsyncParsableCommand {
    package static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "lyrica-\(Definition.name)",
            abstract: "The Lyrica \(Definition.name) service.",
            subcommands: [ServeCommand<Definition>.self, MigrateCommand<Definition>.self, HealthcheckCommand<Definition>.self]
                + Definition.commands,
            defaultSubcommand: ServeCommand<Definition>.self)
    }

    package init() {}
}

/// Flags shared by the subcommands.
package struct ServiceOptions: ParsableArguments {
    @Option(help: "RPC address (overrides RPC_HOST).") var host: String?
    @Option(help: "RPC port (overrides RPC_PORT; 0 picks one).") var port: Int?
    @Option(help: "Admin HTTP port for /metrics, /healthz, /readyz (overrides ADMIN_PORT; 0 picks one).") var adminPort: Int?
    @Option(help: "Log level (overrides LOG_LEVEL): trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    package init() {}

    package func configuration<Definition: LyricaServiceDefinition>(for: Definition.Type) throws -> ServiceConfiguration {
        var environment = Environment()
        if let host = self.host { environment.values["RPC_HOST"] = host }
        if let port = self.port { environment.values["RPC_PORT"] = String(port) }
        if let adminPort = self.adminPort { environment.values["ADMIN_PORT"] = String(adminPort) }
        if let logLevel = self.logLevel { environment.values["LOG_LEVEL"] = logLevel }
        do {
            return try ServiceConfiguration(
                name: Definition.name, rpcPort: Definition.defaultRPCPort, adminPort: Definition.defaultAdminPort, environment: environment)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// Runs a one-off task (migrate, key rotation) with the service's PostgreSQL client.
    package func withPostgres<Definition: LyricaServiceDefinition>(
        for definition: Definition.Type, task: String, _ body: (PostgresClient, Logger) async throws -> Void
    ) async throws {
        let configuration = try self.configuration(for: Definition.self)
        ObservabilityBootstrap.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        let logger = Logger(label: "lyrica.\(Definition.name).\(task)")
        let client = PostgresClient(configuration: try PostgresClient.Configuration(databaseURL: configuration.databaseURL), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client, logger)
        }
    }
}

package struct ServeCommand<Definition: LyricaServiceDefinition>: AsyncParsableCommand {
    package static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "serve", abstract: "Migrate (unless MIGRATE_ON_START=false) and serve until SIGTERM.")
    }

    @OptionGroup var options: ServiceOptions

    package init() {}

    package func run() async throws {
        let configuration = try self.options.configuration(for: Definition.self)
        ObservabilityBootstrap.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        let logger = Logger(label: "lyrica.\(Definition.name)")
        do {
            try await ServiceHost<Definition>(configuration: configuration, logger: logger).run()
        } catch {
            // Say why in the log too (a failed migration, a port in use), then exit non-zero.
            logger.critical("Stopped: \(error)")
            throw error
        }
    }
}

package struct MigrateCommand<Definition: LyricaServiceDefinition>: AsyncParsableCommand {
    package static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "migrate", abstract: "Apply pending migrations, or with 'status' list them.")
    }

    @Argument(help: "'status' to list migrations instead of applying them.") var action: String?
    @OptionGroup var options: ServiceOptions

    package init() {}

    package func validate() throws {
        if let action, action != "status" { throw ValidationError("Unknown action '\(action)'; use 'migrate' or 'migrate status'") }
    }

    package func run() async throws {
        guard Definition.usesPostgres else {
            print("\(Definition.name) has no database: nothing to migrate")
            return
        }
        try await self.options.withPostgres(for: Definition.self, task: "migrate") { client, logger in
            if self.action == "status" {
                let runner = try MigrationRunner(client: client, schema: Definition.name, migrations: try Definition.migrations())
                for status in try await runner.status(logger: logger) {
                    let state = status.appliedAt.map { "applied \($0)" } ?? "pending"
                    print(String(format: "%04d  %@  %@%@", status.version, status.name, state, status.checksumMatches ? "" : "  (EDITED since applied)"))
                }
            } else {
                try await ServiceHost<Definition>.migrate(postgres: client, logger: logger)
                print("\(Definition.name): migrations are up to date")
            }
        }
    }
}

package struct HealthcheckCommand<Definition: LyricaServiceDefinition>: AsyncParsableCommand {
    package static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "healthcheck", abstract: "Exit 0 if the running service reports SERVING, else 1 (for probes).")
    }

    @OptionGroup var options: ServiceOptions
    @Option(help: "Seconds to wait for an answer.") var timeout: Double = 2

    package init() {}

    package func run() async throws {
        let configuration = try self.options.configuration(for: Definition.self)
        let host = configuration.server.host == "0.0.0.0" ? "127.0.0.1" : configuration.server.host
        let client = RPCClient(endpoints: [Endpoint(host: host, port: configuration.server.port)])
        defer { Task { await client.close() } }
        do {
            let response = try await Lyrica_Health_V1_Health.Client(wrapping: client).check(
                .init(), options: CallOptions(timeout: .nanoseconds(Int64(self.timeout * 1e9))))
            print(response.status == .serving ? "SERVING" : "\(response.status)")
            await client.close()
            if response.status != .serving { throw ExitCode(1) }
        } catch let error as RPCError {
            print("UNHEALTHY: \(error.code.name): \(error.message)")
            await client.close()
            throw ExitCode(1)
        }
    }
}
