import ArgumentParser
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// `lyrica call HOST:PORT /pkg.Service/Method -d '{json}'`, like grpcurl.
struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call a method with a JSON request and print the JSON response(s).",
        discussion: """
            Streaming responses print one JSON object per line. Client-streaming methods take several \
            JSON objects in -d (concatenated or one per line).
            """)

    @OptionGroup var target: TargetOptions

    @Argument(help: "The method, /package.Service/Method.")
    var method: String

    @Option(name: [.customShort("d"), .customLong("data")], help: "Request JSON, @file, or @- for standard input. Default {}.")
    var data: String?

    @Option(help: "Output: text (pretty JSON) or json (one object per line, errors as JSON).")
    var format: OutputFormat = .text

    func run() async throws {
        try await StatusExit.run(format: self.format) {
            let entry = try MethodLookup.find(self.method)
            let client = RPCClient(endpoints: try self.target.endpoints())
            defer { Task { await client.close() } }
            let input = try JSONMessages.readInput(self.data)
            try await self.call(entry.method, client: client, input: input, request: entry.request, response: entry.response)
            await client.close()
        }
    }

    private func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, client: RPCClient, input: String, request: Request.Type, response: Response.Type
    ) async throws {
        let options = try self.target.callOptions()
        let pretty = self.format == .text
        let objects = try JSONMessages.splitObjects(input)
        let requests = try (objects.isEmpty ? ["{}"] : objects).map { try JSONMessages.decode($0, as: Request.self) }
        if !method.kind.clientStreams && requests.count > 1 {
            throw RPCError(.invalidArgument, "\(method.path) takes one request; got \(requests.count) JSON objects")
        }
        switch method.kind {
        case .unary:
            let reply: Response = try await client.unary(method, request: requests[0], options: options)
            printLine(try JSONMessages.encode(reply, pretty: pretty))
        case .serverStreaming:
            try await client.serverStreaming(method, request: requests[0], options: options) { (stream: RPCStream<Response>) in
                for try await reply in stream { printLine(try JSONMessages.encode(reply, pretty: false)) }
            }
        case .clientStreaming:
            let reply: Response = try await client.clientStreaming(method, options: options) { writer in
                try await writer.write(contentsOf: requests)
            }
            printLine(try JSONMessages.encode(reply, pretty: pretty))
        case .bidirectionalStreaming:
            try await client.bidirectionalStreaming(method, options: options, requests: { writer in
                try await writer.write(contentsOf: requests)
            }) { (stream: RPCStream<Response>) in
                for try await reply in stream { printLine(try JSONMessages.encode(reply, pretty: false)) }
            }
        }
    }
}
