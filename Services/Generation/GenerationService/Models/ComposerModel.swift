package import Verse

/// The built-in composer behind the model protocol: offline, deterministic for a seed, and fast
/// enough that a song takes milliseconds.
package struct ComposerModel: LyricsModel {
    package let composer: Composer

    package init(lexicon: Lexicon) {
        self.composer = Composer(lexicon: lexicon)
    }

    package var name: String { "lyrica-composer-v1" }

    package func writeSection(_ request: SectionRequest, partial: @escaping @Sendable (String) async -> Void) async throws -> ModelReply {
        var used = Set(request.previous.joined().compactMap { Words.last($0).map { $0.lowercased() } })
        let lines = self.composer.writeSection(request.index, plan: request.plan, palette: request.palette, used: &used)
        for count in 1...lines.count {
            try Task.checkCancellation()
            await partial(lines.prefix(count).joined(separator: "\n"))
        }
        return ModelReply(lines: lines, tokens: 0)
    }

    package func revise(_ draft: SongDraft, issues: [LineIssue], plan: SongPlan, palette: Palette, iteration: Int) async throws -> (draft: SongDraft, tokens: Int) {
        (self.composer.revise(draft, issues: issues, plan: plan, palette: palette, iteration: iteration), 0)
    }
}
