import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import NIOCore
import SwiftProtobuf
import Testing
import TestSupport

/// `lyrica ingest` as an operator runs it: real executable, real service over TCP.
@Suite(.serialized)
struct IngestCommandTests {
    static let fortunes = """
        The river bends beneath the mill,
        the wheel turns slow and then is still.
        \t\t-- Ada Miller, 1921
        %
        Roses climb the garden wall
        \t\t-- Anonymous
        %

        """

    @Test func ingestLoadsFortuneAndJSONLFilesAndRerunsReplaceNothing() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lyrica-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fortune = folder.appendingPathComponent("poems")
        try Self.fortunes.write(to: fortune, atomically: true, encoding: .utf8)
        let jsonl = folder.appendingPathComponent("extra.jsonl")
        try #"{"externalId": "extra:1", "content": "Thunder rolls over the prairie", "genre": "country", "year": 1994}"#
            .write(to: jsonl, atomically: true, encoding: .utf8)
        try await withRetrievalService { harness in
            let target = "127.0.0.1:\(try await harness.host.server.listeningAddress.port!)"
            let arguments = ["ingest", target, fortune.path, jsonl.path, "--format", "json"]
            let first = try await CLIProcess.run(arguments, environment: ["LYRICA_TOKEN": harness.adminToken])
            #expect(first.status == 0, "\(first.stderr)")
            let counts = try Lyrica_Retrieval_V1_AddDocumentsResponse(jsonString: first.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(counts.committed == 3 && counts.created == 3 && counts.done)

            let found = try await harness.search("river mill wheel", k: 1)
            let mill = try #require(found.results.first?.document)
            #expect(mill.externalID == "fortunes:poems:1")
            #expect(mill.artist == "Ada Miller")
            #expect(mill.year == 1921)
            #expect(mill.source == "fortunes:poems")
            #expect(mill.customMetadata.fields["attribution"]?.stringValue == "Ada Miller, 1921")
            #expect(!mill.content.contains("--"))

            let again = try await CLIProcess.run(arguments, environment: ["LYRICA_TOKEN": harness.adminToken])
            let rerun = try Lyrica_Retrieval_V1_AddDocumentsResponse(jsonString: again.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(rerun.unchanged == 3 && rerun.created == 0)
        }
    }

    @Test func ingestWithoutAdminRightsExitsWithPermissionDenied() async throws {
        try await withRetrievalService { harness in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("lyrica-ingest-\(UUID().uuidString).jsonl")
            try #"{"content": "words"}"#.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let target = "127.0.0.1:\(try await harness.host.server.listeningAddress.port!)"
            let result = try await CLIProcess.run(["ingest", target, file.path], environment: ["LYRICA_TOKEN": harness.readerToken])
            #expect(result.status == 64 + 7)
            #expect(result.stderr.contains("needs the 'admin' scope"))
        }
    }
}
