import ArgumentParser

/// `lyrica`: call, list, describe and load-test any Lyrica RPC server.
@main
struct Lyrica: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lyrica",
        abstract: "Call, list, describe and load-test Lyrica RPC services; load the retrieval corpus.",
        discussion: """
            Errors print the status name and message and exit with 64 + the status code (as grpcurl does): \
            for example 69 for NOT_FOUND (5) and 78 for UNAVAILABLE (14).
            """,
        subcommands: [Call.self, ListServices.self, Describe.self, Bench.self, Ingest.self])
}
