import ArgumentParser
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// `lyrica generate PROMPT`: streams a generation with a live progress bar, then prints the song.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a song: the agents' progress live, then the song by section.",
        discussion: "What you leave open comes from your preferences, then your taste (what you rate highest), then the genre's defaults.")

    @OptionGroup var session: SessionOptions
    @Argument(help: "What the song is about.") var prompt: String
    @Option(help: "The words the hook carries (default: from the prompt).") var theme: String?
    @Option var genre: String?
    @Option var mood: String?
    @Option(help: "Section types in order, comma-separated, e.g. verse,chorus,verse,chorus,bridge,chorus.") var structure: String?
    @Option(help: "Rhyme scheme for every section, e.g. ABAB.") var rhymeScheme: String?
    @Option(help: "Syllables per line (4–16).") var syllables: Int32?
    @Option(help: "Same seed, same song (with the built-in composer).") var seed: UInt64?

    func run() async throws {
        // Generation runs for as long as it takes: no per-call timeout unless asked for.
        var sessionOptions = self.session
        if sessionOptions.timeout == 30 { sessionOptions.timeout = 600 }
        try await Session.run(sessionOptions) { session in
            let options = try await session.signedIn()
            let request = Lyrica_Generation_V1_GenerationRequest.with {
                $0.prompt = self.prompt
                if let theme { $0.theme = theme }
                if let genre { $0.genre = genre }
                if let mood { $0.mood = mood }
                if let structure { $0.structure = structure.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                if let rhymeScheme { $0.rhymeScheme = rhymeScheme }
                if let syllables { $0.syllablesPerLine = syllables }
                if let seed { $0.seed = seed }
            }
            let bar = ProgressBar(enabled: !session.options.json)
            let ending = try await session.call("generation") { client in
                try await Lyrica_Generation_V1_GenerationService.Client(wrapping: client).generate(request, options: options) { events in
                    var last: Lyrica_Generation_V1_GenerationEvent?
                    for try await event in events {
                        if case .progress(let progress)? = event.kind { bar.show(progress) }
                        last = event
                    }
                    return last
                }
            }
            bar.finish()
            switch ending?.kind {
            case .finished(let finished)?:
                try session.output(finished) { GeneratedText.song(finished) }
            case .failed(let failure)?:
                throw CLIError("The generation failed (\(failure.code)): \(failure.message)")
            case .cancelled?:
                throw CLIError("The generation was cancelled")
            default:
                throw CLIError("The generation ended without a song")
            }
        }
    }
}

/// One line on standard error, redrawn in place on a terminal; one line per step otherwise.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let terminal = isatty(STDERR_FILENO) != 0
    private var lastStep = ""

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: Lyrica_Generation_V1_Progress) {
        guard self.enabled else { return }
        let step = "\(progress.agent): \(progress.step)"
        let width = 24
        let filled = Int(progress.percent) * width / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        if self.terminal {
            let line = "\r\(bar) \(String(format: "%3d", progress.percent))%  \(step)".prefix(100)
            FileHandle.standardError.write(Data(("\u{1B}[2K" + line).utf8))
        } else if step != self.lastStep {
            FileHandle.standardError.write(Data("[\(String(format: "%3d", progress.percent))%] \(step)\n".utf8))
        }
        self.lastStep = step
    }

    func finish() {
        if self.enabled && self.terminal { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}

enum GeneratedText {
    static func song(_ finished: Lyrica_Generation_V1_Finished) -> String {
        var lines = [finished.song.title]
        for section in finished.song.sections {
            lines.append("")
            lines.append("[\(section.type)]")
            lines += section.lines.map { "  " + $0 }
        }
        let scores = finished.scores
        lines.append("")
        lines.append(String(format: "rhyme %.2f · meter %.2f · originality %.2f · coherence %.2f · quality %.2f", scores.rhyme, scores.meter,
                            scores.originality, scores.coherence, scores.quality))
        lines.append("saved as \(finished.lyricsID)  (lyrica songs show \(finished.lyricsID))")
        return lines.joined(separator: "\n")
    }
}
