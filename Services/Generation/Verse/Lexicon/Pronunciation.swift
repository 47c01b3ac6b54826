/// How a word sounds: its syllables in order, each with its phones and stress, as the CMU
/// pronouncing dictionary gives them (festival's phone set: `aa ae ah ao aw ax ay eh er ey ih iy
/// ow oy uh uw` are vowels).
package struct Pronunciation: Sendable, Equatable {
    package struct Syllable: Sendable, Equatable {
        package var phones: [String]
        /// 0 unstressed, 1 primary, 2 secondary.
        package var stress: Int
    }

    package var syllables: [Syllable]

    package init(syllables: [Syllable]) {
        self.syllables = syllables
    }

    static let vowels: Set<String> = ["aa", "ae", "ah", "ao", "aw", "ax", "axr", "ay", "eh", "er", "ey", "ih", "ix", "iy", "ow", "oy", "uh", "uw"]

    /// The sounds two words must share to rhyme: from the vowel of the last stressed syllable to
    /// the end ("harbor" → `aa r b er`). Unstressed schwa and /ʌ/ count as one vowel.
    package var rhymeKey: String {
        guard !self.syllables.isEmpty else { return "" }
        let stressed = self.syllables.lastIndex { $0.stress > 0 } ?? self.syllables.count - 1
        var phones: [String] = []
        for (index, syllable) in self.syllables.enumerated() where index >= stressed {
            if index == stressed {
                let vowelAt = syllable.phones.firstIndex { Self.vowels.contains($0) } ?? 0
                phones += syllable.phones[vowelAt...]
            } else {
                phones += syllable.phones
            }
        }
        return phones.map { $0 == "ax" ? "ah" : $0 }.joined(separator: " ")
    }
}
