import AuthTestSupport
import Foundation
import LyricaProtos
import LyricaRPC
import PostgresNIO
import SwiftProtobuf
import Testing
import TestSupport

/// Writing and reading the corpus over RPC, against real PostgreSQL and Redis.
@Suite(.serialized)
struct DocumentTests {
    static let harbour = "Lanterns swing above the harbour\nboats come home across the tide\n\nGulls are crying on the water\nnets are drying side by side"

    @Test func upsertCreatesADocumentSplitIntoOrderedChunks() async throws {
        try await withRetrievalService { harness in
            let paragraphs = (0..<12).map { index in (0..<60).map { "word\(index)x\($0)" }.joined(separator: " ") }
            let created = try await harness.upsert {
                $0.content = paragraphs.joined(separator: "\n\n")
                $0.title = "Long"
                $0.genre = "Folk"
                $0.tags = ["Sea", "sea", "night"]
            }
            #expect(created.created)
            #expect(created.document.wordCount == 720)
            #expect(created.document.genre == "folk")
            #expect(created.document.tags == ["sea", "night"])
            #expect(created.document.embeddingSpace == "lyrica-hashing-v1-384")
            let read = try await harness.retrieval.getDocument(
                .with {
                    $0.id = created.document.id
                    $0.includeChunks = true
                }, options: harness.reader)
            #expect(read.chunks.count == Int(created.document.chunkCount))
            #expect(read.chunks.count >= 2)
            #expect(read.chunks.map(\.chunkIndex) == Array(0..<Int32(read.chunks.count)))
            #expect(read.chunks.allSatisfy { $0.tokenCount <= 512 })
            // 50 words of overlap: the second chunk starts with the first chunk's last words.
            let firstWords = read.chunks[0].text.split(whereSeparator: \.isWhitespace)
            #expect(read.chunks[1].text.hasPrefix(firstWords.suffix(50).joined(separator: " ")))
        }
    }

    @Test func writingAKnownExternalIDReplacesTheDocumentAndItsChunks() async throws {
        try await withRetrievalService { harness in
            let first = try await harness.upsert {
                $0.externalID = "poems:harbour"
                $0.content = Self.harbour
            }
            let second = try await harness.upsert {
                $0.externalID = "poems:harbour"
                $0.content = "Desert highways under burning stars\nengines humming through the dust"
            }
            #expect(!second.created)
            #expect(second.document.id == first.document.id)
            let found = try await harness.search("lanterns harbour gulls nets")
            #expect(!found.results.contains { $0.text.contains("Lanterns") })
            let desert = try await harness.search("desert highways engines dust")
            #expect(desert.results.first?.documentID == first.document.id)
        }
    }

    @Test func anIdenticalRewriteChangesNothing() async throws {
        try await withRetrievalService { harness in
            let original = document(Self.harbour, externalID: "poems:harbour")
            _ = try await harness.add([original])
            let again = try await harness.add([original])
            #expect(again.last?.unchanged == 1)
            #expect(again.last?.created == 0)
            #expect(again.last?.chunks == 0)
            let changes = try await harness.postgres.query("SELECT count(*) FROM retrieval.changes", logger: testLogger())
            for try await count in changes.decode(Int64.self) { #expect(count == 1) }
        }
    }

    @Test func addDocumentsStreamsProgressAndCommitsEveryDocument() async throws {
        try await withRetrievalService { harness in
            let documents = (0..<600).map { document("Song number \($0) about rivers and the moon \($0 % 7)", externalID: "bulk:\($0)") }
            let progress = try await harness.add(documents)
            #expect(progress.count >= 3)
            #expect(progress.dropLast().allSatisfy { !$0.done })
            let last = try #require(progress.last)
            #expect(last.done)
            #expect(last.received == 600)
            #expect(last.committed == 600)
            #expect(last.created == 600)
            #expect(last.chunks == 600)
            let stats = try await harness.retrieval.stats(.init(), options: harness.reader)
            #expect(stats.documents == 600)
            #expect(stats.indexedChunks == 600)
        }
    }

    @Test func aBadDocumentFailsTheStreamAfterCommittingTheOnesBefore() async throws {
        try await withRetrievalService { harness in
            var documents = (0..<5).map { document("Verse \($0) of the morning song", externalID: "ok:\($0)") }
            documents.append(document("   ", externalID: "empty"))
            documents.append(document("never sent", externalID: "after"))
            let error = await #expect(throws: RPCError.self) { try await harness.add(documents) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("document 6 (empty): content is empty") == true)
            let stats = try await harness.retrieval.stats(.init(), options: harness.reader)
            #expect(stats.documents == 5)
        }
    }

    @Test func deletingADocumentRemovesItFromSearch() async throws {
        try await withRetrievalService { harness in
            let created = try await harness.upsert { $0.content = Self.harbour }
            #expect(try await harness.search("lanterns harbour").results.first?.documentID == created.document.id)
            _ = try await harness.retrieval.deleteDocument(.with { $0.id = created.document.id }, options: harness.admin)
            #expect(try await harness.search("lanterns harbour").results.isEmpty)
            await expectFailure(.notFound, "No document") {
                _ = try await harness.retrieval.getDocument(.with { $0.id = created.document.id }, options: harness.reader)
            }
            await expectFailure(.notFound, "No document") {
                _ = try await harness.retrieval.deleteDocument(.with { $0.id = created.document.id }, options: harness.admin)
            }
        }
    }

    @Test func listDocumentsFiltersAndPagesNewestFirst() async throws {
        try await withRetrievalService { harness in
            for year in Int32(1990)..<2000 {
                try await harness.upsert {
                    $0.content = "A song from \(year)"
                    $0.year = year
                    $0.genre = year % 2 == 0 ? "rock" : "jazz"
                }
            }
            let filter = Lyrica_Retrieval_V1_Filter.with {
                $0.all = .with {
                    $0.filters = [
                        .with { $0.equals = .with { $0.field = "genre"; $0.value = .with { $0.text = "Rock" } } },
                        .with { $0.range = .with { $0.field = "year"; $0.min = 1992 } },
                    ]
                }
            }
            let first = try await harness.retrieval.listDocuments(
                .with {
                    $0.filter = filter
                    $0.pageSize = 2
                    $0.omitContent = true
                }, options: harness.reader)
            #expect(first.documents.map(\.year) == [1998, 1996])
            #expect(first.documents.allSatisfy { $0.content.isEmpty })
            let second = try await harness.retrieval.listDocuments(
                .with {
                    $0.filter = filter
                    $0.pageSize = 2
                    $0.pageToken = first.nextPageToken
                }, options: harness.reader)
            #expect(second.documents.map(\.year) == [1994, 1992])
            #expect(second.nextPageToken.isEmpty)
        }
    }

    @Test func onlyAdminsChangeTheCorpus() async throws {
        try await withRetrievalService { harness in
            await expectFailure(.permissionDenied, "needs the 'admin' scope") {
                _ = try await harness.retrieval.upsertDocument(.with { $0.document = document("words") }, options: harness.reader)
            }
            await expectFailure(.unauthenticated, "needs credentials") {
                _ = try await harness.retrieval.search(.with { $0.text = "words" })
            }
        }
    }

    @Test func documentLimitsAnswerInvalidArgumentNamingTheField() async throws {
        try await withRetrievalService { harness in
            let cases: [(String, (inout Lyrica_Retrieval_V1_Document) -> Void)] = [
                ("content is empty", { $0.content = "" }),
                ("year must be 1 to 9999", { $0.content = "x"; $0.year = 12000 }),
                ("language 'english!' is not a language tag", { $0.content = "x"; $0.language = "english!" }),
                ("at most 32 tags", { $0.content = "x"; $0.tags = (0..<33).map { "t\($0)" } }),
                ("id 'nope' is not a UUID", { $0.content = "x"; $0.id = "nope" }),
                ("genre is longer than 100 characters", { $0.content = "x"; $0.genre = String(repeating: "g", count: 101) }),
            ]
            for (message, configure) in cases {
                await expectFailure(.invalidArgument, message) { try await harness.upsert(configure) }
            }
        }
    }
}
