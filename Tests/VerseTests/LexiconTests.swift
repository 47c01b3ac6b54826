import Testing
import Verse

@Suite("Lexicon")
struct LexiconTests {
    let lexicon = LexiconFixture.shared

    @Test func syllablesComeFromTheDictionary() {
        #expect(self.lexicon.syllables(of: "harbor") == 2)
        #expect(self.lexicon.syllables(of: "beautiful") == 3)
        #expect(self.lexicon.syllables(ofLine: "The weather is lovely today") == 8)
    }

    @Test func wordsMissingFromTheDictionaryAreEstimatedFromTheirVowels() {
        #expect(self.lexicon.dictionary.pronunciation(of: "glimmerous") == nil)
        #expect(self.lexicon.syllables(of: "glimmerous") == 3)
    }

    @Test func apostrophesDoNotHideAWord() {
        #expect(self.lexicon.syllables(of: "don't") == 1)
    }

    @Test func rhymesShareTheSoundsFromTheLastStressedVowel() {
        #expect(self.lexicon.rhymes("night", "light"))
        #expect(self.lexicon.rhymes("harbor", "arbor"))
        #expect(self.lexicon.rhymes("delight", "tonight"))
        #expect(!self.lexicon.rhymes("night", "moon"))
    }

    @Test func aWordDoesNotRhymeWithItself() {
        #expect(!self.lexicon.rhymes("night", "Night"))
    }

    @Test func wordNetRelatesAWordToItsNeighbours() {
        let related = Set(self.lexicon.wordNet.related(to: "ocean").map(\.word))
        #expect(related.contains("sea"))
    }

    @Test func commonWordBanksLeaveOutRareWords() {
        let nouns = Set(self.lexicon.bank[.noun]!.map(\.text))
        #expect(nouns.contains("heart"))
        #expect(!nouns.contains("aardvark"))
    }
}
