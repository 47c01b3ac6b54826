package import AsyncHTTPClient
import Foundation
import LyricaRPC
import NIOCore
import NIOHTTP1
package import Verse

/// An OpenAI-compatible chat-completions endpoint (llama.cpp's server, vLLM, Ollama, hosted
/// APIs) as the writer and refiner: one streamed completion per section (the partial text goes to
/// watchers as it arrives) and one per flagged line. Small models rhyme and count poorly, so the
/// critic's measurements drive the refinement, and a line that still misses its rhyme after the
/// model's rewrite gets its end word exchanged for a rhyming one from the lexicon.
package struct ChatCompletionsModel: LyricsModel {
    package struct Configuration: Sendable {
        /// The API root, e.g. `http://127.0.0.1:8081/v1`; `/chat/completions` is appended.
        package var baseURL: String
        package var model: String
        package var apiKey: String?
        /// Per completion, streaming included.
        package var timeout: Duration = .seconds(60)
        /// Extra attempts after a 429, a 5xx, a dropped connection or a timeout.
        package var retries = 2
        package var temperature = 0.8
        package var maxTokens = 200

        package init(baseURL: String, model: String) {
            self.baseURL = baseURL
            self.model = model
        }
    }

    package let configuration: Configuration
    private let client: HTTPClient
    private let composer: Composer

    package init(configuration: Configuration, lexicon: Lexicon, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
        self.composer = Composer(lexicon: lexicon)
    }

    package var name: String { "openai:\(self.configuration.model)" }

    static let system = """
        You are a songwriter. Answer with the lyric lines only: one line per line, no title, no section labels, \
        no numbering, no quotation marks, no commentary. Never quote existing songs or poems.
        """

    package func writeSection(_ request: SectionRequest, partial: @escaping @Sendable (String) async -> Void) async throws -> ModelReply {
        let section = request.section
        let plan = request.plan
        let hint = ([PartOfSpeech.noun, .adjective].flatMap { request.palette.themed[$0]?.prefix(8).map(\.text) ?? [] }).joined(separator: ", ")
        var prompt = "Write the \(section.type) of a \(plan.genre.isEmpty ? "" : plan.genre + " ")song about \"\(plan.theme)\""
        if !plan.mood.isEmpty { prompt += " with a \(plan.mood) mood" }
        prompt += ". Exactly \(section.lineCount) lines of about \(section.syllables.first ?? 8) syllables each."
        prompt += " Rhyme scheme \(section.rhymeScheme): lines with the same letter end with words that rhyme."
        if section.hasHook { prompt += " The first line must contain the words \"\(plan.theme)\"." }
        if !hint.isEmpty { prompt += " Words you may use: \(hint)." }
        if let previous = request.previous.last { prompt += "\nThe section before it:\n" + previous.joined(separator: "\n") }
        let (text, tokens) = try await self.complete(prompt) { text in await partial(Self.lines(text).joined(separator: "\n")) }
        var lines = Array(Self.lines(text).prefix(section.lineCount))
        if lines.count < section.lineCount {
            // The model stopped short: the composer writes the missing lines to the same plan.
            var used = Set(request.previous.joined().compactMap { Words.last($0).map { $0.lowercased() } })
            let filler = self.composer.writeSection(request.index, plan: plan, palette: request.palette, used: &used)
            lines += filler[lines.count...]
        }
        return ModelReply(lines: lines, tokens: tokens)
    }

    package func revise(_ draft: SongDraft, issues: [LineIssue], plan: SongPlan, palette: Palette, iteration: Int) async throws -> (draft: SongDraft, tokens: Int) {
        var revised = draft
        var tokens = 0
        for issue in issues where issue.section < revised.sections.count && issue.line < revised.sections[issue.section].count {
            let current = revised.sections[issue.section][issue.line]
            var asks: [String] = ["about \(issue.target) syllables"]
            if let rhymeWith = issue.rhymeWith { asks.append("ending with a word that rhymes with \"\(rhymeWith)\"") }
            if issue.kinds.contains(.copied) { asks.append("in new words of your own (it copies an existing song)") }
            let prompt = "Rewrite this line of a song about \"\(plan.theme)\" so it has \(asks.joined(separator: ", ")). Keep its meaning.\nLine: \(current)"
            let (text, used) = try await self.complete(prompt) { _ in }
            tokens += used
            var line = Self.lines(text).first ?? current
            // Whatever the model wrote must still rhyme with the first line of its rhyme group,
            // as that line reads now (it may have been rewritten just before).
            let group = plan.sections[issue.section].rhymeGroups.first { $0.contains(issue.line) }
            let rhymeWith = group.flatMap { $0.first }.flatMap { $0 < issue.line ? Words.last(revised.sections[issue.section][$0]) : nil }
            if let rhymeWith, !self.composer.lexicon.rhymes(Words.last(line) ?? "", rhymeWith) {
                let lines = revised.sections[issue.section]
                let taken = Set(lines.compactMap { Words.last($0)?.lowercased() })
                if let repaired = self.composer.repairEnding(line, rhymeWith: rhymeWith, target: issue.target, avoiding: taken) {
                    line = repaired
                } else if let anchor = lines.firstIndex(where: { Words.last($0) == rhymeWith }), anchor != issue.line,
                    let pair = self.composer.rhymePair(
                        lines[anchor], line, targets: (plan.sections[issue.section].syllables[anchor], issue.target), avoiding: taken, seed: plan.seed)
                {
                    // Nothing rhymes with the anchor's word: both lines get a new rhyme.
                    revised.sections[issue.section][anchor] = pair.0
                    line = pair.1
                }
            }
            revised.sections[issue.section][issue.line] = line
        }
        return (revised.repeatingChoruses(plan), tokens)
    }

    /// The model's lines without labels, numbering, quotes or blank lines.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { raw in
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") || line.hasSuffix(":") || line.hasPrefix("#") { return nil }
            while let first = line.first, first.isNumber || "-*•.)".contains(first) { line.removeFirst() }
            line = line.trimmingCharacters(in: CharacterSet(charactersIn: " \"“”'"))
            return Words.of(line).isEmpty ? nil : line
        }
    }

    // MARK: HTTP

    private struct Body: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }
        var model: String
        var messages: [Message]
        var temperature: Double
        var max_tokens: Int
        var stream = true
    }

    private struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { var content: String? }
            var delta: Delta?
        }
        struct Usage: Decodable { var completion_tokens: Int? }
        var choices: [Choice]?
        var usage: Usage?
    }

    /// One streamed completion with retries; `onText` receives the text so far.
    private func complete(_ prompt: String, onText: @escaping @Sendable (String) async -> Void) async throws -> (text: String, tokens: Int) {
        let body = Body(
            model: self.configuration.model, messages: [.init(role: "system", content: Self.system), .init(role: "user", content: prompt)],
            temperature: self.configuration.temperature, max_tokens: self.configuration.maxTokens)
        var request = HTTPClientRequest(url: self.configuration.baseURL.trimmingSuffix("/") + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "text/event-stream")
        if let key = self.configuration.apiKey, !key.isEmpty { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONEncoder().encode(body))))
        var delay = Duration.milliseconds(250)
        var attempt = 0
        while true {
            attempt += 1
            let failure: RPCError
            do {
                let request = request
                return try await self.withTimeout { try await self.stream(request, onText: onText) }
            } catch let error as ModelFailure {
                switch error {
                case .refused(let status, let message):
                    throw RPCError(.failedPrecondition, "The model endpoint refused the request (HTTP \(status)): \(message)")
                case .retryable(let reason):
                    failure = RPCError(.unavailable, "The model endpoint at \(self.configuration.baseURL) failed: \(reason)")
                case .timedOut:
                    failure = RPCError(.deadlineExceeded, "The model endpoint did not finish within \(self.configuration.timeout)")
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failure = RPCError(.unavailable, "The model endpoint at \(self.configuration.baseURL) could not be reached: \(error)")
            }
            guard attempt <= self.configuration.retries else { throw failure }
            try await Task.sleep(for: delay)
            delay *= 2
        }
    }

    private enum ModelFailure: Error {
        case refused(Int, String)
        case retryable(String)
        case timedOut
    }

    private func stream(_ request: HTTPClientRequest, onText: @escaping @Sendable (String) async -> Void) async throws -> (text: String, tokens: Int) {
        let response = try await self.client.execute(request, timeout: .seconds(Int64(self.configuration.timeout.components.seconds) + 1))
        guard response.status.code == 200 else {
            let body = try await response.body.collect(upTo: 1 << 16)
            let message = String(buffer: body).prefix(300)
            if response.status.code == 429 || response.status.code >= 500 { throw ModelFailure.retryable("HTTP \(response.status.code) \(message)") }
            throw ModelFailure.refused(Int(response.status.code), String(message))
        }
        var text = ""
        var tokens: Int?
        var pending = ""
        var done = false
        for try await buffer in response.body where !done {
            pending += String(buffer: buffer)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline].trimmingCharacters(in: .whitespaces)
                pending = String(pending[pending.index(after: newline)...])
                guard line.hasPrefix("data:") else { continue }
                let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                if payload == "[DONE]" {
                    done = true
                    break
                }
                guard let chunk = try? JSONDecoder().decode(Chunk.self, from: Data(payload.utf8)) else {
                    throw ModelFailure.retryable("an event that is not a chat-completion chunk: \(payload.prefix(120))")
                }
                if let used = chunk.usage?.completion_tokens { tokens = used }
                if let content = chunk.choices?.first?.delta?.content, !content.isEmpty {
                    text += content
                    await onText(text)
                }
            }
        }
        guard done else { throw ModelFailure.retryable("the stream ended without [DONE]") }
        return (text, tokens ?? Words.of(text).count * 4 / 3)
    }

    private func withTimeout<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let timeout = self.configuration.timeout
        return try await withThrowingTaskGroup(of: Result.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ModelFailure.timedOut
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        self.hasSuffix(suffix) ? String(self.dropLast(suffix.count)) : self
    }
}
