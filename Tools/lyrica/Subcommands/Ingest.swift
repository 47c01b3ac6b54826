import ArgumentParser
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// `lyrica ingest HOST:PORT FILE…`: loads corpus files into the retrieval service.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load fortune or JSONL files into the retrieval corpus (AddDocuments), printing progress.",
        discussion: """
            Fortune files (entries separated by '%' lines, '-- Author' attributions) become one document each, \
            with external ids 'fortunes:<file>:<n>', so ingesting again replaces rather than duplicates. JSONL \
            files hold one lyrica.retrieval.v1.Document per line in protobuf JSON. Without files, the Debian \
            'fortunes' files songs-poems, love and literature are loaded. Needs an admin credential: --token, \
            --api-key, or LYRICA_TOKEN / LYRICA_API_KEY in the environment.
            """)

    @OptionGroup var target: TargetOptions

    @Argument(help: "Files to load; default the Debian fortunes songs-poems, love and literature.")
    var files: [String] = []

    @Option(help: "File format: auto (.jsonl/.ndjson are JSONL, others fortune), fortune or jsonl.")
    var fileFormat: CorpusFiles.Format = .auto

    @Option(help: "An access token (default: $LYRICA_TOKEN).")
    var token: String?

    @Option(help: "An API key (default: $LYRICA_API_KEY).")
    var apiKey: String?

    @Option(help: "Output: text (progress lines) or json (the final counts).")
    var format: OutputFormat = .text

    func run() async throws {
        let paths = self.files.isEmpty ? CorpusFiles.defaultFortunes : self.files
        let documents = try paths.flatMap { try CorpusFiles.documents(in: $0, format: self.fileFormat) }
        guard !documents.isEmpty else { throw ValidationError("No documents in \(paths.joined(separator: ", "))") }
        var options = try self.target.callOptions()
        let environment = ProcessInfo.processInfo.environment
        if options.metadata["authorization"] == nil {
            if let token = self.token ?? environment["LYRICA_TOKEN"], !token.isEmpty {
                options.metadata.add("authorization", "Bearer \(token)")
            } else if let key = self.apiKey ?? environment["LYRICA_API_KEY"], !key.isEmpty {
                options.metadata.add("authorization", "ApiKey \(key)")
            }
        }
        try await StatusExit.run(format: self.format) {
            let client = RPCClient(endpoints: try self.target.endpoints())
            defer { Task { await client.close() } }
            try await Self.ingest(documents, from: paths, client: client, options: options, text: self.format == .text)
            await client.close()
        }
    }

    /// Streams `documents` to AddDocuments, printing progress lines (`text`) or the final counts as JSON.
    static func ingest(_ documents: [Lyrica_Retrieval_V1_Document], from paths: [String], client: RPCClient, options: CallOptions, text: Bool) async throws {
        let retrieval = Lyrica_Retrieval_V1_RetrievalService.Client(wrapping: client)
        let total = documents.count
        let last = try await retrieval.addDocuments(options: options) { writer in
            for document in documents { try await writer.write(.with { $0.document = document }) }
        } onResponses: { responses in
            var last = Lyrica_Retrieval_V1_AddDocumentsResponse()
            for try await progress in responses {
                last = progress
                if text && !progress.done { printLine("committed \(progress.committed)/\(total) documents") }
            }
            return last
        }
        if text {
            printLine(
                "Ingested \(last.committed) documents from \(paths.count) file(s): \(last.created) new, \(last.replaced) replaced, "
                    + "\(last.unchanged) unchanged; \(last.chunks) chunks embedded.")
        } else {
            printLine(try JSONMessages.encode(last, pretty: false))
        }
    }
}
