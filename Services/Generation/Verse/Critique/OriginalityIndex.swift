/// Every run of six words in the retrieved passages, hashed: a lyric line that contains one has
/// copied from the corpus (which quotes copyrighted songs), however it came to be written.
package struct OriginalityIndex: Sendable {
    package static let runLength = 6
    private let runs: Set<UInt64>

    package init(passages: [String]) {
        var runs: Set<UInt64> = []
        for passage in passages {
            let words = Words.normalised(passage)
            guard words.count >= Self.runLength else { continue }
            for start in 0...(words.count - Self.runLength) { runs.insert(Self.hash(words[start..<(start + Self.runLength)])) }
        }
        self.runs = runs
    }

    package var isEmpty: Bool { self.runs.isEmpty }

    /// The word ranges of `words` covered by runs found in the passages, merged where they overlap.
    package func copiedRanges(in words: [String]) -> [Range<Int>] {
        guard words.count >= Self.runLength else { return [] }
        var ranges: [Range<Int>] = []
        for start in 0...(words.count - Self.runLength) where self.runs.contains(Self.hash(words[start..<(start + Self.runLength)])) {
            let range = start..<(start + Self.runLength)
            if let last = ranges.last, last.upperBound >= range.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<range.upperBound
            } else {
                ranges.append(range)
            }
        }
        return ranges
    }

    private static func hash(_ words: ArraySlice<String>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in words {
            for byte in word.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            hash ^= 0x20
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
