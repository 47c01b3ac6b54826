import ArgumentParser
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// `lyrica rate ID --overall N …`: rates a song you can read.
struct Rate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rate a song (1–5; 0 withdraws a rating), with an optional comment and tags.")

    @OptionGroup var session: SessionOptions
    @Argument(help: "The song's id.") var id: String
    @Option var overall: Int32?
    @Option var creativity: Int32?
    @Option var relevance: Int32?
    @Option var quality: Int32?
    @Option(help: "A comment (up to 2,000 characters; empty removes it).") var comment: String?
    @Option(name: .customLong("tag"), help: "A tag; repeatable. Replaces the song's tags from you.") var tags: [String] = []

    func run() async throws {
        try await Session.run(self.session) { session in
            let response = try await session.submitFeedback(self.id) {
                if let overall { $0.overallRating = overall }
                if let creativity { $0.creativityRating = creativity }
                if let relevance { $0.relevanceRating = relevance }
                if let quality { $0.qualityRating = quality }
                if let comment { $0.comment = comment }
                if !self.tags.isEmpty { $0.tags = .with { $0.tags = self.tags } }
            }
            let ratings = response.feedback.ratings
            try session.output(response) {
                let given = [("overall", ratings.overall), ("creativity", ratings.creativity), ("relevance", ratings.relevance), ("quality", ratings.quality)]
                    .filter { $0.1 > 0 }.map { "\($0.0) \($0.1)/5" }
                return "Rated \(response.feedback.lyricsTitle.isEmpty ? self.id : response.feedback.lyricsTitle): "
                    + (given.isEmpty ? "no ratings" : given.joined(separator: ", "))
            }
        }
    }
}

/// `lyrica like ID [--undo]`.
struct Like: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Like a song (or, with --undo, stop liking it); --save keeps it in your saved list.")

    @OptionGroup var session: SessionOptions
    @Argument(help: "The song's id.") var id: String
    @Flag(help: "Remove the like (or the save, with --save).") var undo = false
    @Flag(help: "Save instead of like.") var save = false

    func run() async throws {
        try await Session.run(self.session) { session in
            let response = try await session.submitFeedback(self.id) {
                if self.save { $0.saved = !self.undo } else { $0.liked = !self.undo }
            }
            let title = response.feedback.lyricsTitle.isEmpty ? self.id : "\"\(response.feedback.lyricsTitle)\""
            try session.output(response) {
                self.save ? (self.undo ? "Removed \(title) from your saved songs." : "Saved \(title).")
                    : (self.undo ? "You no longer like \(title)." : "You like \(title).")
            }
        }
    }
}

extension Session {
    func submitFeedback(
        _ id: String, _ configure: (inout Lyrica_Feedback_V1_SubmitFeedbackRequest) -> Void
    ) async throws -> Lyrica_Feedback_V1_SubmitFeedbackResponse {
        let options = try await self.signedIn()
        var request = Lyrica_Feedback_V1_SubmitFeedbackRequest.with { $0.lyricsID = id }
        configure(&request)
        return try await self.call("feedback") { client in
            try await Lyrica_Feedback_V1_FeedbackService.Client(wrapping: client).submitFeedback(request, options: options)
        }
    }
}

/// `lyrica search QUERY [--corpus]`.
struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search songs (your own and published ones) by words and titles, or the corpus by meaning (--corpus).")

    @OptionGroup var session: SessionOptions
    @Argument(help: "What to look for.") var query: String
    @Flag(help: "Search the retrieval corpus (semantic) instead of songs.") var corpus = false
    @Option(help: "How many results.") var limit: Int32 = 10

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            if self.corpus {
                let response = try await session.call("retrieval") { client in
                    try await Lyrica_Retrieval_V1_RetrievalService.Client(wrapping: client).search(
                        .with {
                            $0.text = self.query
                            $0.k = self.limit
                            $0.include = [.chunkText]
                        }, options: options)
                }
                try session.output(response) {
                    response.results.isEmpty ? "Nothing in the corpus is near \"\(self.query)\"."
                        : response.results.map { String(format: "%.3f  ", $0.score) + $0.text.replacingOccurrences(of: "\n", with: " / ") }
                            .joined(separator: "\n")
                }
            } else {
                let response = try await session.call("lyrics") { client in
                    try await Lyrica_Lyrics_V1_LyricsService.Client(wrapping: client).searchLyrics(
                        .with {
                            $0.query = self.query
                            $0.pageSize = self.limit
                        }, options: options)
                }
                try session.output(response) {
                    response.lyrics.isEmpty ? "No songs match \"\(self.query)\"." : response.lyrics.map { SongText.row($0.lyrics) }.joined(separator: "\n")
                }
            }
        }
    }
}

/// `lyrica history`: the user's generations.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your generations, newest first.")

    @OptionGroup var session: SessionOptions
    @Option(help: "Generations per page (1–100).") var pageSize: Int32 = 20
    @Option(help: "The next page's token, printed after a page.") var pageToken: String = ""

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let page = try await session.call("generation") { client in
                try await Lyrica_Generation_V1_GenerationService.Client(wrapping: client).listHistory(
                    .with {
                        $0.pageSize = self.pageSize
                        $0.pageToken = self.pageToken
                    }, options: options)
            }
            try session.output(page) {
                var lines = page.generations.map { generation in
                    let status = "\(generation.status)".lowercased()
                    let song = generation.lyricsID.isEmpty ? "" : "  song \(generation.lyricsID)"
                    return "\(generation.id)  \(status.padding(toLength: 10, withPad: " ", startingAt: 0))  \(generation.request.prompt.prefix(60))\(song)"
                }
                if lines.isEmpty { lines.append("No generations yet.") }
                if !page.nextPageToken.isEmpty { lines.append("More: --page-token \(page.nextPageToken)") }
                return lines.joined(separator: "\n")
            }
        }
    }
}
