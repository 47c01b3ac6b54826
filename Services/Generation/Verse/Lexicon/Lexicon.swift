package import Foundation

/// A word the composer may use: how many syllables it has and what it rhymes with.
package struct LexiconWord: Sendable, Hashable {
    package let text: String
    package let syllables: Int
    package let rhymeKey: String
    /// SemCor tag count: how common the word is in this part of speech.
    package let frequency: Int
}

/// Everything the composer and the critic know about English words: pronunciations (CMU),
/// parts of speech, frequencies and relations (WordNet), and from them the banks of common
/// words by part of speech and by rhyme.
package final class Lexicon: Sendable {
    package let dictionary: PronouncingDictionary
    package let wordNet: WordNet
    /// Common, pronounceable words per part of speech, most common first.
    package let bank: [PartOfSpeech: [LexiconWord]]
    /// Rhyme key → the common nouns, verbs and adjectives with that key, most common first.
    package let rhymes: [String: [(word: LexiconWord, pos: PartOfSpeech)]]
    /// Rhyme keys with at least a dozen common words, in a fixed order: the composer's fallback
    /// when no on-theme word has enough rhymes.
    package let richRhymeKeys: [String]

    /// How often a word must appear in SemCor to be used by the composer.
    package static let commonFrequency = 4
    /// Words the templates already place, or that read badly in the slot of a content word.
    static let excluded: Set<String> = [
        "be", "have", "do", "get", "say", "make", "go", "let", "will", "can", "may", "must", "shall", "need", "use",
        "thing", "person", "people", "man", "woman", "kind", "part", "way", "case", "fact", "number", "point", "group",
        "area", "system", "type", "form", "level", "state", "order", "example", "amount", "percent", "unit", "period",
        "certain", "such", "other", "same", "different", "general", "particular", "specific", "various", "several",
        "former", "latter", "own", "total", "main", "major", "minor", "individual", "social", "political", "economic",
        "national", "federal", "public", "legal", "medical", "chemical", "physical", "financial", "statistical",
        "while", "yes", "enough", "much", "more", "most", "less", "few", "many", "then", "now", "here", "there", "very",
        "papa", "mama", "sir", "mister", "sex", "kill", "rape", "drug", "die", "dead", "death", "corpse", "disease", "cancer", "negro", "god",
    ]

    package init(dictionary: PronouncingDictionary, wordNet: WordNet) {
        self.dictionary = dictionary
        self.wordNet = wordNet
        var bank: [PartOfSpeech: [LexiconWord]] = [:]
        var rhymes: [String: [(word: LexiconWord, pos: PartOfSpeech)]] = [:]
        for pos in PartOfSpeech.allCases {
            let counts = wordNet.frequency[pos] ?? [:]
            var words: [LexiconWord] = []
            for (text, count) in counts where count >= Self.commonFrequency && text.count >= 3 && !Self.excluded.contains(text) && !Words.stopwords.contains(text) {
                // A word serves in the part of speech it is mostly used as ("little" is no noun).
                let strongest = PartOfSpeech.allCases.map { wordNet.frequency[$0]?[text] ?? 0 }.max() ?? 0
                guard count * 3 >= strongest else { continue }
                guard let pronunciation = dictionary.entries[text], pronunciation.syllables.count <= 4 else { continue }
                words.append(LexiconWord(text: text, syllables: pronunciation.syllables.count, rhymeKey: pronunciation.rhymeKey, frequency: count))
            }
            words.sort { ($0.frequency, $1.text) > ($1.frequency, $0.text) }
            bank[pos] = words
            if pos != .adverb {
                for word in words { rhymes[word.rhymeKey, default: []].append((word, pos)) }
            }
        }
        for key in rhymes.keys { rhymes[key]!.sort { ($0.word.frequency, $1.word.text) > ($1.word.frequency, $0.word.text) } }
        self.bank = bank
        self.rhymes = rhymes
        self.richRhymeKeys = rhymes.filter { $0.value.count >= 12 }.keys.sorted()
    }

    /// Reads `cmudict-0.4.out` and `wordnet/` from the folder Deploy/local/lexicon.sh fills.
    package static func load(directory: URL) throws -> Lexicon {
        let dictionaryURL = directory.appendingPathComponent("cmudict-0.4.out")
        let wordNetURL = directory.appendingPathComponent("wordnet")
        guard FileManager.default.fileExists(atPath: dictionaryURL.path),
            FileManager.default.fileExists(atPath: wordNetURL.appendingPathComponent("index.noun").path)
        else { throw LexiconError.missing(directory.path) }
        return Lexicon(dictionary: try PronouncingDictionary(contentsOf: dictionaryURL), wordNet: try WordNet(directory: wordNetURL))
    }

    // MARK: Sounds of any word

    /// Syllables of a word, from the dictionary or, for words it lacks, from its vowel groups.
    package func syllables(of word: String) -> Int {
        if let pronunciation = self.dictionary.pronunciation(of: word) { return pronunciation.syllables.count }
        return Self.estimatedSyllables(word)
    }

    /// Syllables of a line of text.
    package func syllables(ofLine line: String) -> Int {
        Words.of(line).reduce(0) { $0 + self.syllables(of: $1) }
    }

    /// What the word rhymes on; words the dictionary lacks rhyme by spelling (`~ight`).
    package func rhymeKey(of word: String) -> String {
        if let pronunciation = self.dictionary.pronunciation(of: word) { return pronunciation.rhymeKey }
        return "~" + Self.spellingRhyme(word.lowercased())
    }

    /// Whether two line endings rhyme: the same sounds from the last stressed vowel on, and not
    /// the same word.
    package func rhymes(_ first: String, _ second: String) -> Bool {
        let a = PronouncingDictionary.key(first)
        let b = PronouncingDictionary.key(second)
        guard !a.isEmpty, !b.isEmpty, a != b else { return false }
        let key = self.rhymeKey(of: a)
        return key != "~" && key == self.rhymeKey(of: b)
    }

    static func estimatedSyllables(_ word: String) -> Int {
        let letters = Array(word.lowercased().filter(\.isLetter))
        guard !letters.isEmpty else { return 0 }
        let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y"]
        var groups = 0
        var previousVowel = false
        for letter in letters {
            let vowel = vowels.contains(letter)
            if vowel && !previousVowel { groups += 1 }
            previousVowel = vowel
        }
        if letters.count > 2, letters.last == "e", !vowels.contains(letters[letters.count - 2]),
            !(letters[letters.count - 2] == "l" && !vowels.contains(letters[max(0, letters.count - 3)]))
        {
            groups -= 1
        }
        return max(1, groups)
    }

    static func spellingRhyme(_ word: String) -> String {
        let letters = Array(word.filter(\.isLetter))
        let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y"]
        var end = letters.count
        if end > 2, letters[end - 1] == "e", !vowels.contains(letters[end - 2]) { end -= 1 }  // silent e
        var start = end - 1
        while start > 0, !vowels.contains(letters[start]) { start -= 1 }
        while start > 0, vowels.contains(letters[start - 1]) { start -= 1 }
        return String(letters[max(0, start)...])
    }
}

package enum LexiconError: Error, CustomStringConvertible {
    case missing(String)

    package var description: String {
        switch self {
        case .missing(let path):
            "The lexicon is missing in \(path): run Deploy/local/lexicon.sh \(path) (it unpacks Debian's festlex-cmu and wordnet-base there)"
        }
    }
}
