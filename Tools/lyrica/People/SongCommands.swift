import ArgumentParser
import Foundation
import LyricaProtos
import LyricaRPC
import SwiftProtobuf

/// `lyrica songs …`: the signed-in user's songs in the lyrics service.
struct Songs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, edit, publish and delete your songs.",
        subcommands: [ListSongs.self, ShowSong.self, EditSong.self, PublishSong.self, DeleteSong.self])
}

struct ListSongs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Your songs, newest first.")

    @OptionGroup var session: SessionOptions
    @Option(help: "Songs per page (1–100).") var pageSize: Int32 = 20
    @Option(help: "The next page's token, printed after a page.") var pageToken: String = ""

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let page = try await session.call("lyrics") { client in
                try await Lyrica_Lyrics_V1_LyricsService.Client(wrapping: client).listMyLyrics(
                    .with {
                        $0.pageSize = self.pageSize
                        $0.pageToken = self.pageToken
                    }, options: options)
            }
            try session.output(page) {
                var lines = page.lyrics.map { SongText.row($0.lyrics) }
                if lines.isEmpty { lines.append("No songs yet: `lyrica generate \"a song about …\"` writes one.") }
                if !page.nextPageToken.isEmpty { lines.append("More: --page-token \(page.nextPageToken)") }
                return lines.joined(separator: "\n")
            }
        }
    }
}

struct ShowSong: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A song, section by section, with its feedback summary.")

    @OptionGroup var session: SessionOptions
    @Argument(help: "The song's id.") var id: String

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let lyrics = try await session.call("lyrics") { client in
                try await Lyrica_Lyrics_V1_LyricsService.Client(wrapping: client).getLyrics(.with { $0.id = self.id }, options: options).lyrics
            }
            // The summary is extra: a song shows even when the feedback service is down.
            let summary = try? await session.call("feedback") { client in
                try await Lyrica_Feedback_V1_FeedbackService.Client(wrapping: client).getLyricsSummary(
                    .with { $0.lyricsID = self.id }, options: options
                ).summary
            }
            try session.output(lyrics) { SongText.full(lyrics) + (summary.map { "\n\n" + SongText.summary($0) } ?? "") }
        }
    }
}

struct EditSong: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Change a song's title, genre, mood or status, or one section's words.")

    @OptionGroup var session: SessionOptions
    @Argument(help: "The song's id.") var id: String
    @Option var title: String?
    @Option var genre: String?
    @Option var mood: String?
    @Option(help: "draft or completed.") var status: String?
    @Option(help: "The position (from 0) of the section --content replaces.") var section: Int32?
    @Option(help: "New words for --section; '\\n' separates lines, @FILE reads a file.") var content: String?

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let lyricsClient = { (client: RPCClient) in Lyrica_Lyrics_V1_LyricsService.Client(wrapping: client) }
            var current = try await session.call("lyrics") { try await lyricsClient($0).getLyrics(.with { $0.id = self.id }, options: options).lyrics }
            if let section = self.section {
                guard let content = self.content else { throw CLIError("--section needs --content with the new words") }
                let words = content.hasPrefix("@") ? try String(contentsOfFile: String(content.dropFirst()), encoding: .utf8) : content
                current = try await session.call("lyrics") { client in
                    try await lyricsClient(client).updateSection(
                        .with {
                            $0.lyricsID = self.id
                            $0.version = current.version
                            $0.order = section
                            $0.content = words.replacingOccurrences(of: "\\n", with: "\n")
                        }, options: options
                    ).lyrics
                }
            }
            var paths: [String] = []
            var changed = Lyrica_Lyrics_V1_Lyrics()
            if let title { changed.title = title; paths.append("title") }
            if let genre { changed.genre = genre; paths.append("genre") }
            if let mood { changed.mood = mood; paths.append("mood") }
            if let status {
                switch status.lowercased() {
                case "draft": changed.status = .draft
                case "completed": changed.status = .completed
                default: throw CLIError("--status must be draft or completed (publish with `lyrica songs publish`)")
                }
                paths.append("status")
            }
            guard !paths.isEmpty || self.section != nil else { throw CLIError("Nothing to change: give --title, --genre, --mood, --status or --section") }
            if !paths.isEmpty {
                let version = current.version
                current = try await session.call("lyrics") { client in
                    try await lyricsClient(client).updateLyrics(
                        .with {
                            $0.id = self.id
                            $0.version = version
                            $0.lyrics = changed
                            $0.updateMask.paths = paths
                        }, options: options
                    ).lyrics
                }
            }
            try session.output(current) { "Saved version \(current.version) of \"\(current.title)\"." }
        }
    }
}

struct PublishSong: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Make a song public (a draft is marked completed first).")

    @OptionGroup var session: SessionOptions
    @Argument(help: "The song's id.") var id: String

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let published = try await session.call("lyrics") { client in
                let lyrics = Lyrica_Lyrics_V1_LyricsService.Client(wrapping: client)
                let current = try await lyrics.getLyrics(.with { $0.id = self.id }, options: options).lyrics
                if current.status == .draft {
                    _ = try await lyrics.updateLyrics(
                        .with {
                            $0.id = self.id
                            $0.version = current.version
                            $0.lyrics.status = .completed
                            $0.updateMask.paths = ["status"]
                        }, options: options)
                }
                return try await lyrics.publishLyrics(.with { $0.id = self.id }, options: options).lyrics
            }
            try session.output(published) { "Published \"\(published.title)\": anyone signed in can read it now." }
        }
    }
}

struct DeleteSong: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a song (its revisions and feedback go with it).")

    @OptionGroup var session: SessionOptions
    @Argument(help: "The song's id.") var id: String

    func run() async throws {
        try await Session.run(self.session) { session in
            let options = try await session.signedIn()
            let response = try await session.call("lyrics") { client in
                try await Lyrica_Lyrics_V1_LyricsService.Client(wrapping: client).deleteLyrics(.with { $0.id = self.id }, options: options)
            }
            try session.output(response) { "Deleted \(self.id)." }
        }
    }
}

/// How songs read in a terminal.
enum SongText {
    static func row(_ lyrics: Lyrica_Lyrics_V1_Lyrics) -> String {
        let status = LyricsStatusText.name(lyrics.status)
        let kind = [lyrics.genre, lyrics.mood].filter { !$0.isEmpty }.joined(separator: ", ")
        return "\(lyrics.id)  \(status.padding(toLength: 9, withPad: " ", startingAt: 0))  \(lyrics.title)\(kind.isEmpty ? "" : "  (\(kind))")"
            + (lyrics.likeCount > 0 ? "  ♥ \(lyrics.likeCount)" : "")
    }

    static func full(_ lyrics: Lyrica_Lyrics_V1_Lyrics) -> String {
        var lines = [lyrics.title.isEmpty ? "(untitled)" : lyrics.title]
        let facts = [LyricsStatusText.name(lyrics.status), lyrics.genre, lyrics.mood, "version \(lyrics.version)", "♥ \(lyrics.likeCount)"]
        lines.append(facts.filter { !$0.isEmpty }.joined(separator: " · "))
        for section in lyrics.sections {
            lines.append("")
            lines.append("[\(section.sectionType)]")
            lines += section.content.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        }
        lines.append("")
        lines.append("id \(lyrics.id)")
        return lines.joined(separator: "\n")
    }

    static func summary(_ summary: Lyrica_Feedback_V1_LyricsSummary) -> String {
        guard summary.feedbackCount > 0 else { return "No feedback yet." }
        var parts = ["♥ \(summary.likes)", "saved \(summary.saves)"]
        if summary.overall.count > 0 { parts.append(String(format: "rated %.1f/5", summary.overall.average) + " by \(summary.overall.count)") }
        if !summary.tags.isEmpty { parts.append("tags: " + summary.tags.prefix(5).map { "\($0.tag) (\($0.count))" }.joined(separator: ", ")) }
        return parts.joined(separator: " · ")
    }
}

enum LyricsStatusText {
    static func name(_ status: Lyrica_Lyrics_V1_LyricsStatus) -> String {
        switch status {
        case .draft: "draft"
        case .completed: "completed"
        case .published: "published"
        case .archived: "archived"
        default: ""
        }
    }
}
