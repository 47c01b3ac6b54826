package import Foundation

package enum PartOfSpeech: String, Sendable, CaseIterable, Codable {
    case noun, verb, adjective, adverb

    /// WordNet's file suffix and synset type letter.
    var fileSuffix: String {
        switch self {
        case .noun: "noun"
        case .verb: "verb"
        case .adjective: "adj"
        case .adverb: "adv"
        }
    }

    init?(synsetType: UInt8) {
        switch synsetType {
        case UInt8(ascii: "n"): self = .noun
        case UInt8(ascii: "v"): self = .verb
        case UInt8(ascii: "a"), UInt8(ascii: "s"): self = .adjective
        case UInt8(ascii: "r"): self = .adverb
        default: return nil
        }
    }

    init?(senseKeyType: Int) {
        switch senseKeyType {
        case 1: self = .noun
        case 2: self = .verb
        case 3, 5: self = .adjective
        case 4: self = .adverb
        default: return nil
        }
    }
}

/// Princeton WordNet 3.0 (Debian `wordnet-base`): which parts of speech a word has, how often
/// each was seen in the tagged SemCor corpus (`cntlist.rev`, our measure of how common a word
/// is) and its related words (synonyms, broader and narrower terms, similar adjectives,
/// derivations). Only single-word, lower-case lemmas are kept.
package struct WordNet: Sendable {
    /// lemma → synset byte offsets in the data file, per part of speech.
    private let index: [PartOfSpeech: [String: [Int]]]
    /// lemma → SemCor tag count, per part of speech.
    package let frequency: [PartOfSpeech: [String: Int]]
    private let data: [PartOfSpeech: Data]

    package init(directory: URL) throws {
        var index: [PartOfSpeech: [String: [Int]]] = [:]
        var data: [PartOfSpeech: Data] = [:]
        for pos in PartOfSpeech.allCases {
            index[pos] = try Self.readIndex(directory.appendingPathComponent("index.\(pos.fileSuffix)"))
            data[pos] = try Data(contentsOf: directory.appendingPathComponent("data.\(pos.fileSuffix)"), options: .alwaysMapped)
        }
        self.index = index
        self.data = data
        self.frequency = try Self.readCounts(directory.appendingPathComponent("cntlist.rev"))
    }

    /// The parts of speech WordNet knows the word as.
    package func partsOfSpeech(of word: String) -> [PartOfSpeech] {
        PartOfSpeech.allCases.filter { self.index[$0]?[word] != nil }
    }

    /// Words one step from `word` in any of its senses: synonyms first, then broader, narrower,
    /// similar and derived words, each with its part of speech; at most `limit`.
    package func related(to word: String, limit: Int = 200) -> [(word: String, pos: PartOfSpeech)] {
        var seen: Set<String> = [word]
        var result: [(String, PartOfSpeech)] = []
        var pointers: [(Int, PartOfSpeech)] = []
        for pos in PartOfSpeech.allCases {
            for offset in self.index[pos]?[word] ?? [] {
                guard let synset = self.synset(at: offset, pos: pos) else { continue }
                for lemma in synset.words where seen.insert(lemma).inserted { result.append((lemma, synset.pos)) }
                pointers += synset.pointers
            }
        }
        for (offset, pos) in pointers where result.count < limit {
            guard let synset = self.synset(at: offset, pos: pos) else { continue }
            for lemma in synset.words where seen.insert(lemma).inserted { result.append((lemma, synset.pos)) }
        }
        return Array(result.prefix(limit))
    }

    private struct Synset {
        var pos: PartOfSpeech
        var words: [String]
        var pointers: [(Int, PartOfSpeech)]
    }

    /// Pointer kinds that lead to words a lyric about the first word may use.
    private static let followed: Set<String> = ["@", "@i", "~", "~i", "&", "+", "^", "=", "#p", "%p", "#m", "%m", "#s", "%s"]

    /// Parses the data line at `offset`: `offset lex type w_cnt word lex_id … p_cnt ptr offset pos src/tgt … | gloss`.
    private func synset(at offset: Int, pos: PartOfSpeech) -> Synset? {
        guard let file = self.data[pos], offset < file.count else { return nil }
        let end = file[offset...].firstIndex(of: UInt8(ascii: "|")) ?? file.count
        let fields = String(decoding: file[offset..<end], as: UTF8.self).split(separator: " ")
        guard fields.count > 4, let type = fields[2].utf8.first, let synsetPOS = PartOfSpeech(synsetType: type),
            let wordCount = Int(fields[3], radix: 16)
        else { return nil }
        var words: [String] = []
        var cursor = 4
        for _ in 0..<wordCount where cursor + 1 < fields.count {
            var lemma = String(fields[cursor])
            if let marker = lemma.firstIndex(of: "(") { lemma = String(lemma[..<marker]) }  // adjective markers: (a) (p) (ip)
            if Self.isPlainWord(lemma) { words.append(lemma) }
            cursor += 2
        }
        var pointers: [(Int, PartOfSpeech)] = []
        if cursor < fields.count, let pointerCount = Int(fields[cursor]) {
            cursor += 1
            for _ in 0..<pointerCount where cursor + 3 < fields.count {
                if Self.followed.contains(String(fields[cursor])), let target = Int(fields[cursor + 1]),
                    let targetType = fields[cursor + 2].utf8.first, let targetPOS = PartOfSpeech(synsetType: targetType)
                {
                    pointers.append((target, targetPOS))
                }
                cursor += 4
            }
        }
        return Synset(pos: synsetPOS, words: words, pointers: pointers)
    }

    static func isPlainWord(_ lemma: some StringProtocol) -> Bool {
        !lemma.isEmpty && lemma.utf8.allSatisfy { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
    }

    /// `lemma pos synset_cnt p_cnt [ptr…] sense_cnt tagsense_cnt offset…` per line; licence lines start with spaces.
    private static func readIndex(_ url: URL) throws -> [String: [Int]] {
        var index: [String: [Int]] = [:]
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        for line in text.split(separator: "\n") where !line.hasPrefix(" ") {
            let fields = line.split(separator: " ")
            guard fields.count > 6, isPlainWord(fields[0]), let synsets = Int(fields[2]), let pointers = Int(fields[3]) else { continue }
            let offsetsStart = 4 + pointers + 2
            guard offsetsStart + synsets <= fields.count else { continue }
            index[String(fields[0])] = fields[offsetsStart..<(offsetsStart + synsets)].compactMap { Int($0) }
        }
        return index
    }

    /// `lemma%type:… sense_number tag_count` per line, summed per lemma and part of speech.
    private static func readCounts(_ url: URL) throws -> [PartOfSpeech: [String: Int]] {
        var counts: [PartOfSpeech: [String: Int]] = [:]
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let count = Int(fields[2]), let percent = fields[0].firstIndex(of: "%") else { continue }
            let lemma = fields[0][..<percent]
            let typeStart = fields[0].index(after: percent)
            guard isPlainWord(lemma), typeStart < fields[0].endIndex, let type = Int(String(fields[0][typeStart])),
                let pos = PartOfSpeech(senseKeyType: type)
            else { continue }
            counts[pos, default: [:]][String(lemma), default: 0] += count
        }
        return counts
    }
}
