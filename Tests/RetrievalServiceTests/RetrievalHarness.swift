import AuthService
import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import NIOCore
import PostgresNIO
import RetrievalService
import SwiftProtobuf
import Testing
import TestSupport

/// The auth and retrieval services running together (real stores, real TCP), with an admin
/// (who may write the corpus) and a reader, and the means to start more replicas of retrieval
/// on the same database.
struct RetrievalHarness: Sendable {
    let auth: AuthHarness
    let host: ServiceHost<RetrievalDefinition>
    let postgres: PostgresClient
    let databaseURL: String
    let redisURL: String
    let environment: [String: String]
    let client: RPCClient
    let adminToken: String
    let readerToken: String

    var retrieval: Lyrica_Retrieval_V1_RetrievalService.Client { .init(wrapping: self.client) }
    var admin: CallOptions { AuthHarness.bearer(self.adminToken) }
    var reader: CallOptions { AuthHarness.bearer(self.readerToken) }

    @discardableResult
    func upsert(_ configure: (inout Lyrica_Retrieval_V1_Document) -> Void) async throws -> Lyrica_Retrieval_V1_UpsertDocumentResponse {
        var document = Lyrica_Retrieval_V1_Document()
        configure(&document)
        return try await self.retrieval.upsertDocument(.with { $0.document = document }, options: self.admin)
    }

    /// Streams `documents` through AddDocuments; every progress message, the last one final.
    func add(_ documents: [Lyrica_Retrieval_V1_Document], options: CallOptions? = nil) async throws -> [Lyrica_Retrieval_V1_AddDocumentsResponse] {
        try await self.retrieval.addDocuments(options: options ?? self.admin) { writer in
            for document in documents { try await writer.write(.with { $0.document = document }) }
        } onResponses: { responses in
            var all: [Lyrica_Retrieval_V1_AddDocumentsResponse] = []
            for try await response in responses { all.append(response) }
            return all
        }
    }

    func search(
        _ text: String, k: Int32 = 5, _ configure: (inout Lyrica_Retrieval_V1_SearchRequest) -> Void = { _ in }
    ) async throws -> Lyrica_Retrieval_V1_SearchResponse {
        var request = Lyrica_Retrieval_V1_SearchRequest.with {
            $0.text = text
            $0.k = k
        }
        configure(&request)
        return try await self.retrieval.search(request, options: self.reader)
    }

    /// Another replica of retrieval on the same database and Redis, with a client for it.
    func replica<Result: Sendable>(
        environment extra: [String: String] = [:], _ body: (Lyrica_Retrieval_V1_RetrievalService.Client) async throws -> Result
    ) async throws -> Result {
        try await withServiceHost(
            RetrievalDefinition.self, databaseURL: self.databaseURL, environment: self.environment.merging(extra) { $1 }, redisURL: self.redisURL
        ) { host in
            try await withClient(host) { try await body(.init(wrapping: $0)) }
        }
    }
}

/// A document with the given words and metadata.
func document(
    _ content: String, title: String = "", externalID: String = "", genre: String = "", year: Int32 = 0, tags: [String] = []
) -> Lyrica_Retrieval_V1_Document {
    .with {
        $0.content = content
        $0.title = title
        $0.externalID = externalID
        $0.genre = genre
        $0.year = year
        $0.tags = tags
    }
}

/// Auth and one retrieval replica; `environment` adds retrieval settings.
func withRetrievalService<Result: Sendable>(
    environment: [String: String] = [:], _ body: (RetrievalHarness) async throws -> Result
) async throws -> Result {
    let redisURL = try TestServers.redisURL() + "?key_prefix=test:\(UUID().uuidString.lowercased()):"
    return try await withAuthService(redisURL: redisURL) { auth in
        var values = try await auth.environment(forService: "retrieval")
        values["INDEX_POLL_INTERVAL"] = "50ms"
        values.merge(environment) { $1 }
        let adminToken = try await auth.admin()
        let readerToken = try await auth.register().tokens.accessToken
        return try await withTestDatabase { postgres, databaseURL in
            try await withServiceHost(RetrievalDefinition.self, databaseURL: databaseURL, environment: values, redisURL: redisURL) { host in
                try await withClient(host) { client in
                    let harness = RetrievalHarness(
                        auth: auth, host: host, postgres: postgres, databaseURL: databaseURL, redisURL: redisURL, environment: values,
                        client: client, adminToken: adminToken, readerToken: readerToken)
                    try await eventually("the index has loaded") {
                        do { _ = try await harness.search("anything") } catch let error as RPCError where error.message.contains("still loading") {
                            return false
                        } catch {}
                        return true
                    }
                    return try await body(harness)
                }
            }
        }
    }
}
