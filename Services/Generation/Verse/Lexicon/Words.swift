/// Splitting lyrics into words the same way everywhere: letters, digits and apostrophes inside
/// a word; everything else separates.
package enum Words {
    package static func of(_ text: some StringProtocol) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text {
            if character.isLetter || character.isNumber || ((character == "'" || character == "’") && !current.isEmpty) {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.map { $0.hasSuffix("'") ? String($0.dropLast()) : $0 }
    }

    /// Lower-cased words without apostrophes: the form runs and themes compare.
    package static func normalised(_ text: some StringProtocol) -> [String] {
        Self.of(text).map { $0.lowercased().filter { $0 != "'" && $0 != "’" } }
    }

    /// The last word of a line: the one that rhymes.
    package static func last(_ line: some StringProtocol) -> String? {
        Self.of(line).last
    }

    /// Words that carry no theme.
    package static let stopwords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "with", "by", "from", "about", "into",
        "over", "under", "is", "are", "was", "were", "be", "been", "am", "i", "you", "he", "she", "it", "we", "they",
        "me", "him", "her", "us", "them", "my", "your", "his", "its", "our", "their", "this", "that", "these", "those",
        "song", "songs", "lyrics", "write", "about", "some", "like", "so", "as", "all", "no", "not", "do", "does",
        "make", "please", "want", "let", "lets", "s", "t", "im", "dont",
    ]
}
