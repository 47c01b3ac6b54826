/// A metadata value: text (genre, mood, language, artist, tags) or a number (year, chunk index).
package enum MetadataValue: Sendable, Hashable, CustomStringConvertible {
    case text(String)
    case number(Double)

    package var description: String {
        switch self {
        case .text(let text): "'\(text)'"
        case .number(let number): number.rounded() == number ? String(Int(number)) : String(number)
        }
    }
}

/// Which chunks a search may return, by their metadata.
package indirect enum MetadataFilter: Sendable, Equatable {
    case equals(String, MetadataValue)
    /// The field holds one of the values (a tag list matches if any tag is one of them).
    case oneOf(String, [MetadataValue])
    /// A number within the bounds, inclusive; a nil bound is open.
    case range(String, min: Double?, max: Double?)
    case all([MetadataFilter])
    case any([MetadataFilter])
    case not(MetadataFilter)
}

/// Metadata of every slot of an index, kept so a filter becomes a slot bitset in time
/// proportional to the matching postings (text fields) or one pass over a column (numbers),
/// never by reading each slot's metadata. A field may hold several text values (tags).
/// Postings are slot lists, not bitsets, so a value held by one slot (a document id) costs a
/// few bytes rather than a bit per slot of the whole index.
package struct MetadataIndex: Sendable {
    /// Field → text value → slots holding it (unordered).
    private var postings: [String: [String: [UInt32]]] = [:]
    /// Field → number of each slot (NaN where absent).
    private var numbers: [String: [Double]] = [:]
    /// Each slot's values, to take them out of the postings again.
    private var values: [[String: [MetadataValue]]] = []

    package init() {}

    package var slotCount: Int { self.values.count }

    /// Gives `slot` these values, replacing any it had.
    package mutating func set(_ metadata: [String: [MetadataValue]], slot: Int) {
        self.clear(slot: slot)
        if slot >= self.values.count { self.values += Array(repeating: [:], count: slot + 1 - self.values.count) }
        self.values[slot] = metadata
        for (field, fieldValues) in metadata {
            for value in fieldValues {
                switch value {
                case .text(let text):
                    self.postings[field, default: [:]][text, default: []].append(UInt32(slot))
                case .number(let number):
                    var column = self.numbers[field] ?? []
                    if column.count <= slot { column += Array(repeating: .nan, count: slot + 1 - column.count) }
                    column[slot] = number
                    self.numbers[field] = column
                }
            }
        }
    }

    /// Forgets `slot`'s values (after a delete, so counts stay true).
    package mutating func clear(slot: Int) {
        guard slot < self.values.count else { return }
        for (field, fieldValues) in self.values[slot] {
            for value in fieldValues {
                switch value {
                case .text(let text):
                    guard var list = self.postings[field]?[text], let position = list.firstIndex(of: UInt32(slot)) else { continue }
                    list.swapAt(position, list.count - 1)
                    list.removeLast()
                    self.postings[field]![text] = list.isEmpty ? nil : list
                case .number:
                    if slot < self.numbers[field]?.count ?? 0 { self.numbers[field]![slot] = .nan }
                }
            }
        }
        self.values[slot] = [:]
    }

    /// The slots below `slotCount` that pass `filter`.
    package func slots(matching filter: MetadataFilter, slotCount: Int) -> Bitset {
        switch filter {
        case .equals(let field, let value):
            return self.slots(field, holding: [value], slotCount: slotCount)
        case .oneOf(let field, let choices):
            return self.slots(field, holding: choices, slotCount: slotCount)
        case .range(let field, let low, let high):
            return self.numberSlots(field, slotCount: slotCount) { number in
                if let low, number < low { return false }
                if let high, number > high { return false }
                return true
            }
        case .all(let filters):
            guard let first = filters.first else { return Bitset.full(count: slotCount) }
            return filters.dropFirst().reduce(self.slots(matching: first, slotCount: slotCount)) {
                $0.intersection(self.slots(matching: $1, slotCount: slotCount))
            }
        case .any(let filters):
            return filters.reduce(Bitset(count: slotCount)) { $0.union(self.slots(matching: $1, slotCount: slotCount)) }
        case .not(let inner):
            return Bitset.full(count: slotCount).subtracting(self.slots(matching: inner, slotCount: slotCount))
        }
    }

    /// Whether `slot`'s values pass `filter` now (to recheck a few results).
    package func matches(_ filter: MetadataFilter, slot: Int) -> Bool {
        let values = slot < self.values.count ? self.values[slot] : [:]
        switch filter {
        case .equals(let field, let value): return values[field]?.contains(value) ?? false
        case .oneOf(let field, let choices): return values[field]?.contains { choices.contains($0) } ?? false
        case .range(let field, let low, let high):
            return values[field]?.contains { value in
                guard case .number(let number) = value else { return false }
                return number >= (low ?? -.infinity) && number <= (high ?? .infinity)
            } ?? false
        case .all(let filters): return filters.allSatisfy { self.matches($0, slot: slot) }
        case .any(let filters): return filters.contains { self.matches($0, slot: slot) }
        case .not(let inner): return !self.matches(inner, slot: slot)
        }
    }

    private func slots(_ field: String, holding choices: [MetadataValue], slotCount: Int) -> Bitset {
        var result = Bitset(count: slotCount)
        var wanted: Set<Double> = []
        for choice in choices {
            switch choice {
            case .text(let text):
                for slot in self.postings[field]?[text] ?? [] where Int(slot) < slotCount { result.insert(Int(slot)) }
            case .number(let number):
                wanted.insert(number)
            }
        }
        if !wanted.isEmpty { result = result.union(self.numberSlots(field, slotCount: slotCount) { wanted.contains($0) }) }
        return result
    }

    private func numberSlots(_ field: String, slotCount: Int, _ passes: (Double) -> Bool) -> Bitset {
        var result = Bitset(count: slotCount)
        guard let column = self.numbers[field] else { return result }
        for slot in 0..<min(column.count, slotCount) {
            let number = column[slot]
            if !number.isNaN && passes(number) { result.insert(slot) }
        }
        return result
    }
}
