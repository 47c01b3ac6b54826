package import Foundation

/// BERT's uncased tokenizer, as all-MiniLM-L6-v2 was trained with: text cleaned (control
/// characters dropped, any whitespace a space), CJK ideographs split apart, lower-cased, accents
/// stripped (NFD without combining marks), split on whitespace and around every punctuation
/// character, then each word greedily into the longest vocabulary pieces (`##` continues a
/// word); a word with no split, or over 100 characters, is `[UNK]`.
package struct WordPieceTokenizer: Sendable {
    /// Token ids by piece, from `vocab.txt` (one piece per line, the line number its id).
    package let vocabulary: [String: Int32]
    package let unknown: Int32
    package let classify: Int32
    package let separator: Int32
    static let maxCharactersPerWord = 100

    package init(pieces: [String]) throws(EmbeddingError) {
        var vocabulary: [String: Int32] = [:]
        for (index, piece) in pieces.enumerated() where vocabulary[piece] == nil { vocabulary[piece] = Int32(index) }
        func special(_ name: String) throws(EmbeddingError) -> Int32 {
            guard let id = vocabulary[name] else { throw .modelFiles("the vocabulary has no \(name)") }
            return id
        }
        self.vocabulary = vocabulary
        self.unknown = try special("[UNK]")
        self.classify = try special("[CLS]")
        self.separator = try special("[SEP]")
    }

    package init(vocabularyFile url: URL) throws(EmbeddingError) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw .modelFiles("cannot read \(url.path)") }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(pieces: lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 })
    }

    /// The text's word-piece ids, without `[CLS]`/`[SEP]`.
    package func pieces(_ text: String) -> [Int32] {
        Self.words(text).flatMap { self.wordPieces($0) }
    }

    /// The model's inputs for a text: `[CLS] pieces [SEP]`, at most `maxTokens` long. A longer
    /// text becomes several windows of `maxTokens - 2` pieces, each overlapping the previous one
    /// by half, so every piece is seen with context on both sides; callers average the windows.
    package func windows(_ text: String, maxTokens: Int = 256) -> [[Int32]] {
        let pieces = self.pieces(text)
        guard !pieces.isEmpty else { return [] }
        let width = max(maxTokens - 2, 1)
        let stride = max(width / 2, 1)
        var windows: [[Int32]] = []
        var start = 0
        while true {
            let end = min(start + width, pieces.count)
            windows.append([self.classify] + pieces[start..<end] + [self.separator])
            if end == pieces.count { break }
            start += stride
        }
        return windows
    }

    /// Cleaned, lower-cased, accent-free words and punctuation marks.
    static func words(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD { continue }
            if Self.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if Self.isControl(scalar) {
                continue
            } else if Self.isChineseCharacter(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        let folded = String(cleaned).lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
            .filter { $0.properties.generalCategory != .nonspacingMark }
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func finish() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in folded {
            if scalar == " " || Self.isWhitespace(scalar) {
                finish()
            } else if Self.isPunctuation(scalar) {
                finish()
                words.append(String(scalar))
            } else {
                current.append(scalar)
            }
        }
        finish()
        return words
    }

    /// Greedy longest-match-first pieces of one word.
    func wordPieces(_ word: String) -> [Int32] {
        let scalars = Array(word.unicodeScalars)
        guard scalars.count <= Self.maxCharactersPerWord else { return [self.unknown] }
        var pieces: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int32?
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: scalars[start..<end])
                if let id = self.vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else { return [self.unknown] }
            pieces.append(found)
            start = end
        }
        return pieces
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format: true
        default: false
        }
    }

    /// ASCII symbols count as punctuation too, as BERT's tokenizer has it (`$`, `+`, `^`, `` ` ``…).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    /// CJK Unified Ideographs and their extensions, split into single characters.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B820...0x2CEAF,
            0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}
