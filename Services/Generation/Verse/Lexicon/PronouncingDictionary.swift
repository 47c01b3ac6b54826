package import Foundation

/// The CMU pronouncing dictionary in festival's format (Debian `festlex-cmu`,
/// `cmudict-0.4.out`): one entry per line, `("word" pos (((phones) stress) …))`. Apostrophes are
/// not part of its words ("don't" is "dont").
package struct PronouncingDictionary: Sendable {
    package private(set) var entries: [String: Pronunciation] = [:]

    package init(entries: [String: Pronunciation]) {
        self.entries = entries
    }

    /// Reads the file; the first entry of a word wins (homographs follow their common reading).
    package init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        var entries: [String: Pronunciation] = [:]
        entries.reserveCapacity(110_000)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineStart = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: "\n") {
                defer { lineStart = index + 1 }
                guard index - lineStart > 4, bytes[lineStart] == UInt8(ascii: "("), bytes[lineStart + 1] == UInt8(ascii: "\"") else { continue }
                if let (word, pronunciation) = Self.parse(UnsafeBufferPointer(rebasing: bytes[lineStart..<index])),
                    entries[word] == nil
                {
                    entries[word] = pronunciation
                }
            }
        }
        self.entries = entries
    }

    /// `("word" pos (((p h) 1) ((o n) 0)))` → the word and its syllables.
    private static func parse(_ line: UnsafeBufferPointer<UInt8>) -> (String, Pronunciation)? {
        var cursor = 2
        while cursor < line.count, line[cursor] != UInt8(ascii: "\"") { cursor += 1 }
        guard cursor < line.count else { return nil }
        let word = String(decoding: UnsafeBufferPointer(rebasing: line[2..<cursor]), as: UTF8.self)
        // Depth after the word: 1 the syllable list, 2 a syllable, 3 its phones.
        var depth = 0
        var syllables: [Pronunciation.Syllable] = []
        var phones: [String] = []
        var token: [UInt8] = []
        var inPhones = false
        var afterPhones = false
        cursor += 1
        while cursor < line.count {
            let byte = line[cursor]
            switch byte {
            case UInt8(ascii: "("):
                depth += 1
                if depth == 3 {
                    inPhones = true
                    phones = []
                }
            case UInt8(ascii: ")"):
                if inPhones {
                    if !token.isEmpty { phones.append(String(decoding: token, as: UTF8.self)) }
                    token = []
                    inPhones = false
                    afterPhones = true
                } else if afterPhones, depth == 2 {
                    let stress = token.first.map { Int($0) - 48 } ?? 0
                    syllables.append(.init(phones: phones, stress: max(0, min(2, stress))))
                    token = []
                    afterPhones = false
                }
                depth -= 1
            case UInt8(ascii: " "):
                if inPhones, !token.isEmpty {
                    phones.append(String(decoding: token, as: UTF8.self))
                    token = []
                }
            default:
                if inPhones || afterPhones { token.append(byte) }
            }
            cursor += 1
        }
        guard !syllables.isEmpty else { return nil }
        return (word, Pronunciation(syllables: syllables))
    }

    /// The pronunciation of a word as written in a lyric (any case, apostrophes allowed).
    package func pronunciation(of word: String) -> Pronunciation? {
        self.entries[Self.key(word)]
    }

    static func key(_ word: String) -> String {
        word.lowercased().filter { $0 != "'" && $0 != "’" }
    }
}
