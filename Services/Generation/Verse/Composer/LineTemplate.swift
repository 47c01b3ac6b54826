/// A line's shape: words the composer places as written and slots it fills, the last slot being
/// the rhyming end word. `{N}` noun, `{V}` verb (base form), `{A}` adjective, `{P}` preposition.
struct LineTemplate: Sendable {
    enum Token: Sendable, Equatable {
        case literal(String)
        case slot(Slot)
    }

    enum Slot: Sendable, Hashable {
        case word(PartOfSpeech)
        case preposition
    }

    let tokens: [Token]

    init(_ pattern: String) {
        self.tokens = pattern.split(separator: " ").map { piece in
            switch piece {
            case "{N}": .slot(.word(.noun))
            case "{V}": .slot(.word(.verb))
            case "{A}": .slot(.word(.adjective))
            case "{P}": .slot(.preposition)
            default: .literal(String(piece))
            }
        }
    }

    /// The part of speech of the end word.
    var ending: PartOfSpeech? {
        if case .slot(.word(let pos)) = self.tokens.last { return pos }
        return nil
    }

    static let prepositions: [(text: String, syllables: Int)] = [
        ("in", 1), ("through", 1), ("past", 1), ("near", 1), ("by", 1), ("from", 1),
        ("into", 2), ("under", 2), ("over", 2), ("beyond", 2), ("across", 2), ("along", 2), ("beneath", 2), ("behind", 2),
        ("around", 2), ("above", 2), ("inside", 2), ("toward", 2), ("against", 2), ("upon", 2),
    ]

    static let endingInNoun: [LineTemplate] = [
        "I {V} the {A} {N}", "we {V} {P} the {N}", "the {N} {P} the {A} {N}", "{A} {N} and {A} {N}",
        "you {V} me {P} the {N}", "in the {N} of the {A} {N}", "let the {N} {V} the {N}", "there's a {N} {P} the {N}",
        "I still {V} your {A} {N}", "we were {A} {P} the {N}", "hold me {P} the {A} {N}", "my {N} is a {A} {N}",
        "all my {A} {N} for a {N}", "and we {V} {P} the {N}", "every {N} is a {N}", "take me {P} the {N}",
        "you are the {A} {N}", "oh, the {A} {N}", "I will {V} {P} the {N}", "a {A} {N} {P} the {N}",
    ].map(LineTemplate.init)

    static let endingInVerb: [LineTemplate] = [
        "the {A} {N} will {V}", "let the {N} {V}", "you and I will {V}", "I {V} and then I {V}", "we will {V} and {V}",
        "the {N} {P} me will {V}", "and the {A} {N} will {V}", "I was born to {V}", "{P} the {N} we {V}",
        "so let the {A} {N} {V}", "watch the {N} {V}", "never let the {N} {V}",
    ].map(LineTemplate.init)

    static let endingInAdjective: [LineTemplate] = [
        "the {N} is {A}", "and the {N} {P} me is {A}", "we are {A} and {A}", "my {N} is {A}", "the {N} was never {A}",
        "all the {N} is {A}", "your {A} {N} is {A}", "I feel {A} and {A}", "the {N} {P} us is {A}", "you make the {N} {A}",
        "this {A} {N} is {A}",
    ].map(LineTemplate.init)

    static func ending(in pos: PartOfSpeech) -> [LineTemplate] {
        switch pos {
        case .noun: Self.endingInNoun
        case .verb: Self.endingInVerb
        case .adjective, .adverb: Self.endingInAdjective
        }
    }
}
