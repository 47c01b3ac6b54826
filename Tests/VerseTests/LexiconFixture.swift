import Foundation
import Testing
import Verse

/// The lexicon Deploy/local/lexicon.sh installs; the test command exports its folder as
/// LYRICA_TEST_LEXICON. Loaded once for every test.
enum LexiconFixture {
    static let shared: Lexicon = {
        let directory = ProcessInfo.processInfo.environment["LYRICA_TEST_LEXICON"] ?? ".build/lexicon"
        do {
            return try Lexicon.load(directory: URL(fileURLWithPath: directory))
        } catch {
            fatalError("\(error) (set LYRICA_TEST_LEXICON to the folder Deploy/local/lexicon.sh fills)")
        }
    }()
}
