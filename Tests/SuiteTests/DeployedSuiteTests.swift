import Foundation
import LyricaProtos
import LyricaRPC
import LyricaService
import SwiftProtobuf
import Testing
import TestSupport

/// The five services as deployed: each its own process from the built executables, with its own
/// database and environment, sharing PostgreSQL's server and Redis, talking over TCP.
@Suite("The suite as deployed", .serialized, .timeLimit(.minutes(5)))
struct DeployedSuiteTests {
    @Test("A songwriter's CLI session works across the five processes, and killing one mid-run loses no acknowledged write")
    func songwriterSessionSurvivesAKilledService() async throws {
        try await withDeployedSuite { suite in
            // register → login → generate → show → rate → search, through the CLI.
            let cli = suite.cli
            let registered = try await cli(["register", "--username", "writer", "--email", "writer@example.com", "--password-stdin"], "a long enough passphrase\n")
            #expect(registered.status == 0, "\(registered.stderr)")
            let login = try await cli(["login", "writer", "--password-stdin"], "a long enough passphrase\n")
            #expect(login.status == 0, "\(login.stderr)")
            let generated = try await cli(["generate", "A hopeful song about the harbour lights", "--genre", "folk", "--seed", "3", "--json"], nil)
            let finished = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any], "\(generated.stderr)")
            let song = try #require(finished["lyricsId"] as? String)
            #expect(try await cli(["songs", "show", song], nil).stdout.contains("[chorus]"))
            #expect(try await cli(["songs", "publish", song], nil).status == 0)
            #expect(try await cli(["rate", song, "--overall", "4"], nil).status == 0)
            #expect(try await cli(["search", "harbour"], nil).stdout.contains(song))

            // Fans like the song while the feedback process is killed (SIGKILL) and started again;
            // each fan retries until its like is acknowledged.
            let feedback = try #require(suite.processes["feedback"])
            let fans = try await suite.registerUsers(12)
            let acknowledged = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    var count = 0
                    for (index, token) in fans.enumerated() {
                        if index == 4 {
                            feedback.kill()
                            try await Task.sleep(for: .milliseconds(300))
                            try feedback.start()
                        }
                        try await suite.likeUntilAcknowledged(song, token: token)
                        count += 1
                    }
                    return count
                }
                return try await group.next()!
            }
            #expect(acknowledged == fans.count)
            // Every acknowledged like is in the feedback service and, through its outbox, in lyrics.
            let writerToken = try suite.profileToken()
            let likesInLyrics = { @Sendable in
                try await Lyrica_Lyrics_V1_LyricsService.Client(wrapping: suite.client("lyrics")).getLyrics(
                    .with { $0.id = song }, options: suite.bearer(writerToken)
                ).lyrics.likeCount
            }
            try await eventually("the song shows \(fans.count) likes", timeout: .seconds(30)) { try await likesInLyrics() == Int64(fans.count) }
            let shown = try await likesInLyrics()
            #expect(shown == Int64(fans.count), "lyrics shows \(shown) likes. \(suite.logs(["feedback", "lyrics"]))")
            let summary = try await Lyrica_Feedback_V1_FeedbackService.Client(wrapping: suite.client("feedback")).getLyricsSummary(
                .with { $0.lyricsID = song }, options: suite.bearer(writerToken)
            ).summary
            #expect(summary.likes == Int64(fans.count))
            #expect(summary.overall.count == 1)
        }
    }
}
