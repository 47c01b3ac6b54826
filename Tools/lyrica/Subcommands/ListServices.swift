import ArgumentParser
import Foundation
import LyricaRPC
import SwiftProtobuf

/// `lyrica list HOST:PORT`: the services a server serves (by reflection).
struct ListServices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the services a server serves, or a service's methods.")

    @OptionGroup var target: TargetOptions

    @Argument(help: "A service, to list its methods instead.")
    var service: String?

    @Option(help: "Output: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        try await StatusExit.run(format: self.format) {
            let client = RPCClient(endpoints: try self.target.endpoints())
            let reflection = Lyrica_Reflection_V1_ServerReflection.Client(wrapping: client)
            let response = try await reflection.listServices(.init(), options: try self.target.callOptions())
            await client.close()
            if let service = self.service {
                guard let info = response.services.first(where: { $0.name == service }) else {
                    throw RPCError(.notFound, "The server does not serve '\(service)'")
                }
                for method in info.methods { printLine(self.format == .json ? try JSONMessages.encode(method, pretty: false) : "\(info.name).\(method.name)") }
            } else if self.format == .json {
                printLine(try JSONMessages.encode(response, pretty: false))
            } else {
                for service in response.services { printLine(service.name) }
            }
        }
    }
}
