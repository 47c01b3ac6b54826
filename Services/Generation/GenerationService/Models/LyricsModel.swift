package import Verse

/// What the writer asks for: one section of the plan, with what was written before it.
package struct SectionRequest: Sendable {
    package var index: Int
    package var plan: SongPlan
    package var palette: Palette
    /// The sections written so far, in order.
    package var previous: [[String]]

    package init(index: Int, plan: SongPlan, palette: Palette, previous: [[String]]) {
        self.index = index
        self.plan = plan
        self.palette = palette
        self.previous = previous
    }

    package var section: SectionPlan { self.plan.sections[self.index] }
}

/// What a model wrote and what it cost.
package struct ModelReply: Sendable {
    package var lines: [String]
    package var tokens: Int

    package init(lines: [String], tokens: Int) {
        self.lines = lines
        self.tokens = tokens
    }
}

/// The writer's and refiner's language model. The built-in composer and an OpenAI-compatible
/// chat-completions endpoint implement it; the critic measures both the same way.
package protocol LyricsModel: Sendable {
    /// Recorded with every step and song, e.g. `lyrica-composer-v1` or `openai:SmolLM2-135M`.
    var name: String { get }

    /// Writes one section's lines; `partial` receives the section's text as it grows.
    func writeSection(_ request: SectionRequest, partial: @escaping @Sendable (String) async -> Void) async throws -> ModelReply

    /// The draft with the flagged lines rewritten.
    func revise(_ draft: SongDraft, issues: [LineIssue], plan: SongPlan, palette: Palette, iteration: Int) async throws -> (draft: SongDraft, tokens: Int)
}
