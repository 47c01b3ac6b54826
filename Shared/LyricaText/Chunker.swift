/// Splits documents into overlapping chunks for embedding: paragraphs (separated by blank lines)
/// are kept whole where they fit, packed together up to `maxTokens`; a paragraph too long for one
/// chunk is split on line breaks, and a line too long on words. Each chunk after the first starts
/// with the last `overlap` tokens of the one before, so a passage cut at a boundary is still
/// found whole in one of them. Tokens here are whitespace-separated words.
package struct Chunker: Sendable {
    /// Default 512.
    package var maxTokens: Int
    /// Default 50; less than `maxTokens`.
    package var overlap: Int

    package init(maxTokens: Int = 512, overlap: Int = 50) {
        precondition(maxTokens > 0 && overlap >= 0 && overlap < maxTokens)
        self.maxTokens = maxTokens
        self.overlap = overlap
    }

    package struct Chunk: Sendable, Equatable {
        package var index: Int
        package var text: String
        package var tokenCount: Int

        package init(index: Int, text: String, tokenCount: Int) {
            self.index = index
            self.text = text
            self.tokenCount = tokenCount
        }
    }

    package func chunks(of text: String) -> [Chunk] {
        // Pieces no longer than one chunk, in order, each a list of lines of words.
        var pieces: [[[Substring]]] = []
        for paragraph in Self.paragraphs(text) {
            let lines = paragraph.map { $0.split(whereSeparator: \.isWhitespace) }.filter { !$0.isEmpty }
            guard !lines.isEmpty else { continue }
            if lines.reduce(0, { $0 + $1.count }) <= self.maxTokens {
                pieces.append(lines)
            } else {
                // Lines whole where they fit; longer ones in pieces that leave room for the overlap.
                let piece = self.maxTokens - self.overlap
                for line in lines {
                    stride(from: 0, to: line.count, by: piece).forEach { start in
                        pieces.append([Array(line[start..<min(start + piece, line.count)])])
                    }
                }
            }
        }
        var chunks: [Chunk] = []
        var current: [[Substring]] = []  // paragraphs of lines of words; a new paragraph starts with []
        var currentTokens = 0
        var carried = 0  // overlap tokens at the head of `current`
        func flush() {
            guard currentTokens > carried else { return }
            let text = current.map { $0.joined(separator: " ") }.joined(separator: "\n")
            chunks.append(Chunk(index: chunks.count, text: Self.tidy(text), tokenCount: currentTokens))
            let words = current.flatMap { $0 }
            let tail = Array(words.suffix(self.overlap))
            current = tail.isEmpty ? [] : [tail]
            currentTokens = tail.count
            carried = tail.count
        }
        for piece in pieces {
            let size = piece.reduce(0) { $0 + $1.count }
            if currentTokens + size > self.maxTokens { flush() }
            if currentTokens + size > self.maxTokens {
                // Even after the overlap there is no room: this piece starts clean.
                current = []
                currentTokens = 0
                carried = 0
            }
            if !current.isEmpty { current.append([]) }  // a blank line between paragraphs
            current += piece
            currentTokens += size
        }
        flush()
        return chunks
    }

    /// Paragraphs as lists of lines, split on blank lines.
    private static func paragraphs(_ text: String) -> [[Substring]] {
        var paragraphs: [[Substring]] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }

    /// Joined lines with the paragraph breaks (empty lines) kept as blank lines.
    private static func tidy(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : String($0) }.joined(separator: "\n")
    }
}
