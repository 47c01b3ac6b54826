import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import Logging
import RetrievalService
import SwiftProtobuf
import Testing
import TestSupport
import VectorIndex

/// PostgreSQL is the source of truth: replicas converge on it, and a restarted replica catches
/// up with what it missed, from a snapshot or from nothing.
@Suite(.serialized)
struct IndexFollowingTests {
    @Test func aSecondReplicaSeesWritesMadeOnTheFirst() async throws {
        try await withRetrievalService { harness in
            try await harness.replica { other in
                let created = try await harness.upsert { $0.content = "Copper kettles whistle in the morning kitchen" }
                try await eventually("the other replica finds the new document") {
                    let found = try await other.search(.with { $0.text = "copper kettles kitchen" }, options: harness.reader)
                    return found.results.first?.documentID == created.document.id
                }
                _ = try await harness.retrieval.deleteDocument(.with { $0.id = created.document.id }, options: harness.admin)
                try await eventually("the other replica forgets the deleted document") {
                    try await other.search(.with { $0.text = "copper kettles kitchen" }, options: harness.reader).results.isEmpty
                }
                let stats = try await other.stats(.init(), options: harness.reader)
                #expect(stats.appliedChange == stats.latestChange)
                #expect(stats.indexedChunks == 0)
            }
        }
    }

    @Test func aRestartedReplicaCatchesUpWithWritesItMissed() async throws {
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("lyrica-test-\(UUID().uuidString).hnsw")
        defer { try? FileManager.default.removeItem(at: snapshot) }
        try await withRetrievalService { harness in
            let environment = ["INDEX_SNAPSHOT_PATH": snapshot.path]
            var kept: Lyrica_Retrieval_V1_Document!
            var removed: Lyrica_Retrieval_V1_Document!
            try await harness.replica(environment: environment) { first in
                kept = try await first.upsertDocument(
                    .with { $0.document = document("Amber fields of barley in the evening") }, options: harness.admin
                ).document
                removed = try await first.upsertDocument(
                    .with { $0.document = document("Violet neon signs above the station") }, options: harness.admin
                ).document
            }
            // Stopped: it wrote its snapshot. Meanwhile the corpus changes through another replica.
            #expect(FileManager.default.fileExists(atPath: snapshot.path))
            let missed = try await harness.upsert { $0.content = "Granite cliffs where the falcons nest" }
            _ = try await harness.retrieval.deleteDocument(.with { $0.id = removed.id }, options: harness.admin)
            try await harness.replica(environment: environment) { restarted in
                try await eventually("the restarted replica has loaded") {
                    (try? await restarted.search(.with { $0.text = "anything" }, options: harness.reader)) != nil
                }
                let stats = try await restarted.stats(.init(), options: harness.reader)
                #expect(stats.indexedChunks == stats.chunks)
                #expect(stats.indexedChunks == 2)
                func top(_ text: String) async throws -> String? {
                    try await restarted.search(.with { $0.text = text; $0.k = 1 }, options: harness.reader).results.first?.documentID
                }
                #expect(try await top("granite cliffs falcons") == missed.document.id)
                #expect(try await top("amber barley fields") == kept.id)
                #expect(try await top("violet neon station") != removed.id)
            }
        }
    }

    @Test func aSnapshotOfOtherIndexSettingsIsSetAside() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lyrica-test-\(UUID().uuidString).hnsw")
        defer { try? FileManager.default.removeItem(at: url) }
        var parameters = HNSWIndex.Parameters()
        let index = HNSWIndex(dimension: 4, parameters: parameters)
        index.upsert(UUID(), vector: [1, 0, 0, 0])
        try index.write(to: url)
        let logger = Logger(label: "test")
        #expect(IndexFollower.restore(from: url, dimension: 4, parameters: parameters, logger: logger).count == 1)
        parameters.m = 32
        #expect(IndexFollower.restore(from: url, dimension: 4, parameters: parameters, logger: logger).count == 0)
        #expect(IndexFollower.restore(from: url, dimension: 8, parameters: HNSWIndex.Parameters(), logger: logger).count == 0)
    }

    @Test func everyRetrievalMethodHasAnAccessRule() {
        #expect(AuthPolicy.retrieval.uncovered(Lyrica_Retrieval_V1_RetrievalService.Method.all).isEmpty)
    }
}
