import ArgumentParser
import Foundation
import LyricaProtos
import LyricaRPC

/// `lyrica corpus ingest [FILE…]`: `lyrica ingest` as the signed-in user (an admin).
struct Corpus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Curate the retrieval corpus.", subcommands: [CorpusIngest.self])
}

struct CorpusIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load fortune or JSONL files into the corpus (default: the Debian fortunes songs-poems, love, literature); needs the admin scope.")

    @OptionGroup var session: SessionOptions
    @Argument(help: "Files to load.") var files: [String] = []
    @Option(help: "File format: auto, fortune or jsonl.") var fileFormat: CorpusFiles.Format = .auto

    func run() async throws {
        var sessionOptions = self.session
        if sessionOptions.timeout == 30 { sessionOptions.timeout = 3600 }
        try await Session.run(sessionOptions) { session in
            let paths = self.files.isEmpty ? CorpusFiles.defaultFortunes : self.files
            let documents = try paths.flatMap { try CorpusFiles.documents(in: $0, format: self.fileFormat) }
            guard !documents.isEmpty else { throw CLIError("No documents in \(paths.joined(separator: ", "))") }
            let options = try await session.signedIn()
            try await session.call("retrieval") { client in
                try await Ingest.ingest(documents, from: paths, client: client, options: options, text: !session.options.json)
            }
        }
    }
}
