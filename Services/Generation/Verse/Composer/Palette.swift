/// The words a song draws on: the theme's own and related words (WordNet), single words from
/// the retrieved passages (imagery — never their phrases), and the common vocabulary behind them,
/// each by part of speech and syllable count.
package struct Palette: Sendable {
    /// On-theme words per part of speech.
    package let themed: [PartOfSpeech: [LexiconWord]]
    /// Common words per part of speech and syllable count; how far down the frequency list it
    /// reaches grows with creativity.
    let general: [PartOfSpeech: [Int: [LexiconWord]]]
    let themedBySyllables: [PartOfSpeech: [Int: [LexiconWord]]]

    package init(lexicon: Lexicon, themeWords: [String], mood: String, imagery: [String], creativity: Double) {
        var themed: [PartOfSpeech: [LexiconWord]] = [:]
        var seen: Set<String> = []
        let banks = lexicon.bank.mapValues { Dictionary($0.map { ($0.text, $0) }, uniquingKeysWith: { first, _ in first }) }
        func add(_ text: String, _ pos: PartOfSpeech? = nil) {
            for candidate in pos.map({ [$0] }) ?? [.noun, .adjective, .verb] {
                guard let word = banks[candidate]?[text], seen.insert("\(candidate):\(text)").inserted else { continue }
                themed[candidate, default: []].append(word)
            }
        }
        let seeds = themeWords + Words.normalised(mood)
        for word in seeds { add(word) }
        for word in seeds {
            for related in lexicon.wordNet.related(to: word, limit: 120) { add(related.word, related.pos) }
        }
        // Imagery: the passages' most frequent content words, by first appearance on ties.
        var counts: [String: Int] = [:]
        var order: [String] = []
        for word in imagery where !Words.stopwords.contains(word) {
            if counts[word] == nil { order.append(word) }
            counts[word, default: 0] += 1
        }
        for word in order.sorted(by: { counts[$0]! > counts[$1]! }).prefix(80) { add(word) }
        self.themed = themed
        self.themedBySyllables = themed.mapValues { Dictionary(grouping: $0, by: \.syllables) }
        let reach = 1200 + Int(creativity * 3000)
        self.general = lexicon.bank.mapValues { Dictionary(grouping: $0.prefix(reach), by: \.syllables) }
    }

    /// A word of this part of speech and syllable count, on-theme with probability `themeShare`
    /// when there is one; never one of `avoiding`.
    func word(
        _ pos: PartOfSpeech, syllables: Int, themeShare: Double, avoiding: Set<String>, using random: inout SeededRandom
    ) -> LexiconWord? {
        let themedChoices = (self.themedBySyllables[pos]?[syllables] ?? []).filter { !avoiding.contains($0.text) }
        if !themedChoices.isEmpty, Double.random(in: 0..<1, using: &random) < themeShare {
            return themedChoices.randomElement(using: &random)
        }
        let general = (self.general[pos]?[syllables] ?? []).filter { !avoiding.contains($0.text) }
        return general.randomElement(using: &random) ?? themedChoices.randomElement(using: &random)
    }
}
