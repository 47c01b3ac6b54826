import Foundation

/// The built-in embedder: needs no model files and gives the same vector for the same text on
/// every machine. Features — words (lightly stemmed), word pairs, and character 3- to 5-grams
/// of each word — are hashed into `dimension` buckets with a sign bit (so collisions cancel
/// rather than pile up), weighted TF-IDF style: sublinear term frequency times a fixed
/// inverse-frequency prior (the most common English words count a tenth). A fixed prior keeps a
/// text's vector stable as the corpus grows. Texts about the same things share words, stems and
/// n-grams, so they land near each other; it is no substitute for a language model on synonyms.
package struct HashingEmbedder: Embedder {
    package let dimension: Int
    package var space: String { "lyrica-hashing-v1-\(self.dimension)" }

    /// - Parameter dimension: default 384, as all-MiniLM-L6-v2.
    package init(dimension: Int = 384) {
        precondition(dimension > 0)
        self.dimension = dimension
    }

    package func embed(_ texts: [String]) async throws -> [[Float]] {
        try texts.map { try self.vector($0) }
    }

    /// The vector of one text; throws for text with no words.
    package func vector(_ text: String) throws(EmbeddingError) -> [Float] {
        let words = Self.words(text)
        guard !words.isEmpty else { throw .noWords }
        var counts: [String: (count: Int, weight: Float)] = [:]
        func add(_ feature: String, _ weight: Float) {
            let entry = counts[feature] ?? (0, weight)
            counts[feature] = (entry.count + 1, entry.weight)
        }
        for (index, word) in words.enumerated() {
            let prior: Float = Self.commonWords.contains(word) ? 0.1 : 1
            add("w:" + Self.stem(word), prior)
            if index > 0 {
                let previous = words[index - 1]
                let pairPrior: Float = Self.commonWords.contains(previous) || Self.commonWords.contains(word) ? 0.1 : 0.5
                add("b:" + previous + " " + word, pairPrior)
            }
            let grams = Self.characterGrams(word)
            for gram in grams { add("c:" + gram, prior * 0.5 / Float(max(grams.count, 1)).squareRoot()) }
        }
        var vector = [Float](repeating: 0, count: self.dimension)
        for (feature, entry) in counts {
            let hash = Self.fnv1a(feature)
            let bucket = Int(hash % UInt64(self.dimension))
            let sign: Float = hash >> 63 == 0 ? 1 : -1
            vector[bucket] += sign * entry.weight * (1 + Float(log(Double(entry.count))))
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { throw .noWords }
        return vector.map { $0 / norm }
    }

    /// Lowercased runs of letters, digits and inner apostrophes.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }
            .map { $0.trimmingApostrophes() }.filter { !$0.isEmpty }
    }

    /// Drops common English inflections so "dreams", "dreaming" and "dreamed" share a feature.
    static func stem(_ word: String) -> String {
        for suffix in ["ingly", "edly", "ing", "ies", "ied", "ed", "es", "ly", "s"] where word.count > suffix.count + 2 && word.hasSuffix(suffix) {
            return String(word.dropLast(suffix.count)) + (suffix == "ies" || suffix == "ied" ? "y" : "")
        }
        return word
    }

    /// Character 3- to 5-grams of the word with boundary marks: "<sea>" → "<se", "sea", "ea>", …
    static func characterGrams(_ word: String) -> [String] {
        let marked = Array("<" + word + ">")
        var grams: [String] = []
        for size in 3...5 where marked.count >= size {
            for start in 0...(marked.count - size) { grams.append(String(marked[start..<start + size])) }
        }
        return grams
    }

    /// 64-bit FNV-1a: stable across runs and machines, unlike `Hasher`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static let commonWords: Set<String> = [
        "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "is", "are",
        "was", "were", "be", "been", "being", "am", "it", "its", "it's", "this", "that", "these", "those", "i", "me", "my",
        "you", "your", "he", "him", "his", "she", "her", "we", "us", "our", "they", "them", "their", "what", "which", "who",
        "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no",
        "nor", "not", "only", "own", "same", "so", "than", "too", "very", "can", "will", "just", "do", "does", "did", "have",
        "has", "had", "if", "then", "there", "here", "up", "down", "out", "over", "under", "again", "once", "oh", "yeah",
        "i'm", "don't", "can't", "won't", "i'll", "you're", "we're", "let", "get", "got", "into", "about", "like",
    ]
}

extension Substring {
    fileprivate func trimmingApostrophes() -> String {
        String(self.drop { $0 == "'" }.reversed().drop { $0 == "'" }.reversed())
    }
}
