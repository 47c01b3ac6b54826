import Foundation
import LyricaProtos
import LyricaRPC
import Verse

/// Checks a generation request field by field; the messages say what to send instead.
enum GenerationRequestValidation {
    static func validate(_ request: Lyrica_Generation_V1_GenerationRequest) throws(RPCError) {
        let prompt = request.prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        let theme = request.theme.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !prompt.isEmpty || !theme.isEmpty else {
            throw RPCError(.invalidArgument, "Send a prompt (what the song is about) or a theme")
        }
        guard request.prompt.count <= 2_000 else { throw RPCError(.invalidArgument, "prompt is longer than 2,000 characters") }
        guard request.theme.count <= 255 else { throw RPCError(.invalidArgument, "theme is longer than 255 characters") }
        guard Words.normalised(theme.isEmpty ? prompt : theme).contains(where: { !Words.stopwords.contains($0) }) else {
            throw RPCError(.invalidArgument, "The \(theme.isEmpty ? "prompt" : "theme") has no words to write about")
        }
        for (field, value) in [("genre", request.genre), ("mood", request.mood)] where value.count > 100 {
            throw RPCError(.invalidArgument, "\(field) is longer than 100 characters")
        }
        guard request.language.isEmpty || request.language.lowercased().hasPrefix("en") else {
            throw RPCError(.invalidArgument, "language '\(request.language)' is not supported: the composer and critic work in English (en)")
        }
        guard request.structure.count <= 20 else { throw RPCError(.invalidArgument, "structure has \(request.structure.count) sections; at most 20") }
        for (index, type) in request.structure.enumerated() where !SongPlanner.sectionTypes.contains(type.lowercased()) {
            throw RPCError(
                .invalidArgument,
                "structure[\(index)] '\(type.prefix(40))' is not a section type: use \(SongPlanner.sectionTypes.sorted().joined(separator: ", "))")
        }
        if !request.rhymeScheme.isEmpty {
            guard (2...8).contains(request.rhymeScheme.count), request.rhymeScheme.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw RPCError(.invalidArgument, "rhyme_scheme '\(request.rhymeScheme.prefix(20))' must be 2 to 8 letters, e.g. ABAB or AABB (X for unrhymed lines)")
            }
        }
        guard request.syllablesPerLine == 0 || (4...16).contains(request.syllablesPerLine) else {
            throw RPCError(.invalidArgument, "syllables_per_line must be 4 to 16, or 0 for the genre's usual length (got \(request.syllablesPerLine))")
        }
        if request.hasCreativity, !(0...1).contains(request.creativity) {
            throw RPCError(.invalidArgument, "creativity must be between 0 and 1 (got \(request.creativity))")
        }
        if request.hasMaxIterations, !(0...5).contains(request.maxIterations) {
            throw RPCError(.invalidArgument, "max_iterations must be 0 to 5 (got \(request.maxIterations))")
        }
    }
}
