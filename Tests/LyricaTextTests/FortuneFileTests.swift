import LyricaText
import Testing

struct FortuneFileTests {
    @Test func entriesAreSeparatedByPercentLines() {
        let entries = FortuneFile.entries("First verse\nsecond line\n%\nAnother one\n%\n")
        #expect(entries.map(\.text) == ["First verse\nsecond line", "Another one"])
        #expect(entries.allSatisfy { $0.attribution == nil })
    }

    @Test func aTrailingDashLineIsTheAttribution() {
        let entries = FortuneFile.entries("A bit of talcum\nIs always walcum\n\t\t-- Ogden Nash\n%\n")
        #expect(entries == [FortuneEntry(text: "A bit of talcum\nIs always walcum", attribution: "Ogden Nash")])
    }

    @Test func anAttributionMayContinueOnTheNextLine() {
        let entries = FortuneFile.entries("Words\n\t-- Robert Frost,\n\t   \"The Road Not Taken\"\n")
        #expect(entries.first?.attribution == "Robert Frost, \"The Road Not Taken\"")
        #expect(entries.first?.text == "Words")
    }

    @Test func overstrikesAndEmptyEntriesAreDropped() {
        let entries = FortuneFile.entries("_\u{8}b_\u{8}o_\u{8}l_\u{8}d words\n%\n   \n%\n%\n")
        #expect(entries.map(\.text) == ["bold words"])
    }

    @Test func blankLinesInsideAnEntryStay() {
        let entries = FortuneFile.entries("Verse one\n\nVerse two\n%")
        #expect(entries.map(\.text) == ["Verse one\n\nVerse two"])
    }
}
