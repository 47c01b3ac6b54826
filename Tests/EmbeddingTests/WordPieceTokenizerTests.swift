import Embedding
import Testing

/// BERT's uncased WordPiece tokenizer, on a small vocabulary of our own.
@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    static let pieces = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cafe", "was", "open", "it", "'", "s", "!", ".", ",", "un", "##aff", "##able",
        "naive", "我", "爱", "a", "b", "c", "d", "e", "f",
    ]
    let tokenizer: WordPieceTokenizer

    init() throws { self.tokenizer = try WordPieceTokenizer(pieces: Self.pieces) }

    private func tokens(_ text: String) -> [String] {
        self.tokenizer.pieces(text).map { Self.pieces[Int($0)] }
    }

    @Test("Text is lower-cased and accents are stripped")
    func lowerCasesAndStripsAccents() {
        #expect(self.tokens("The CAFÉ was OPEN") == ["the", "cafe", "was", "open"])
        #expect(self.tokens("naïve") == ["naive"])
    }

    @Test("Every punctuation mark is a token of its own")
    func splitsPunctuation() {
        #expect(self.tokens("It's open!") == ["it", "'", "s", "open", "!"])
        #expect(self.tokens("open,the.") == ["open", ",", "the", "."])
    }

    @Test("Words split into the longest pieces the vocabulary has")
    func splitsWordsIntoPieces() {
        #expect(self.tokens("unaffable") == ["un", "##aff", "##able"])
    }

    @Test("A word the vocabulary cannot spell is one [UNK]")
    func unknownWordsAreUnknown() {
        #expect(self.tokens("the zebra was open") == ["the", "[UNK]", "was", "open"])
        #expect(self.tokens(String(repeating: "a", count: 101)) == ["[UNK]"])
    }

    @Test("Control characters vanish, any whitespace separates, CJK ideographs stand alone")
    func cleansTextAndSplitsIdeographs() {
        #expect(self.tokens("the\u{0007}\tcafe\u{00A0}was\u{200B}") == ["the", "cafe", "was"])
        #expect(self.tokens("我爱") == ["我", "爱"])
    }

    @Test("Model inputs are [CLS] pieces [SEP]; a long text becomes windows overlapping by half")
    func longTextsBecomeOverlappingWindows() {
        let classify: [Int32] = [self.tokenizer.classify]
        let separator: [Int32] = [self.tokenizer.separator]
        let ids: [Int32] = self.tokenizer.pieces("a b c d e f")
        let short: [[Int32]] = [classify + Array(ids[0..<2]) + separator]
        #expect(self.tokenizer.windows("a b", maxTokens: 6) == short)
        let first: [Int32] = classify + Array(ids[0..<4]) + separator
        let second: [Int32] = classify + Array(ids[2..<6]) + separator
        #expect(self.tokenizer.windows("a b c d e f", maxTokens: 6) == [first, second])
        #expect(self.tokenizer.windows(" ,", maxTokens: 6).count == 1)
        #expect(self.tokenizer.windows("   ", maxTokens: 6).isEmpty)
    }
}
