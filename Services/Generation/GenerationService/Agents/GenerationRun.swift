package import Foundation
package import Logging
package import LyricaProtos
import LyricaRPC
import LyricaService
import SwiftProtobuf
package import Verse

/// One attempt at one generation: the agents in order — planner, researcher, writer, critic,
/// refiner (with the critic again, up to the iteration limit), finaliser — each step logged in
/// agent_logs with its input and output, timed, and announced as progress. Cancellation (the
/// task's) stops it between and inside steps; the worker records the outcome.
package actor GenerationRun {
    package struct Dependencies: Sendable {
        package var store: GenerationStore
        package var progress: ProgressLog
        package var collaborators: Collaborators
        package var model: any LyricsModel
        package var lexicon: Lexicon
        /// Passages the researcher fetches.
        package var researchDepth: Int

        package init(
            store: GenerationStore, progress: ProgressLog, collaborators: Collaborators, model: any LyricsModel, lexicon: Lexicon,
            researchDepth: Int = 8
        ) {
            self.store = store
            self.progress = progress
            self.collaborators = collaborators
            self.model = model
            self.lexicon = lexicon
            self.researchDepth = researchDepth
        }
    }

    package let job: GenerationStore.ClaimedJob
    package let owner: String
    private let dependencies: Dependencies
    private let logger: Logger
    private var sequence: Int64 = 0
    private var stepNumber = 0
    package private(set) var steps: [Lyrica_Generation_V1_AgentStep] = []
    package private(set) var timings = GenerationStore.Timings()
    private let started = ContinuousClock.now

    package init(job: GenerationStore.ClaimedJob, owner: String, dependencies: Dependencies, logger: Logger) {
        self.job = job
        self.owner = owner
        self.dependencies = dependencies
        self.logger = logger
    }

    package nonisolated var modelName: String { self.dependencies.model.name }

    package var elapsedSeconds: Double { (ContinuousClock.now - self.started).seconds }

    /// Runs the agents; the song is saved when this returns.
    package func run() async throws -> GenerationStore.Outcome {
        self.sequence = await self.dependencies.progress.count(id: self.job.id)
        let maxIterations = self.job.request.hasMaxIterations ? Int(self.job.request.maxIterations) : 2

        let plan = try await self.plan()
        let research = try await self.research(plan)
        let palette = Palette(
            lexicon: self.dependencies.lexicon, themeWords: plan.themeWords, mood: plan.mood, imagery: research.imagery,
            creativity: plan.creativity)
        var draft = try await self.write(plan, palette: palette)
        var critique = try await self.criticise(draft, plan: plan, research: research, iteration: 0)
        var iteration = 0
        while !critique.review.isClean, iteration < maxIterations {
            iteration += 1
            draft = try await self.refine(draft, critique: critique.review, plan: plan, palette: palette, iteration: iteration)
            critique = try await self.criticise(draft, plan: plan, research: research, iteration: iteration)
        }
        let song = Self.song(plan, draft)
        let scores = Self.scores(critique.review, coherence: critique.coherence)
        let lyricsID = try await self.finalise(plan: plan, song: song, scores: scores, iterations: iteration)
        self.timings.total = (ContinuousClock.now - self.started).seconds
        return .completed(lyricsID: lyricsID, song: song, scores: scores, iterations: iteration)
    }

    // MARK: Agents

    private func plan() async throws -> SongPlan {
        let request = self.job.request
        return try await self.step("planner", "planning the song", percent: 5, input: (try? request.jsonString()) ?? "{}") {
            // Preferences fill what the request leaves open, then taste; without them the genre's defaults do.
            var preferences: Lyrica_Auth_V1_Preferences?
            do {
                preferences = try await self.dependencies.collaborators.preferences()
            } catch let error as RPCError where error.code != .cancelled {
                self.logger.warning("Planning without the user's preferences", metadata: ["error": "\(error)"])
            }
            var song = SongRequest(
                prompt: request.prompt, theme: request.theme, genre: request.genre, mood: request.mood, language: request.language,
                structure: request.structure, rhymeScheme: request.rhymeScheme, syllablesPerLine: Int(request.syllablesPerLine),
                creativity: request.hasCreativity ? request.creativity : 0.5, seed: self.job.seed)
            if let preferences {
                if song.genre.isEmpty, let genre = preferences.preferredGenres.first { song.genre = genre }
                if song.mood.isEmpty, let mood = preferences.preferredMoods.first { song.mood = mood }
                if song.language.isEmpty { song.language = preferences.language }
                if song.structure.isEmpty, let sections = preferences.defaultStructure.fields["sections"]?.listValue.values {
                    song.structure = sections.map(\.stringValue).filter { SongPlanner.sectionTypes.contains($0) }
                }
            }
            // Then the genre and mood the user rates highest, if the feedback service knows them.
            if song.genre.isEmpty || song.mood.isEmpty {
                do {
                    let taste = try await self.dependencies.collaborators.taste()
                    if song.genre.isEmpty, let genre = taste?.genres.first { song.genre = genre.name }
                    if song.mood.isEmpty, let mood = taste?.moods.first { song.mood = mood.name }
                } catch let error as RPCError where error.code != .cancelled {
                    self.logger.warning("Planning without the user's taste", metadata: ["error": "\(error)"])
                }
            }
            let plan = SongPlanner.plan(song)
            return (plan, Self.json(plan), 0, nil)
        }
    }

    struct Research: Sendable, Encodable {
        var passages: [String]
        var imagery: [String]
        var originality: OriginalityIndex { OriginalityIndex(passages: self.passages) }

        enum CodingKeys: String, CodingKey { case passages, imagery }
    }

    private func research(_ plan: SongPlan) async throws -> Research {
        let query = ([plan.theme, plan.mood] + plan.themeWords).filter { !$0.isEmpty }.joined(separator: " ")
        return try await self.step("researcher", "searching the corpus", percent: 15, input: Self.json(["query": query])) {
            let start = ContinuousClock.now
            let results = try await self.dependencies.collaborators.search(query, k: self.dependencies.researchDepth)
            self.timings.retrieval += (ContinuousClock.now - start).seconds
            let passages = results.map(\.text)
            let imagery = passages.flatMap { Words.normalised($0) }.filter { !Words.stopwords.contains($0) }
            let research = Research(passages: passages, imagery: imagery)
            return (research, Self.json(ResearchState(passages: passages.count, imagery: Array(Set(imagery)).sorted().prefix(40).map { $0 })), 0, nil)
        }
    }

    private func write(_ plan: SongPlan, palette: Palette) async throws -> SongDraft {
        var sections: [[String]] = []
        let written = plan.sections.filter { $0.repeats == nil }.count
        var done = 0
        for (index, section) in plan.sections.enumerated() {
            if let original = section.repeats, original < sections.count {
                sections.append(sections[original])
                continue
            }
            let percent = 20 + 50 * done / max(1, written)
            let label = "writing \(section.type) \(plan.sections[...index].filter { $0.type == section.type }.count)"
            let request = SectionRequest(index: index, plan: plan, palette: palette, previous: sections)
            let lines = try await self.step("writer", label, percent: percent, input: Self.json(section), section: (index, section.type)) {
                let start = ContinuousClock.now
                let reply = try await self.dependencies.model.writeSection(request) { text in
                    await self.emitPartial(agent: "writer", step: label, percent: percent, section: (index, section.type), text: text)
                }
                self.timings.model += (ContinuousClock.now - start).seconds
                return (reply.lines, Self.json(reply.lines), reply.tokens, self.dependencies.model.name)
            }
            sections.append(lines)
            done += 1
        }
        return SongDraft(sections: sections)
    }

    struct Review: Sendable {
        var review: Critique
        var coherence: Double
    }

    private func criticise(_ draft: SongDraft, plan: SongPlan, research: Research, iteration: Int) async throws -> Review {
        try await self.step("critic", iteration == 0 ? "measuring rhyme, meter and originality" : "measuring revision \(iteration)",
            percent: min(95, 75 + 5 * iteration), input: Self.json(draft), iteration: iteration)
        {
            let critique = Critic(lexicon: self.dependencies.lexicon).critique(draft, plan: plan, originality: research.originality)
            let start = ContinuousClock.now
            let coherence = try await self.coherence(draft, plan: plan)
            self.timings.retrieval += (ContinuousClock.now - start).seconds
            return (Review(review: critique, coherence: coherence), Self.json(CritiqueState(critique: critique, coherence: coherence)), 0, nil)
        }
    }

    /// Cosine similarity between the song and its theme, in the retrieval index's space.
    private func coherence(_ draft: SongDraft, plan: SongPlan) async throws -> Double {
        let theme = [plan.theme, plan.mood].filter { !$0.isEmpty }.joined(separator: ", ")
        let text = draft.sections.enumerated().filter { plan.sections[$0.offset].repeats == nil }.map { $0.element.joined(separator: "\n") }
            .joined(separator: "\n\n")
        let vectors = try await self.dependencies.collaborators.embed([theme, String(text.prefix(10_000))])
        guard vectors.count == 2, vectors[0].count == vectors[1].count else { return 0 }
        let dot = zip(vectors[0], vectors[1]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        return min(1, max(0, Double(dot)))
    }

    private func refine(_ draft: SongDraft, critique: Critique, plan: SongPlan, palette: Palette, iteration: Int) async throws -> SongDraft {
        try await self.step("refiner", "rewriting \(critique.issues.count) flagged lines", percent: min(92, 78 + 5 * iteration),
            input: Self.json(critique.issues), iteration: iteration)
        {
            let start = ContinuousClock.now
            let revised = try await self.dependencies.model.revise(draft, issues: critique.issues, plan: plan, palette: palette, iteration: iteration)
            self.timings.model += (ContinuousClock.now - start).seconds
            return (revised.draft, Self.json(revised.draft), revised.tokens, self.dependencies.model.name)
        }
    }

    private func finalise(plan: SongPlan, song: Lyrica_Generation_V1_Song, scores: Lyrica_Generation_V1_Scores, iterations: Int) async throws -> UUID {
        try await self.step("finaliser", "saving the song", percent: 97, input: Self.json(["title": plan.title])) {
            // An earlier attempt may have saved it before its worker died (and the request id covers one that died before recording it).
            if let saved = self.job.lyricsID { return (saved, Self.json(["lyrics_id": saved.uuidString.lowercased(), "reused": "true"]), 0, nil) }
            let request = try self.lyricsRequest(plan: plan, song: song, scores: scores, iterations: iterations)
            let lyrics = try await self.dependencies.collaborators.createLyrics(request)
            guard let id = UUID(uuidString: lyrics.id) else { throw RPCError(.internalError, "The lyrics service returned no song id") }
            try await self.dependencies.store.recordLyrics(id: self.job.id, owner: self.owner, lyricsID: id, logger: self.logger)
            return (id, Self.json(["lyrics_id": lyrics.id]), 0, nil)
        }
    }

    private func lyricsRequest(
        plan: SongPlan, song: Lyrica_Generation_V1_Song, scores: Lyrica_Generation_V1_Scores, iterations: Int
    ) throws -> Lyrica_Lyrics_V1_CreateLyricsRequest {
        let request = self.job.request
        return try .with {
            $0.title = plan.title
            $0.sections = song.sections.enumerated().map { order, section in
                .with {
                    $0.sectionType = section.type
                    $0.order = Int32(order)
                    $0.content = section.lines.joined(separator: "\n")
                    $0.rhymeScheme = section.rhymeScheme.filter(\.isLetter)
                    $0.generationAttempts = 1
                    $0.refinementCount = Int32(iterations)
                }
            }
            $0.genre = plan.genre
            $0.mood = plan.mood
            $0.theme = plan.theme
            $0.language = plan.language
            $0.status = .completed
            // Retries (UNAVAILABLE after the song was saved, or a new attempt after a dead worker) find the song instead of saving it twice.
            $0.requestID = "generation:\(self.job.id.uuidString.lowercased())"
            $0.scores = .with {
                $0.quality = scores.quality
                $0.rhyme = scores.rhyme
                $0.creativity = scores.creativity
                $0.coherence = scores.coherence
            }
            $0.generation = try .with {
                $0.prompt = request.prompt.isEmpty ? request.theme : request.prompt
                $0.modelUsed = self.dependencies.model.name
                $0.generationTimeSeconds = (ContinuousClock.now - self.started).seconds
                $0.params = try Google_Protobuf_Struct(jsonString: try ParamsState(plan: plan, iterations: iterations, generationID: self.job.id).json())
            }
        }
    }

    // MARK: Steps

    /// Runs one agent step: progress first, then the work, then its log row and summary. A
    /// failing step is logged as failed and its error goes on.
    private func step<Result: Sendable>(
        _ agent: String, _ label: String, percent: Int, input: String, section: (Int, String)? = nil, iteration: Int = 0,
        _ body: () async throws -> (Result, output: String, tokens: Int, model: String?)
    ) async throws -> Result {
        try Task.checkCancellation()
        self.stepNumber += 1
        let number = self.stepNumber
        await self.emitPartial(agent: agent, step: label, percent: percent, section: section, text: nil, iteration: iteration)
        let start = ContinuousClock.now
        do {
            let (result, output, tokens, model) = try await body()
            let seconds = (ContinuousClock.now - start).seconds
            try await self.record(agent, number: number, input: input, output: output, seconds: seconds, tokens: tokens, model: model, error: nil)
            return result
        } catch {
            let seconds = (ContinuousClock.now - start).seconds
            if !(error is CancellationError) {
                try? await self.record(agent, number: number, input: input, output: Self.json(["error": "\(error)"]), seconds: seconds, tokens: 0, model: nil, error: error)
            }
            throw error
        }
    }

    private func record(
        _ agent: String, number: Int, input: String, output: String, seconds: Double, tokens: Int, model: String?, error: (any Error)?
    ) async throws {
        let status = error == nil ? "success" : "failed"
        self.steps.append(
            .with {
                $0.agent = agent
                $0.step = Int32(number)
                $0.status = status
                $0.seconds = seconds
            })
        try await self.dependencies.store.log(
            generationID: self.job.id, attempt: self.job.attempt, step: number, agent: agent, input: input, output: output,
            seconds: seconds, tokens: tokens, model: model, status: status, error: error.map { "\($0)" }, logger: self.logger)
    }

    /// A progress event (and the state hash) for watchers.
    private func emitPartial(agent: String, step: String, percent: Int, section: (Int, String)?, text: String?, iteration: Int = 0) async {
        await self.emit(
            .progress(
                .with {
                    $0.agent = agent
                    $0.step = step
                    $0.percent = Int32(percent)
                    $0.iteration = Int32(iteration)
                    if let section {
                        $0.sectionIndex = Int32(section.0)
                        $0.sectionType = section.1
                    }
                    if let text { $0.partialText = text }
                }),
            state: ["status": "processing", "agent": agent, "step": step, "percent": String(percent)])
    }

    /// Appends the next event of this generation.
    package func emit(_ kind: Lyrica_Generation_V1_GenerationEvent.OneOf_Kind, state: [String: String]) async {
        self.sequence += 1
        let event = Lyrica_Generation_V1_GenerationEvent.with {
            $0.generationID = self.job.id.uuidString.lowercased()
            $0.sequence = self.sequence
            $0.at = Google_Protobuf_Timestamp(date: Date())
            $0.kind = kind
        }
        await self.dependencies.progress.append(event, id: self.job.id, state: state, logger: self.logger)
    }

    // MARK: Shapes

    static func song(_ plan: SongPlan, _ draft: SongDraft) -> Lyrica_Generation_V1_Song {
        .with {
            $0.title = plan.title
            $0.sections = zip(plan.sections, draft.sections).map { section, lines in
                .with {
                    $0.type = section.type
                    $0.rhymeScheme = section.rhymeScheme
                    $0.lines = lines
                    $0.syllableTargets = section.syllables.map(Int32.init)
                }
            }
        }
    }

    static func scores(_ critique: Critique, coherence: Double) -> Lyrica_Generation_V1_Scores {
        .with {
            $0.rhyme = critique.rhymeAccuracy
            $0.meter = critique.meter
            $0.coherence = coherence
            $0.creativity = critique.creativity
            $0.originality = critique.originality
            $0.syllableDeviation = critique.syllableDeviation
            $0.copiedRuns = Int32(critique.copiedRuns)
            $0.quality = (critique.rhymeAccuracy + critique.meter + coherence + critique.creativity + critique.originality) / 5
        }
    }


    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
