import ArgumentParser
import Foundation
import LyricaText
import Verse

/// The built-in composer over 100 fixed prompts, as the generation service runs it (plan,
/// palette from the theme and the passages that mention it, compose, critique, revise up to
/// three times), with the whole default corpus as the originality reference.
@main
struct VerseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verse-bench", abstract: "Rhyme accuracy, syllable deviation, copying and latency of the built-in composer.")

    @Option(help: "The lexicon folder (Deploy/local/lexicon.sh).")
    var lexicon: String

    @Option(parsing: .upToNextOption, help: "Fortune files: the corpus lines must not be copied from.")
    var corpus: [String] = ["/usr/share/games/fortunes/songs-poems", "/usr/share/games/fortunes/love", "/usr/share/games/fortunes/literature"]

    @Option(help: "Songs to write (the fixed prompts repeat past 100).")
    var songs = 100

    @Option(help: "Print this many songs in full.")
    var show = 1

    @Option(help: "Refinement iterations.")
    var iterations = 3

    func run() throws {
        let loadStart = ContinuousClock.now
        let lexicon = try Lexicon.load(directory: URL(fileURLWithPath: self.lexicon))
        let loadTime = ContinuousClock.now - loadStart
        let passages = try self.corpus.flatMap { FortuneFile.entries(try String(contentsOfFile: $0, encoding: .utf8)).map(\.text) }
        let originality = OriginalityIndex(passages: passages)
        let passageWords = passages.map { Set(Words.normalised($0)) }
        let composer = Composer(lexicon: lexicon)
        let critic = Critic(lexicon: lexicon)
        print("lexicon loaded in \(loadTime); corpus \(passages.count) passages")

        var rhymed = 0.0
        var deviation = 0.0
        var copied = 0
        var refinements = 0
        var latencies: [Duration] = []
        for index in 0..<self.songs {
            let request = Self.prompt(index % 100)
            let start = ContinuousClock.now
            let plan = SongPlanner.plan(request)
            // The researcher's stand-in: the passages that mention a theme word.
            let related = passages.indices.filter { !passageWords[$0].isDisjoint(with: plan.themeWords) }.prefix(8)
            let imagery = related.flatMap { Words.normalised(passages[$0]) }
            let palette = Palette(lexicon: lexicon, themeWords: plan.themeWords, mood: plan.mood, imagery: imagery, creativity: plan.creativity)
            var draft = composer.compose(plan, palette: palette)
            var critique = critic.critique(draft, plan: plan, originality: originality)
            var iteration = 0
            while !critique.isClean, iteration < self.iterations {
                iteration += 1
                draft = composer.revise(draft, issues: critique.issues, plan: plan, palette: palette, iteration: iteration)
                critique = critic.critique(draft, plan: plan, originality: originality)
            }
            latencies.append(ContinuousClock.now - start)
            rhymed += critique.rhymeAccuracy
            deviation += critique.syllableDeviation
            copied += critique.copiedRuns
            refinements += iteration
            if index < self.show {
                print("\n# \(plan.title) (\(request.genre), \(request.mood), scheme \(request.rhymeScheme.isEmpty ? "default" : request.rhymeScheme))")
                for (number, section) in plan.sections.enumerated() {
                    print("[\(section.type)] \(section.rhymeScheme) \(section.syllables.first ?? 0)")
                    for line in draft.sections[number] { print("  \(line)  (\(lexicon.syllables(ofLine: line)))") }
                }
                print(String(format: "rhyme %.2f  deviation %.2f  copied %d  iterations %d", critique.rhymeAccuracy, critique.syllableDeviation, critique.copiedRuns, iteration))
            }
        }
        latencies.sort()
        func ms(_ duration: Duration) -> Double { Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000 }
        let count = Double(self.songs)
        print("")
        print(String(format: "songs %d  rhyme accuracy %.3f (target >= 0.9)  syllable deviation %.3f (target <= 1.0)  copied runs %d (target 0)", self.songs, rhymed / count, deviation / count, copied))
        print(String(format: "latency per song p50 %.1f ms  p99 %.1f ms (target p50 < 300 ms)  refinement iterations %.2f per song",
            ms(latencies[latencies.count / 2]), ms(latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]), Double(refinements) / count))
    }

    static let themes = [
        "moonlit harbour", "summer rain", "lost love", "city lights", "open road", "winter morning", "broken heart", "ocean waves",
        "childhood home", "midnight train", "golden fields", "falling stars", "mountain river", "first kiss", "old friends",
        "desert wind", "northern lights", "autumn leaves", "quiet storm", "dancing shadows", "silver moon", "burning bridges",
        "spring garden", "lonely highway", "morning coffee",
    ]
    static let styles: [(genre: String, mood: String, scheme: String, syllables: Int)] = [
        ("pop", "hopeful", "", 0), ("rock", "melancholy", "AABB", 8), ("folk", "wistful", "ABAB", 6), ("hip-hop", "joyful", "ABCB", 10),
    ]

    /// Prompt `index` of the fixed 100: each theme in four styles.
    static func prompt(_ index: Int) -> SongRequest {
        let theme = Self.themes[index % Self.themes.count]
        let style = Self.styles[index / Self.themes.count % Self.styles.count]
        return SongRequest(
            prompt: "A \(style.mood) \(style.genre) song about \(theme)", theme: theme, genre: style.genre, mood: style.mood,
            rhymeScheme: style.scheme, syllablesPerLine: style.syllables, creativity: 0.5, seed: UInt64(index + 1))
    }
}
