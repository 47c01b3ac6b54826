import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import LyricaRedis
import LyricaService
import SwiftProtobuf
import Testing
import TestSupport

/// Search over RPC: text and vector queries, filters during the search, caches, bad input.
@Suite(.serialized)
struct SearchTests {
    static let corpus: [Lyrica_Retrieval_V1_Document] = [
        document("The sailor rows across the stormy sea, waves crash on the boat and the salt wind howls", genre: "folk", year: 1971, tags: ["sea"]),
        document("Ocean waves and the sailor's boat, the tide pulls him far from the harbour", genre: "rock", year: 1985, tags: ["sea", "travel"]),
        document("Dancing all night in the city lights, the club is loud and the beat goes on", genre: "pop", year: 2004, tags: ["party"]),
        document("My heart is broken, tears are falling, love has gone and left me lonely", genre: "pop", year: 1999, tags: ["love"]),
        document("Snow on the mountain, cold winter wind, the fire burns low in the cabin", genre: "folk", year: 1962, tags: ["winter"]),
    ]

    @Test func aTextQueryFindsTheDocumentsAboutTheSameThings() async throws {
        try await withRetrievalService { harness in
            _ = try await harness.add(Self.corpus)
            let found = try await harness.search("a sailor on the stormy ocean waves", k: 2)
            #expect(found.results.count == 2)
            #expect(Set(found.results.map { $0.document.genre }) == ["folk", "rock"])
            #expect(found.results.allSatisfy { $0.text.contains("sailor") })
            #expect(found.results[0].score >= found.results[1].score)
            #expect(found.results[0].document.content.isEmpty)  // DOCUMENT_CONTENT was not asked for
        }
    }

    @Test func aVectorQueryFindsItsOwnChunkFirst() async throws {
        try await withRetrievalService { harness in
            _ = try await harness.add(Self.corpus)
            let withVector = try await harness.search("snow mountain winter", k: 1) { $0.include = [.embedding, .chunkText] }
            let vector = try #require(withVector.results.first?.embedding)
            #expect(vector.count == 384)
            let byVector = try await harness.retrieval.search(
                .with {
                    $0.vector = .with { $0.values = vector.map { $0 * 3 } }  // any length: normalised
                    $0.k = 3
                }, options: harness.reader)
            #expect(byVector.results.first?.chunkID == withVector.results.first?.chunkID)
            #expect(abs((byVector.results.first?.score ?? 0) - 1) < 1e-4)
        }
    }

    @Test func filtersApplyDuringTheSearch() async throws {
        try await withRetrievalService { harness in
            _ = try await harness.add(Self.corpus)
            func genres(_ filter: Lyrica_Retrieval_V1_Filter) async throws -> [String] {
                try await harness.search("sailor sea waves boat", k: 5) { $0.filter = filter }.results.map(\.document.genre)
            }
            let pop = try await genres(.with { $0.equals = .with { $0.field = "genre"; $0.value = .with { $0.text = "pop" } } })
            #expect(pop.count == 2 && pop.allSatisfy { $0 == "pop" })
            let old = try await harness.search("song", k: 5) {
                $0.filter = .with { $0.range = .with { $0.field = "year"; $0.max = 1975 } }
            }
            #expect(Set(old.results.map(\.document.year)) == [1971, 1962])
            let travel = try await harness.search("sailor", k: 5) {
                $0.filter = .with { $0.in = .with { $0.field = "tags"; $0.values = [.with { $0.text = "travel" }, .with { $0.text = "party" }] } }
            }
            #expect(Set(travel.results.map(\.document.year)) == [1985, 2004])
            let notFolk = try await genres(.with { $0.not = .with { $0.equals = .with { $0.field = "genre"; $0.value = .with { $0.text = "folk" } } } })
            #expect(notFolk.count == 3 && !notFolk.contains("folk"))
        }
    }

    @Test func answersAreCachedUntilTheCorpusChanges() async throws {
        try await withRetrievalService { harness in
            _ = try await harness.add(Self.corpus)
            #expect(try await harness.search("winter fire cabin").cached == false)
            #expect(try await harness.search("winter fire cabin").cached == true)
            try await harness.upsert { $0.content = "A winter cabin where the fire glows" }
            let after = try await harness.search("winter fire cabin")
            #expect(after.cached == false)
            #expect(after.results.contains { $0.text == "A winter cabin where the fire glows" })
        }
    }

    @Test func queryEmbeddingsAreCachedInRedis() async throws {
        try await withRetrievalService { harness in
            _ = try await harness.search("a query worth remembering")
            let keys = try await harness.host.runtime.redis.send(["KEYS", RedisArgument(harness.host.runtime.redis.key("embedding:*"))])
            #expect((keys.array?.count ?? 0) >= 1)
        }
    }

    @Test func badQueriesAnswerInvalidArgumentSayingWhatIsWrong() async throws {
        try await withRetrievalService { harness in
            let cases: [(String, (inout Lyrica_Retrieval_V1_SearchRequest) -> Void)] = [
                ("a query is required", { _ in }),
                ("query text is empty", { $0.text = "  ,  " }),
                ("query vector has 3 dimensions; this index has 384", { $0.vector = .with { $0.values = [1, 2, 3] } }),
                ("query vector holds NaN", { $0.vector = .with { $0.values = [Float.nan] + Array(repeating: 0.1, count: 383) } }),
                ("query vector is all zeros", { $0.vector = .with { $0.values = Array(repeating: 0, count: 384) } }),
                ("k must be 1 to 100", { $0.text = "x"; $0.k = 101 }),
                ("k must be 1 to 100", { $0.text = "x"; $0.k = -1 }),
                ("ef must be from k (10) to 1000", { $0.text = "x"; $0.ef = 5 }),
                ("filter field 'colour' is unknown", {
                    $0.text = "x"
                    $0.filter = .with { $0.equals = .with { $0.field = "colour"; $0.value = .with { $0.text = "red" } } }
                }),
                ("filter on year needs a number value", {
                    $0.text = "x"
                    $0.filter = .with { $0.equals = .with { $0.field = "year"; $0.value = .with { $0.text = "1999" } } }
                }),
            ]
            for (message, configure) in cases {
                var request = Lyrica_Retrieval_V1_SearchRequest()
                configure(&request)
                await expectFailure(.invalidArgument, message) { _ = try await harness.retrieval.search(request, options: harness.reader) }
            }
        }
    }

    @Test func statsReportCountsAndIndexParameters() async throws {
        try await withRetrievalService(environment: ["INDEX_EF_SEARCH": "64"]) { harness in
            _ = try await harness.add(Self.corpus)
            let stats = try await harness.retrieval.stats(.init(), options: harness.reader)
            #expect(stats.documents == 5)
            #expect(stats.chunks == 5)
            #expect(stats.indexedChunks == 5)
            #expect(stats.dimension == 384)
            #expect(stats.m == 16 && stats.efConstruction == 200 && stats.efSearch == 64)
            #expect(stats.appliedChange == stats.latestChange && stats.latestChange >= 1)
            #expect(stats.indexMemoryBytes > 5 * 384 * 4)
        }
    }
}
