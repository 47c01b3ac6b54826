package import Foundation

/// The built-in composer: writes lines from templates and the lexicon that meet a plan's rhyme
/// scheme and syllable targets exactly when the vocabulary allows, with the theme in the hook.
/// It never copies phrases: every line is a template filled word by word, so the retrieved
/// passages lend single words (imagery) only. The same plan and seed give the same song.
package struct Composer: Sendable {
    package let lexicon: Lexicon

    package init(lexicon: Lexicon) {
        self.lexicon = lexicon
    }

    /// Every section of the plan; repeated choruses are copied, not rewritten.
    package func compose(_ plan: SongPlan, palette: Palette) -> SongDraft {
        var sections: [[String]] = []
        var used: Set<String> = []
        for index in plan.sections.indices {
            if let repeated = plan.sections[index].repeats, repeated < sections.count {
                sections.append(sections[repeated])
            } else {
                sections.append(self.writeSection(index, plan: plan, palette: palette, used: &used))
            }
        }
        return SongDraft(sections: sections)
    }

    /// One section's lines. `used` collects end words so later sections find new rhymes.
    package func writeSection(_ index: Int, plan: SongPlan, palette: Palette, used: inout Set<String>, attempt: Int = 0) -> [String] {
        let section = plan.sections[index]
        var random = SeededRandom(seed: plan.seed, ["section", String(index), String(attempt)])
        var endings: [Int: Ending] = [:]
        var hookPrefix: String?
        let hook = section.hasHook ? self.hook(plan) : nil
        for group in section.rhymeGroups {
            var count = group.count
            var anchor: Ending?
            if let hook, group.first == 0, let themeEnding = hook.ending, self.partners(of: themeEnding, count: count - 1, used: used).count >= count - 1 {
                anchor = themeEnding
                count -= 1
            }
            let words = anchor.map { [$0] + self.partners(of: $0, count: count, used: used, palette: palette, random: &random) }
                ?? self.rhymeSet(count: count, used: used, palette: palette, random: &random)
            for (line, ending) in zip(group, words) {
                endings[line] = ending
                used.insert(ending.word.text)
            }
        }
        for line in 0..<section.lineCount where endings[line] == nil {
            let ending = self.anyEnding(used: used, palette: palette, random: &random)
            endings[line] = ending
            used.insert(ending.word.text)
        }
        if let hook, endings[0]?.word.text != hook.ending?.word.text { hookPrefix = hook.phrase }
        return (0..<section.lineCount).map { line in
            if line == 0, let hook, endings[0]?.word.text == hook.ending?.word.text {
                return self.line(target: section.syllables[line], ending: endings[line]!, theme: hook.phrase, palette: palette, plan: plan, random: &random)
            }
            return self.line(
                target: section.syllables[line], ending: endings[line]!, prefix: line == 0 ? hookPrefix : nil, palette: palette, plan: plan,
                random: &random)
        }
    }

    /// A new version of one line with the same target, ending on a rhyme for `rhymeWith` when
    /// given (nil when the lexicon has no rhyme for it).
    package func rewriteLine(
        _ line: Int, of sectionIndex: Int, plan: SongPlan, palette: Palette, current: [String], rhymeWith: String?, attempt: Int
    ) -> String? {
        let section = plan.sections[sectionIndex]
        var random = SeededRandom(seed: plan.seed, ["rewrite", String(sectionIndex), String(line), String(attempt)])
        let used = Set(current.compactMap { Words.last($0).map(PronouncingDictionary.key) })
        let ending: Ending
        if let rhymeWith {
            let key = self.lexicon.rhymeKey(of: rhymeWith)
            guard let choice = self.candidates(key: key, excluding: used.union([PronouncingDictionary.key(rhymeWith)]), palette: palette).prefix(12)
                .randomElement(using: &random)
            else { return nil }
            ending = choice
        } else {
            ending = self.anyEnding(used: used, palette: palette, random: &random)
        }
        let hook = line == 0 && section.hasHook ? self.hook(plan) : nil
        return self.line(target: section.syllables[line], ending: ending, prefix: hook?.phrase, palette: palette, plan: plan, random: &random)
    }

    /// The line with its last word replaced by a rhyme for `rhymeWith`, choosing the one that
    /// brings the line closest to `target` syllables; nil when nothing rhymes.
    package func repairEnding(_ line: String, rhymeWith: String, target: Int, avoiding: Set<String>) -> String? {
        let words = Words.of(line)
        guard let last = words.last, let range = line.range(of: last, options: .backwards) else { return nil }
        let before = self.lexicon.syllables(ofLine: String(line[..<range.lowerBound]))
        let key = self.lexicon.rhymeKey(of: rhymeWith)
        let excluded = avoiding.union([PronouncingDictionary.key(rhymeWith), PronouncingDictionary.key(last)])
        let options = (self.lexicon.rhymes[key] ?? []).filter { !excluded.contains($0.word.text) }
        guard let best = options.min(by: { abs(before + $0.word.syllables - target) < abs(before + $1.word.syllables - target) }) else { return nil }
        return String(line[..<range.lowerBound]) + best.word.text + String(line[range.upperBound...])
    }

    /// Both lines with new end words that rhyme with each other (for when the word a line should
    /// rhyme with has no rhyme in the lexicon); the pair is chosen from `seed`.
    package func rhymePair(_ first: String, _ second: String, targets: (Int, Int), avoiding: Set<String>, seed: UInt64) -> (String, String)? {
        var random = SeededRandom(seed: seed, ["pair", first, second])
        let keys = self.lexicon.richRhymeKeys
        guard !keys.isEmpty else { return nil }
        for _ in 0..<8 {
            let key = keys[Int.random(in: 0..<keys.count, using: &random)]
            let words = (self.lexicon.rhymes[key] ?? []).map(\.word.text).filter { !avoiding.contains($0) }
            guard let a = words.first, let anchor = self.repairEnding(first, rhymeWith: a, target: targets.0, avoiding: avoiding),
                let anchorWord = Words.last(anchor),
                let line = self.repairEnding(second, rhymeWith: anchorWord, target: targets.1, avoiding: avoiding.union([anchorWord.lowercased()]))
            else { continue }
            return (anchor, line)
        }
        return nil
    }

    // MARK: Choosing end words

    struct Ending {
        var word: LexiconWord
        var pos: PartOfSpeech
    }

    /// The theme phrase, and the ending it gives the hook when its last word is a common word.
    private func hook(_ plan: SongPlan) -> (phrase: String, ending: Ending?) {
        let phrase = plan.theme.isEmpty ? plan.themeWords.prefix(2).joined(separator: " ") : plan.theme
        guard let last = Words.normalised(phrase).last else { return (phrase, nil) }
        for pos in [PartOfSpeech.noun, .adjective, .verb] {
            if let word = self.lexicon.bank[pos]?.first(where: { $0.text == last }) { return (phrase, Ending(word: word, pos: pos)) }
        }
        return (phrase, nil)
    }

    /// Common words rhyming on `key`, on-theme ones first, one entry per spelling.
    private func candidates(key: String, excluding: Set<String>, palette: Palette) -> [Ending] {
        var seen = excluding
        let all = (self.lexicon.rhymes[key] ?? []).filter { seen.insert($0.word.text).inserted }.map { Ending(word: $0.word, pos: $0.pos) }
        let themed = Set(palette.themed.values.joined().map(\.text))
        return all.filter { themed.contains($0.word.text) } + all.filter { !themed.contains($0.word.text) }.prefix(30)
    }

    private func partners(of anchor: Ending, count: Int, used: Set<String>) -> [Ending] {
        Array((self.lexicon.rhymes[anchor.word.rhymeKey] ?? []).filter { $0.word.text != anchor.word.text && !used.contains($0.word.text) }
            .map { Ending(word: $0.word, pos: $0.pos) }.prefix(count))
    }

    private func partners(of anchor: Ending, count: Int, used: Set<String>, palette: Palette, random: inout SeededRandom) -> [Ending] {
        var pool = self.candidates(key: anchor.word.rhymeKey, excluding: used.union([anchor.word.text]), palette: palette)
        var chosen: [Ending] = []
        while chosen.count < count, !pool.isEmpty {
            let index = Int.random(in: 0..<min(pool.count, 8), using: &random)
            chosen.append(pool.remove(at: index))
        }
        return chosen
    }

    /// `count` words that rhyme with each other, starting from an on-theme word when one has
    /// enough rhymes.
    private func rhymeSet(count: Int, used: Set<String>, palette: Palette, random: inout SeededRandom) -> [Ending] {
        let themed = [PartOfSpeech.noun, .adjective, .verb].flatMap { pos in (palette.themed[pos] ?? []).map { Ending(word: $0, pos: pos) } }
        for start in themed.shuffled(using: &random).prefix(40) where !used.contains(start.word.text) {
            let partners = self.partners(of: start, count: count - 1, used: used, palette: palette, random: &random)
            if partners.count == count - 1 { return [start] + partners }
        }
        let keys = self.richKeys
        while true {
            let key = keys[Int.random(in: 0..<keys.count, using: &random)]
            let pool = self.candidates(key: key, excluding: used, palette: palette)
            if pool.count >= count { return Array(pool.prefix(max(count, 10)).shuffled(using: &random).prefix(count)) }
        }
    }

    private func anyEnding(used: Set<String>, palette: Palette, random: inout SeededRandom) -> Ending {
        let themed = [PartOfSpeech.noun, .adjective].flatMap { pos in (palette.themed[pos] ?? []).map { Ending(word: $0, pos: pos) } }
            .filter { !used.contains($0.word.text) }
        if let choice = themed.randomElement(using: &random) { return choice }
        let nouns = (self.lexicon.bank[.noun] ?? []).prefix(300).filter { !used.contains($0.text) }
        return Ending(word: nouns.randomElement(using: &random)!, pos: .noun)
    }

    /// Rhyme keys with plenty of common words, in a fixed order.
    private var richKeys: [String] {
        self.lexicon.richRhymeKeys
    }

    // MARK: Filling a line

    private static let slotRange: [LineTemplate.Slot: ClosedRange<Int>] = [
        .word(.noun): 1...3, .word(.adjective): 1...3, .word(.verb): 1...2, .word(.adverb): 1...2, .preposition: 1...2,
    ]

    /// A line of `target` syllables ending on `ending`. `theme`, when set, is the phrase that
    /// replaces the end slot (the hook); `prefix` opens the line ("moonlit harbour, …").
    private func line(
        target: Int, ending: Ending, theme: String? = nil, prefix: String? = nil, palette: Palette, plan: SongPlan,
        random: inout SeededRandom
    ) -> String {
        let endText = theme ?? ending.word.text
        let fixed = self.lexicon.syllables(ofLine: endText) + (prefix.map { self.lexicon.syllables(ofLine: $0) } ?? 0)
        let themeShare = 0.65 - 0.3 * plan.creativity
        var best: (words: [String], deviation: Int)?
        for template in LineTemplate.ending(in: ending.pos).shuffled(using: &random) {
            let body = template.tokens.dropLast()
            let literal = body.reduce(0) { total, token in
                if case .literal(let text) = token { return total + self.lexicon.syllables(of: text) }
                return total
            }
            let slots = body.compactMap { token -> LineTemplate.Slot? in
                if case .slot(let slot) = token { return slot }
                return nil
            }
            let remaining = target - fixed - literal
            let low = slots.reduce(0) { $0 + Self.slotRange[$1]!.lowerBound }
            let high = slots.reduce(0) { $0 + Self.slotRange[$1]!.upperBound }
            let budget = min(max(remaining, low), high)
            let deviation = abs(budget - remaining)
            if let best, best.deviation <= deviation { continue }
            guard let filled = self.fill(body, slots: slots, budget: budget, palette: palette, themeShare: themeShare, random: &random) else { continue }
            best = (filled + [endText], deviation)
            if deviation == 0 { break }
        }
        var words = best?.words ?? [endText]
        if let prefix { words.insert(prefix + ",", at: 0) }
        return Self.capitalised(self.articlesAgreeing(words).joined(separator: " "))
    }

    /// Fills the slots with words whose syllables add up to `budget`.
    private func fill(
        _ body: ArraySlice<LineTemplate.Token>, slots: [LineTemplate.Slot], budget: Int, palette: Palette, themeShare: Double,
        random: inout SeededRandom
    ) -> [String]? {
        for _ in 0..<4 {
            var sizes = slots.map { Self.slotRange[$0]!.lowerBound }
            var extra = budget - sizes.reduce(0, +)
            while extra > 0 {
                let open = sizes.indices.filter { sizes[$0] < Self.slotRange[slots[$0]]!.upperBound }
                guard let pick = open.randomElement(using: &random) else { break }
                sizes[pick] += 1
                extra -= 1
            }
            var words: [String] = []
            var avoiding: Set<String> = []
            var slotIndex = 0
            var failed = false
            for token in body {
                switch token {
                case .literal(let text):
                    words.append(text)
                case .slot(let slot):
                    let size = sizes[slotIndex]
                    slotIndex += 1
                    switch slot {
                    case .preposition:
                        let choices = LineTemplate.prepositions.filter { $0.syllables == size }
                        words.append(choices.randomElement(using: &random)!.text)
                    case .word(let pos):
                        guard let word = palette.word(pos, syllables: size, themeShare: themeShare, avoiding: avoiding, using: &random) else {
                            failed = true
                            break
                        }
                        avoiding.insert(word.text)
                        words.append(word.text)
                    }
                }
                if failed { break }
            }
            if !failed { return words }
        }
        return nil
    }

    /// "a" before a vowel sound becomes "an".
    private func articlesAgreeing(_ words: [String]) -> [String] {
        var words = words
        for index in words.indices.dropLast() where words[index].lowercased() == "a" {
            let next = words[index + 1]
            let startsWithVowel =
                self.lexicon.dictionary.pronunciation(of: next)?.syllables.first?.phones.first.map { Pronunciation.vowels.contains($0) }
                ?? "aeiou".contains(next.prefix(1).lowercased())
            if startsWithVowel { words[index] = words[index] == "A" ? "An" : "an" }
        }
        return words
    }

    static func capitalised(_ line: String) -> String {
        line.prefix(1).uppercased() + line.dropFirst()
    }
}
