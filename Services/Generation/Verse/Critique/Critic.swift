/// What is wrong with one line, and what the refiner needs to fix it.
package struct LineIssue: Codable, Sendable, Equatable {
    package enum Kind: String, Codable, Sendable {
        case rhyme, syllables, copied
    }

    package var section: Int
    package var line: Int
    package var kinds: [Kind]
    /// The end word this line should rhyme with (rhyme issues).
    package var rhymeWith: String?
    package var syllables: Int
    package var target: Int
}

/// The critic's measurements of a draft, each score in 0...1.
package struct Critique: Codable, Sendable, Equatable {
    /// Lines that rhyme as the scheme asks, over the lines the scheme pairs.
    package var rhymeAccuracy: Double
    /// Mean absolute difference between a line's syllables and its target.
    package var syllableDeviation: Double
    /// 1 when every line hits its target, falling by a quarter per syllable of mean deviation.
    package var meter: Double
    /// Runs of six or more words found in the retrieved passages.
    package var copiedRuns: Int
    /// 1 without copied runs, less the share of lines that copy.
    package var originality: Double
    /// Variety of the content words.
    package var creativity: Double
    package var issues: [LineIssue]

    package var isClean: Bool { self.issues.isEmpty }
}

/// Measures rhyme (CMU pronunciations), syllables against targets, copying against the corpus
/// and lexical variety. Repeated choruses are measured once.
package struct Critic: Sendable {
    package let lexicon: Lexicon
    /// Lines further than this from their syllable target are sent back.
    package var syllableTolerance: Int

    package init(lexicon: Lexicon, syllableTolerance: Int = 1) {
        self.lexicon = lexicon
        self.syllableTolerance = syllableTolerance
    }

    package func critique(_ draft: SongDraft, plan: SongPlan, originality: OriginalityIndex) -> Critique {
        var issues: [Int: [Int: LineIssue]] = [:]
        func issue(_ section: Int, _ line: Int, _ kind: LineIssue.Kind, rhymeWith: String? = nil) {
            let text = draft.sections[section][line]
            let target = line < plan.sections[section].syllables.count ? plan.sections[section].syllables[line] : 0
            var current = issues[section]?[line]
                ?? LineIssue(section: section, line: line, kinds: [], rhymeWith: nil, syllables: self.lexicon.syllables(ofLine: text), target: target)
            if !current.kinds.contains(kind) { current.kinds.append(kind) }
            if let rhymeWith { current.rhymeWith = rhymeWith }
            issues[section, default: [:]][line] = current
        }
        var rhymed = 0
        var paired = 0
        var deviation = 0
        var measuredLines = 0
        var copiedRuns = 0
        var copiedLines = 0
        var contentWords: [String] = []
        for (index, section) in plan.sections.enumerated() where section.repeats == nil && index < draft.sections.count {
            let lines = draft.sections[index]
            let endings = lines.map { Words.last($0) ?? "" }
            for group in section.rhymeGroups {
                let present = group.filter { $0 < lines.count }
                let hits = present.map { line in present.contains { $0 != line && self.lexicon.rhymes(endings[line], endings[$0]) } }
                paired += present.count
                rhymed += hits.filter { $0 }.count
                let anchor = present.indices.first { hits[$0] }.map { present[$0] } ?? present.first
                for (position, line) in present.enumerated() where !hits[position] && line != anchor {
                    issue(index, line, .rhyme, rhymeWith: anchor.map { endings[$0] })
                }
            }
            for (line, text) in lines.enumerated() {
                let target = line < section.syllables.count ? section.syllables[line] : 0
                let off = abs(self.lexicon.syllables(ofLine: text) - target)
                deviation += off
                measuredLines += 1
                if off > self.syllableTolerance { issue(index, line, .syllables) }
            }
            // Copying is found across line breaks: the words of the whole section in order.
            var words: [String] = []
            var lineOfWord: [Int] = []
            for (line, text) in lines.enumerated() {
                let lineWords = Words.normalised(text)
                words += lineWords
                lineOfWord += Array(repeating: line, count: lineWords.count)
            }
            contentWords += words.filter { !Words.stopwords.contains($0) }
            let ranges = originality.copiedRanges(in: words)
            copiedRuns += ranges.count
            var touched: Set<Int> = []
            for range in ranges { for position in range { touched.insert(lineOfWord[position]) } }
            copiedLines += touched.count
            for line in touched.sorted() { issue(index, line, .copied) }
        }
        let meanDeviation = measuredLines == 0 ? 0 : Double(deviation) / Double(measuredLines)
        let variety = contentWords.isEmpty ? 0 : Double(Set(contentWords).count) / Double(contentWords.count)
        return Critique(
            rhymeAccuracy: paired == 0 ? 1 : Double(rhymed) / Double(paired), syllableDeviation: meanDeviation,
            meter: max(0, 1 - meanDeviation / 4), copiedRuns: copiedRuns,
            originality: measuredLines == 0 ? 1 : max(0, 1 - Double(copiedLines) / Double(measuredLines)),
            creativity: min(1, variety / 0.85),
            issues: issues.keys.sorted().flatMap { section in issues[section]!.keys.sorted().map { issues[section]![$0]! } })
    }
}
