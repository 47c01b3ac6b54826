import Testing
import VectorIndex

@Suite("Metadata filters")
struct MetadataIndexTests {
    /// Ten slots: genre alternates rock/folk, year 2000 + slot, slot 3 tagged "live" and "demo".
    static func index() -> MetadataIndex {
        var index = MetadataIndex()
        for slot in 0..<10 {
            var metadata: [String: [MetadataValue]] = [
                "genre": [.text(slot % 2 == 0 ? "rock" : "folk")], "year": [.number(Double(2000 + slot))],
            ]
            if slot == 3 { metadata["tags"] = [.text("live"), .text("demo")] }
            index.set(metadata, slot: slot)
        }
        return index
    }

    static func members(_ bits: Bitset) -> [Int] {
        var members: [Int] = []
        bits.forEachSet(below: 10) { members.append($0) }
        return members
    }

    @Test("Equality, set membership and ranges select the right slots")
    func basicFilters() {
        let index = Self.index()
        #expect(Self.members(index.slots(matching: .equals("genre", .text("rock")), slotCount: 10)) == [0, 2, 4, 6, 8])
        #expect(Self.members(index.slots(matching: .oneOf("tags", [.text("demo"), .text("remix")]), slotCount: 10)) == [3])
        #expect(Self.members(index.slots(matching: .range("year", min: 2003, max: 2005), slotCount: 10)) == [3, 4, 5])
        #expect(Self.members(index.slots(matching: .range("year", min: nil, max: 2001), slotCount: 10)) == [0, 1])
        #expect(Self.members(index.slots(matching: .equals("mood", .text("calm")), slotCount: 10)).isEmpty)
    }

    @Test("Filters combine with all, any and not")
    func combinations() {
        let index = Self.index()
        let rockAfter2004 = MetadataFilter.all([.equals("genre", .text("rock")), .range("year", min: 2005, max: nil)])
        #expect(Self.members(index.slots(matching: rockAfter2004, slotCount: 10)) == [6, 8])
        let liveOrEarly = MetadataFilter.any([.equals("tags", .text("live")), .range("year", min: nil, max: 2000)])
        #expect(Self.members(index.slots(matching: liveOrEarly, slotCount: 10)) == [0, 3])
        #expect(Self.members(index.slots(matching: .not(.equals("genre", .text("rock"))), slotCount: 10)) == [1, 3, 5, 7, 9])
    }

    @Test("Replacing or clearing a slot's metadata updates every posting")
    func updates() {
        var index = Self.index()
        index.set(["genre": [.text("jazz")], "year": [.number(1990)]], slot: 2)
        #expect(Self.members(index.slots(matching: .equals("genre", .text("rock")), slotCount: 10)) == [0, 4, 6, 8])
        #expect(Self.members(index.slots(matching: .equals("genre", .text("jazz")), slotCount: 10)) == [2])
        #expect(Self.members(index.slots(matching: .range("year", min: nil, max: 1999), slotCount: 10)) == [2])
        index.clear(slot: 2)
        #expect(Self.members(index.slots(matching: .equals("genre", .text("jazz")), slotCount: 10)).isEmpty)
        #expect(Self.members(index.slots(matching: .range("year", min: nil, max: 1999), slotCount: 10)).isEmpty)
    }

    @Test("A single slot is checked against a filter the same way a bitset is built")
    func matchesAgreeWithBitsets() {
        let index = Self.index()
        let filters: [MetadataFilter] = [
            .equals("genre", .text("rock")), .oneOf("tags", [.text("demo"), .text("remix")]), .range("year", min: 2003, max: 2005),
            .all([.equals("genre", .text("rock")), .range("year", min: 2004, max: nil)]), .not(.equals("genre", .text("rock"))),
            .any([.equals("mood", .text("calm")), .range("year", min: nil, max: 2001)]),
        ]
        for filter in filters {
            let members = Set(Self.members(index.slots(matching: filter, slotCount: 10)))
            #expect(Set((0..<10).filter { index.matches(filter, slot: $0) }) == members, "\(filter)")
        }
    }
}
