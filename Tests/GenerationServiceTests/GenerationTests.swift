import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf
import Testing
import TestSupport
import AuthTestSupport

@Suite("Generation: the agents end to end", .serialized, .timeLimit(.minutes(2)))
struct GenerationTests {
    @Test func generateStreamsTheAgentsInOrderThenTheSavedSong() async throws {
        try await withGenerationService { harness in
            let events = try await harness.generate(songRequest())
            #expect(events.map(\.sequence) == Array(1...Int64(events.count)))
            let agents = events.compactMap { event -> String? in
                if case .progress(let progress)? = event.kind { return progress.agent }
                return nil
            }
            #expect(agents.first == "planner")
            var seen: Set<String> = []
            let order = agents.filter { seen.insert($0).inserted }
            #expect(order == ["planner", "researcher", "writer", "critic", "finaliser"] || order == ["planner", "researcher", "writer", "critic", "refiner", "finaliser"])
            let percents = events.compactMap { event -> Int32? in
                if case .progress(let progress)? = event.kind { return progress.percent }
                return nil
            }
            #expect(percents == percents.sorted())
            guard case .finished(let finished)? = events.last?.kind else {
                Issue.record("the last event is not `finished`: \(String(describing: events.last))")
                return
            }
            #expect(finished.scores.rhyme >= 0.9)
            #expect(finished.scores.copiedRuns == 0)
            #expect(finished.model == "lyrica-composer-v1")
            let saved = try await harness.lyrics.getLyrics(.with { $0.id = finished.lyricsID }, options: harness.user).lyrics
            #expect(saved.userID == harness.userID)
            #expect(saved.sections.map(\.sectionType) == ["verse", "chorus", "verse", "chorus", "bridge", "chorus"])
            #expect(saved.sections[1].content == saved.sections[3].content)
            #expect(saved.sections[1].content.lowercased().contains("moonlit harbour"))
            #expect(saved.scores.hasRhyme && saved.scores.hasCoherence && saved.scores.hasQuality && saved.scores.hasCreativity)
            #expect(saved.status == .completed)
        }
    }

    @Test func thePlannerTakesGenreAndMoodFromTheUsersTasteWhenLeftOpen() async throws {
        try await withGenerationService(withFeedback: true) { harness in
            let feedback = try #require(harness.feedback)
            for (genre, mood, rating) in [("folk", "melancholic", Int32(5)), ("rock", "energetic", Int32(1))] {
                let song = try await harness.lyrics.createLyrics(
                    .with {
                        $0.title = "A \(genre) song"
                        $0.genre = genre
                        $0.mood = mood
                        $0.sections = [.with { $0.sectionType = "verse"; $0.content = "One line" }]
                    }, options: harness.user
                ).lyrics
                _ = try await feedback.submitFeedback(
                    .with {
                        $0.lyricsID = song.id
                        $0.overallRating = rating
                    }, options: harness.user)
            }
            let events = try await harness.generate(songRequest { $0.genre = ""; $0.mood = "" })
            guard case .finished(let finished)? = events.last?.kind else {
                Issue.record("no `finished` event: \(String(describing: events.last))")
                return
            }
            let saved = try await harness.lyrics.getLyrics(.with { $0.id = finished.lyricsID }, options: harness.user).lyrics
            #expect(saved.genre == "folk")
            #expect(saved.mood == "melancholic")
        }
    }

    @Test func writerProgressCarriesTheSectionTextAsItGrows() async throws {
        try await withGenerationService { harness in
            let events = try await harness.generate(songRequest(seed: 3))
            let partials = events.compactMap { event -> String? in
                if case .progress(let progress)? = event.kind, progress.agent == "writer", progress.sectionIndex == 0 { return progress.partialText }
                return nil
            }.filter { !$0.isEmpty }
            #expect(partials.count == 4)
            #expect(partials.map { $0.split(separator: "\n").count } == [1, 2, 3, 4])
        }
    }

    @Test func theSameSeedWritesTheSameSong() async throws {
        try await withGenerationService { harness in
            let first = try await harness.generate(songRequest(seed: 11))
            let second = try await harness.generate(songRequest(seed: 11))
            guard case .finished(let a)? = first.last?.kind, case .finished(let b)? = second.last?.kind else {
                Issue.record("a generation did not finish")
                return
            }
            #expect(a.song == b.song)
            #expect(a.lyricsID != b.lyricsID)
        }
    }

    @Test func customStructureRhymeSchemeAndSyllablesAreHonoured() async throws {
        try await withGenerationService { harness in
            let events = try await harness.generate(
                songRequest(theme: "summer rain") {
                    $0.structure = ["verse", "chorus", "verse"]
                    $0.rhymeScheme = "AABB"
                    $0.syllablesPerLine = 6
                })
            guard case .finished(let finished)? = events.last?.kind else {
                Issue.record("no `finished` event")
                return
            }
            #expect(finished.song.sections.map(\.type) == ["verse", "chorus", "verse"])
            #expect(finished.song.sections.allSatisfy { $0.rhymeScheme == "AABB" && $0.lines.count == 4 && $0.syllableTargets.allSatisfy { $0 == 6 } })
            #expect(finished.scores.syllableDeviation <= 0.5)
        }
    }

    @Test func aLateWatcherSeesEveryStepFromTheStart() async throws {
        try await withGenerationService { harness in
            let started = try await harness.start(songRequest(seed: 5))
            #expect(started.status == .pending || started.status == .processing)
            try await harness.waitFor(started.id, .completed)
            let events = try await harness.watch(started.id)
            #expect(events.first?.sequence == 1)
            #expect(events.map(\.sequence) == Array(1...Int64(events.count)))
            guard case .finished? = events.last?.kind else {
                Issue.record("the watcher did not see the ending")
                return
            }
            let later = try await harness.watch(started.id, after: Int64(events.count - 2))
            #expect(later.map(\.sequence) == [Int64(events.count - 1), Int64(events.count)])
        }
    }

    @Test func everyAgentStepIsLoggedWithItsInputAndOutput() async throws {
        try await withGenerationService { harness in
            let started = try await harness.start(songRequest(seed: 8))
            try await harness.waitFor(started.id, .completed)
            let logs = try await harness.generation.getAgentLogs(.with { $0.generationID = started.id }, options: harness.user).logs
            #expect(logs.map(\.stepNumber) == Array(1...Int32(logs.count)))
            #expect(logs.first?.agent == "planner")
            #expect(logs.last?.agent == "finaliser")
            #expect(logs.allSatisfy { $0.status == "success" && !$0.inputState.isEmpty && !$0.outputState.isEmpty })
            let generation = try await harness.get(started.id)
            #expect(generation.agentSteps.count == logs.count)
            #expect(generation.totalSeconds > 0)
            #expect(generation.seed == 8)
            #expect(!generation.lyricsID.isEmpty)
        }
    }

    @Test func historyListsTheUsersGenerationsNewestFirstInPages() async throws {
        try await withGenerationService { harness in
            var ids: [String] = []
            for seed in 1...3 {
                let started = try await harness.start(songRequest(seed: UInt64(seed)))
                try await harness.waitFor(started.id, .completed)
                ids.append(started.id)
            }
            let first = try await harness.generation.listHistory(.with { $0.pageSize = 2 }, options: harness.user)
            #expect(first.generations.map(\.id) == [ids[2], ids[1]])
            #expect(first.generations.allSatisfy { !$0.hasSong })
            let second = try await harness.generation.listHistory(
                .with {
                    $0.pageSize = 2
                    $0.pageToken = first.nextPageToken
                }, options: harness.user)
            #expect(second.generations.map(\.id) == [ids[0]])
            #expect(second.nextPageToken.isEmpty)
            let other = try await harness.auth.register()
            let theirs = try await harness.generation.listHistory(.init(), options: AuthHarness.bearer(other.tokens.accessToken))
            #expect(theirs.generations.isEmpty)
        }
    }

    @Test func anotherUsersGenerationIsNotFound() async throws {
        try await withGenerationService { harness in
            let started = try await harness.start(songRequest())
            let other = try await harness.auth.register()
            await expectFailure(.notFound, "No generation") {
                _ = try await harness.generation.getGeneration(
                    .with { $0.id = started.id }, options: AuthHarness.bearer(other.tokens.accessToken))
            }
        }
    }

    @Test func invalidRequestsAreRefusedWithWhatToSendInstead() async throws {
        try await withGenerationService { harness in
            await expectFailure(.invalidArgument, "Send a prompt") { _ = try await harness.start(.init()) }
            await expectFailure(.invalidArgument, "rhyme_scheme") { _ = try await harness.start(songRequest { $0.rhymeScheme = "A1" }) }
            await expectFailure(.invalidArgument, "syllables_per_line") { _ = try await harness.start(songRequest { $0.syllablesPerLine = 40 }) }
            await expectFailure(.invalidArgument, "not a section type") { _ = try await harness.start(songRequest { $0.structure = ["verse", "solo"] }) }
            await expectFailure(.invalidArgument, "creativity") { _ = try await harness.start(songRequest { $0.creativity = 2 }) }
            await expectFailure(.invalidArgument, "not a generation id") { _ = try await harness.get("nope") }
        }
    }

    @Test func generationsNeedTheGenerateScope() async throws {
        try await withGenerationService { harness in
            let registered = try await harness.auth.register()
            let key = try await harness.auth.auth.createApiKey(
                .with {
                    $0.name = "reader"
                    $0.scopes = ["read"]
                }, options: AuthHarness.bearer(registered.tokens.accessToken))
            await expectFailure(.permissionDenied, "generate") {
                _ = try await harness.generation.startGeneration(
                    .with { $0.request = songRequest() }, options: AuthHarness.apiKey(key.secret))
            }
        }
    }
}
