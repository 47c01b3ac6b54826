import Foundation

/// What a caller asks for; everything is optional but the prompt or theme.
package struct SongRequest: Sendable, Equatable {
    package var prompt: String
    package var theme: String
    package var genre: String
    package var mood: String
    package var language: String
    /// Section types in order, e.g. ["verse", "chorus", "verse", "chorus"].
    package var structure: [String]
    /// Letters per line applied to every section, e.g. "AABB"; empty for the genre's schemes.
    package var rhymeScheme: String
    /// 0 for the genre's default.
    package var syllablesPerLine: Int
    package var creativity: Double
    package var seed: UInt64

    package init(
        prompt: String = "", theme: String = "", genre: String = "", mood: String = "", language: String = "en",
        structure: [String] = [], rhymeScheme: String = "", syllablesPerLine: Int = 0, creativity: Double = 0.5, seed: UInt64 = 0
    ) {
        self.prompt = prompt
        self.theme = theme
        self.genre = genre
        self.mood = mood
        self.language = language
        self.structure = structure
        self.rhymeScheme = rhymeScheme
        self.syllablesPerLine = syllablesPerLine
        self.creativity = creativity
        self.seed = seed
    }
}

/// The planner's rules: a structure per genre, a rhyme scheme per section type, syllable
/// targets, and the theme words the hook carries.
package enum SongPlanner {
    package static let sectionTypes: Set<String> = ["intro", "verse", "pre-chorus", "chorus", "post-chorus", "bridge", "outro"]

    package static func defaultStructure(genre: String) -> [String] {
        switch genre.lowercased() {
        case "hip-hop", "hiphop", "rap": ["verse", "chorus", "verse", "chorus", "verse", "chorus"]
        case "folk", "country": ["verse", "chorus", "verse", "chorus", "verse", "chorus"]
        case "ballad", "blues": ["verse", "verse", "chorus", "verse", "chorus"]
        default: ["verse", "chorus", "verse", "chorus", "bridge", "chorus"]
        }
    }

    package static func defaultSyllables(genre: String) -> Int {
        switch genre.lowercased() {
        case "hip-hop", "hiphop", "rap": 10
        case "folk", "country", "blues": 7
        default: 8
        }
    }

    package static func defaultScheme(sectionType: String) -> String {
        switch sectionType {
        case "verse": "ABAB"
        case "chorus", "intro", "outro": "AABB"
        case "pre-chorus", "post-chorus": "AA"
        case "bridge": "ABAB"
        default: "AABB"
        }
    }

    package static func plan(_ request: SongRequest) -> SongPlan {
        let structure = request.structure.isEmpty ? Self.defaultStructure(genre: request.genre) : request.structure.map { $0.lowercased() }
        let target = request.syllablesPerLine > 0 ? request.syllablesPerLine : Self.defaultSyllables(genre: request.genre)
        let scheme = request.rhymeScheme.uppercased()
        var sections: [SectionPlan] = []
        var firstChorus: Int?
        for type in structure {
            let sectionScheme = scheme.isEmpty ? Self.defaultScheme(sectionType: type) : scheme
            if type == "chorus", let first = firstChorus {
                sections.append(SectionPlan(type: type, rhymeScheme: sections[first].rhymeScheme, syllables: sections[first].syllables, repeats: first))
                continue
            }
            // Bridges change the feel: a little shorter lines unless the caller fixed the length.
            let lineTarget = type == "bridge" && request.syllablesPerLine == 0 ? max(4, target - 2) : target
            let isHook = type == "chorus" || (!structure.contains("chorus") && sections.isEmpty)
            sections.append(SectionPlan(type: type, rhymeScheme: sectionScheme, syllables: Array(repeating: lineTarget, count: sectionScheme.count), hasHook: isHook))
            if type == "chorus" { firstChorus = sections.count - 1 }
        }
        let theme = Self.theme(request)
        return SongPlan(
            title: Self.title(theme), theme: theme, themeWords: Self.themeWords(theme, prompt: request.prompt), genre: request.genre,
            mood: request.mood, language: request.language.isEmpty ? "en" : request.language, sections: sections,
            creativity: min(1, max(0, request.creativity)), seed: request.seed)
    }

    /// The theme if given, else the prompt's content words (at most four).
    static func theme(_ request: SongRequest) -> String {
        let given = request.theme.trimmingCharacters(in: .whitespacesAndNewlines)
        if !given.isEmpty { return given.lowercased() }
        let words = Words.normalised(request.prompt).filter { !Words.stopwords.contains($0) && $0.count > 2 }
        return words.prefix(4).joined(separator: " ")
    }

    static func themeWords(_ theme: String, prompt: String) -> [String] {
        var seen: Set<String> = []
        return (Words.normalised(theme) + Words.normalised(prompt)).filter { !Words.stopwords.contains($0) && $0.count > 2 && seen.insert($0).inserted }
    }

    static func title(_ theme: String) -> String {
        let title = Words.of(theme).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        return title.isEmpty ? "Untitled" : title
    }
}
