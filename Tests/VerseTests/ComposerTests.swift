import Testing
import Verse

@Suite("Built-in composer")
struct ComposerTests {
    let lexicon = LexiconFixture.shared

    func song(_ request: SongRequest, imagery: [String] = []) -> (SongPlan, SongDraft, Critique) {
        let plan = SongPlanner.plan(request)
        let palette = Palette(lexicon: lexicon, themeWords: plan.themeWords, mood: plan.mood, imagery: imagery, creativity: plan.creativity)
        let draft = Composer(lexicon: lexicon).compose(plan, palette: palette)
        return (plan, draft, Critic(lexicon: lexicon).critique(draft, plan: plan, originality: OriginalityIndex(passages: [])))
    }

    @Test func theSameSeedWritesTheSameSong() {
        let request = SongRequest(theme: "summer rain", genre: "pop", seed: 7)
        #expect(self.song(request).1 == self.song(request).1)
    }

    @Test func anotherSeedWritesAnotherSong() {
        #expect(self.song(SongRequest(theme: "summer rain", seed: 1)).1 != self.song(SongRequest(theme: "summer rain", seed: 2)).1)
    }

    @Test func linesRhymeAsTheSchemeAsks() {
        let (_, draft, critique) = self.song(SongRequest(theme: "city lights", rhymeScheme: "AABB", seed: 3))
        #expect(critique.rhymeAccuracy >= 0.99)
        let verse = draft.sections[0]
        #expect(self.lexicon.rhymes(Words.last(verse[0])!, Words.last(verse[1])!))
        #expect(self.lexicon.rhymes(Words.last(verse[2])!, Words.last(verse[3])!))
    }

    @Test func linesMeetTheirSyllableTargets() {
        let (_, draft, critique) = self.song(SongRequest(theme: "open road", syllablesPerLine: 10, seed: 4))
        #expect(critique.syllableDeviation <= 0.25)
        #expect(draft.sections[0].allSatisfy { abs(self.lexicon.syllables(ofLine: $0) - 10) <= 1 })
    }

    @Test func theCustomStructureIsFollowedAndTheChorusRepeats() {
        let (plan, draft, _) = self.song(SongRequest(theme: "old friends", structure: ["verse", "chorus", "verse", "chorus"], seed: 5))
        #expect(plan.sections.map(\.type) == ["verse", "chorus", "verse", "chorus"])
        #expect(draft.sections[1] == draft.sections[3])
        #expect(draft.sections[0] != draft.sections[2])
    }

    @Test func theHookCarriesTheTheme() {
        let (_, draft, _) = self.song(SongRequest(theme: "moonlit harbour", seed: 6))
        #expect(draft.sections[1][0].lowercased().contains("moonlit harbour"))
    }

    @Test func revisingRewritesOnlyTheFlaggedLines() {
        let (plan, draft, _) = self.song(SongRequest(theme: "winter morning", rhymeScheme: "AABB", seed: 8))
        var broken = draft
        broken.sections[0][1] = "This line ends on nothing at all zzzq"
        let critic = Critic(lexicon: lexicon)
        let critique = critic.critique(broken, plan: plan, originality: OriginalityIndex(passages: []))
        #expect(critique.issues.map(\.line) == [1])
        let palette = Palette(lexicon: lexicon, themeWords: plan.themeWords, mood: plan.mood, imagery: [], creativity: plan.creativity)
        let revised = Composer(lexicon: lexicon).revise(broken, issues: critique.issues, plan: plan, palette: palette, iteration: 1)
        #expect(revised.sections[0][0] == draft.sections[0][0])
        #expect(self.lexicon.rhymes(Words.last(revised.sections[0][0])!, Words.last(revised.sections[0][1])!))
    }
}
