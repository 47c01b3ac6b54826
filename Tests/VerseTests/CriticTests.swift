import Testing
import Verse

@Suite("Critic")
struct CriticTests {
    let lexicon = LexiconFixture.shared
    let plan = SongPlan(
        title: "T", theme: "night", themeWords: ["night"], genre: "", mood: "", language: "en",
        sections: [SectionPlan(type: "verse", rhymeScheme: "AABB", syllables: [6, 6, 6, 6])], creativity: 0.5, seed: 1)

    @Test func aLineThatMissesItsRhymeIsFlaggedWithTheWordToRhymeWith() {
        let draft = SongDraft(sections: [["We walk into the night", "The candle burning bright", "I hear the river sing", "The bells begin to ring"]])
        let clean = Critic(lexicon: lexicon).critique(draft, plan: plan, originality: OriginalityIndex(passages: []))
        #expect(clean.rhymeAccuracy == 1)
        var broken = draft
        broken.sections[0][3] = "The bells begin to chime"
        let critique = Critic(lexicon: lexicon).critique(broken, plan: plan, originality: OriginalityIndex(passages: []))
        #expect(critique.rhymeAccuracy == 0.5)
        #expect(critique.issues.first?.kinds == [.rhyme])
        #expect(critique.issues.first?.rhymeWith == "sing")
    }

    @Test func syllableDeviationIsTheMeanDistanceFromTheTargets() {
        let draft = SongDraft(sections: [["We walk into the night", "The candle burning so very bright", "I hear the river sing", "The bells begin to ring"]])
        let critique = Critic(lexicon: lexicon).critique(draft, plan: plan, originality: OriginalityIndex(passages: []))
        #expect(critique.syllableDeviation == 0.75)
        #expect(critique.issues.map(\.kinds) == [[.syllables]])
    }

    @Test func sixWordsCopiedFromThePassagesAreFoundAcrossLineBreaks() {
        let corpus = OriginalityIndex(passages: ["Over the hills and far away, the piper played"])
        let draft = SongDraft(sections: [["We ran over the hills", "And far away we night", "I hear the river sing", "The bells begin to ring"]])
        let critique = Critic(lexicon: lexicon).critique(draft, plan: plan, originality: corpus)
        #expect(critique.copiedRuns == 1)
        #expect(critique.issues.filter { $0.kinds.contains(.copied) }.map(\.line) == [0, 1])
    }

    @Test func fiveWordsInCommonAreNotACopy() {
        let corpus = OriginalityIndex(passages: ["Over the hills and far"])
        let draft = SongDraft(sections: [["Over the hills and far", "We walk into the night", "I hear the river sing", "The bells begin to ring"]])
        #expect(Critic(lexicon: lexicon).critique(draft, plan: plan, originality: corpus).copiedRuns == 0)
    }
}
