import LyricaText
import Testing

@Suite("Chunking")
struct ChunkerTests {
    /// `count` distinct words, w0 w1 …
    static func words(_ count: Int, from start: Int = 0) -> String {
        (start..<start + count).map { "w\($0)" }.joined(separator: " ")
    }

    @Test("A short document is one chunk, paragraphs and lines kept")
    func shortDocument() {
        let text = "Verse line one\nVerse line two\n\nChorus line"
        let chunks = Chunker().chunks(of: text)
        #expect(chunks == [Chunker.Chunk(index: 0, text: "Verse line one\nVerse line two\n\nChorus line", tokenCount: 8)])
    }

    @Test("Paragraphs are packed whole, and each chunk after the first starts with the last 50 tokens of the one before")
    func packingAndOverlap() {
        let paragraphs = (0..<6).map { Self.words(200, from: $0 * 200) }
        let chunks = Chunker().chunks(of: paragraphs.joined(separator: "\n\n"))
        // Two paragraphs fit (a third would not); then the overlap and two more, twice.
        #expect(chunks.map(\.tokenCount) == [400, 450, 450])
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            let tail = previous.text.split(whereSeparator: \.isWhitespace).suffix(50)
            #expect(Array(next.text.split(whereSeparator: \.isWhitespace).prefix(50)) == Array(tail))
        }
        // Every word of the document is in some chunk.
        let covered = Set(chunks.flatMap { $0.text.split(whereSeparator: \.isWhitespace).map(String.init) })
        #expect(covered.count == 1_200)
    }

    @Test("A paragraph longer than a chunk is split on lines, then on words")
    func longParagraph() {
        let chunks = Chunker(maxTokens: 100, overlap: 10).chunks(of: Self.words(250))
        #expect(chunks.map(\.tokenCount) == [90, 100, 80])
        #expect(chunks[1].text.hasPrefix("w80 "))
    }

    @Test("Whitespace-only text has no chunks")
    func emptyText() {
        #expect(Chunker().chunks(of: " \n\n \t\n").isEmpty)
    }
}
