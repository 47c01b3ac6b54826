import ArgumentParser

/// `lyrica`: call, list, describe and load-test any Lyrica RPC server.
@main
struct Lyrica: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lyrica",
        abstract: "Write songs with Lyrica; call, list, describe and load-test its RPC services.",
        discussion: """
            For people: register, login, whoami, generate, songs, search, rate, like, history, keys, corpus \
            (signed in through a config file, mode 0600). For engineers: call, list, describe, bench, ingest. \
            Errors exit with 64 + the status code (as grpcurl does): for example 69 for NOT_FOUND (5) and 78 \
            for UNAVAILABLE (14); the CLI's own errors exit 1.
            """,
        subcommands: [
            Register.self, Login.self, Logout.self, WhoAmI.self, Generate.self, Songs.self, Search.self, Rate.self, Like.self,
            History.self, Keys.self, Corpus.self, Call.self, ListServices.self, Describe.self, Bench.self, Ingest.self,
        ])
}
