/// What the planner decides before a line is written: the sections in order with their rhyme
/// schemes and syllable targets, the theme and its hook. Agents pass it along; it is logged as
/// JSON in agent_logs.
package struct SongPlan: Codable, Sendable, Equatable {
    package var title: String
    /// The words the song is about, e.g. ["moonlit", "harbour"]; the hook carries them.
    package var theme: String
    package var themeWords: [String]
    package var genre: String
    package var mood: String
    package var language: String
    package var sections: [SectionPlan]
    /// 0 keeps to the most common, most on-theme words; 1 reaches further.
    package var creativity: Double
    package var seed: UInt64

    package init(
        title: String, theme: String, themeWords: [String], genre: String, mood: String, language: String, sections: [SectionPlan],
        creativity: Double, seed: UInt64
    ) {
        self.title = title
        self.theme = theme
        self.themeWords = themeWords
        self.genre = genre
        self.mood = mood
        self.language = language
        self.sections = sections
        self.creativity = creativity
        self.seed = seed
    }
}

package struct SectionPlan: Codable, Sendable, Equatable {
    /// intro, verse, pre-chorus, chorus, post-chorus, bridge or outro.
    package var type: String
    /// One letter per line; lines with the same letter rhyme, `X` lines need not.
    package var rhymeScheme: String
    /// Syllables wanted on each line.
    package var syllables: [Int]
    /// The earlier section this one repeats word for word (a chorus after the first).
    package var repeats: Int?
    /// Whether the first line is the hook, carrying the theme.
    package var hasHook: Bool

    package init(type: String, rhymeScheme: String, syllables: [Int], repeats: Int? = nil, hasHook: Bool = false) {
        self.type = type
        self.rhymeScheme = rhymeScheme
        self.syllables = syllables
        self.repeats = repeats
        self.hasHook = hasHook
    }

    package var lineCount: Int { self.syllables.count }

    /// The rhyme letter of each line.
    package var letters: [Character] { Array(self.rhymeScheme) }

    /// Lines that must rhyme with each other: the indices of each letter used more than once.
    package var rhymeGroups: [[Int]] {
        var groups: [Character: [Int]] = [:]
        var order: [Character] = []
        for (index, letter) in self.letters.enumerated() where letter != "X" {
            if groups[letter] == nil { order.append(letter) }
            groups[letter, default: []].append(index)
        }
        return order.compactMap { groups[$0]!.count > 1 ? groups[$0] : nil }
    }
}

/// A song's words: one list of lines per section, in the plan's order.
package struct SongDraft: Codable, Sendable, Equatable {
    package var sections: [[String]]

    package init(sections: [[String]]) {
        self.sections = sections
    }

    package func text(of section: Int) -> String {
        self.sections[section].joined(separator: "\n")
    }
}
