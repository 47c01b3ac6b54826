import ArgumentParser
import Foundation
import LyricaRPC
import SwiftProtobuf

/// `lyrica describe HOST:PORT SERVICE[/METHOD]`: a service's methods, or a method's messages, by reflection.
struct Describe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a service (its methods) or a method or message (its fields), from the server's descriptors.")

    @OptionGroup var target: TargetOptions

    @Argument(help: "A service (pkg.Service), a method (pkg.Service/Method or pkg.Service.Method) or a message.")
    var symbol: String

    @Option(help: "Output: text (proto-like) or json (descriptor).")
    var format: OutputFormat = .text

    func run() async throws {
        try await StatusExit.run(format: self.format) {
            let client = RPCClient(endpoints: try self.target.endpoints())
            let reflection = Lyrica_Reflection_V1_ServerReflection.Client(wrapping: client)
            let options = try self.target.callOptions()
            var symbol = self.symbol.hasPrefix("/") ? String(self.symbol.dropFirst()) : self.symbol
            var methodName: String?
            if let slash = symbol.firstIndex(of: "/") {
                methodName = String(symbol[symbol.index(after: slash)...])
                symbol = String(symbol[..<slash])
            }
            var response: Lyrica_Reflection_V1_FileDescriptorSetResponse
            do {
                response = try await reflection.fileDescriptorSet(.with { $0.symbol = symbol }, options: options)
            } catch let error as RPCError where error.code == .notFound && methodName == nil && symbol.contains(".") {
                // pkg.Service.Method
                let dot = symbol.lastIndex(of: ".")!
                methodName = String(symbol[symbol.index(after: dot)...])
                symbol = String(symbol[..<dot])
                response = try await reflection.fileDescriptorSet(.with { $0.symbol = symbol }, options: options)
            }
            await client.close()
            let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: response.fileDescriptorSet)
            let describer = DescriptorText(set: set)
            if let methodName {
                guard let text = describer.method(service: symbol, method: methodName, json: self.format == .json) else {
                    throw RPCError(.notFound, "\(symbol) has no method \(methodName)")
                }
                printLine(text)
            } else if let text = describer.symbol(symbol, json: self.format == .json) {
                printLine(text)
            } else {
                throw RPCError(.notFound, "No service or message named \(symbol)")
            }
        }
    }
}
