import Foundation
import Testing
import VectorIndex

@Suite("HNSW vector index")
struct HNSWIndexTests {
    /// 3,000 clustered 32-d vectors, their ids, and an index built from them.
    static func build(count: Int = 3_000, dimension: Int = 32) -> (HNSWIndex, [(UUID, [Float], Int)]) {
        var data = ClusteredVectors(dimension: dimension, clusters: 30, seed: 7)
        var parameters = HNSWIndex.Parameters()
        parameters.efConstruction = 100
        let index = HNSWIndex(dimension: dimension, parameters: parameters)
        var rows: [(UUID, [Float], Int)] = []
        for number in 0..<count {
            let (vector, cluster) = data.next()
            let id = UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!
            index.upsert(id, vector: vector)
            rows.append((id, vector, cluster))
        }
        return (index, rows)
    }

    static func queries(_ count: Int, dimension: Int = 32) -> [[Float]] {
        var data = ClusteredVectors(dimension: dimension, clusters: 30, seed: 7)
        // Skip what the index holds, so queries are new points from the same clusters.
        for _ in 0..<3_000 { _ = data.next() }
        return (0..<count).map { _ in data.next().vector }
    }

    static func meanRecall(_ index: HNSWIndex, queries: [[Float]], ef: Int, filter: SlotFilter? = nil) -> Double {
        queries.map { query in
            recall(index.search(query, k: 10, ef: ef, filter: filter), truth: index.exactSearch(query, k: 10, filter: filter))
        }.reduce(0, +) / Double(queries.count)
    }

    @Test("Recall@10 against an exact scan is at least 0.98 at ef 50")
    func recallAtEf50() {
        let (index, _) = Self.build()
        #expect(Self.meanRecall(index, queries: Self.queries(100), ef: 50) >= 0.98)
    }

    @Test("A vector finds itself first, at distance 0")
    func selfIsNearest() {
        let (index, rows) = Self.build(count: 500)
        for (id, vector, _) in rows.prefix(50) {
            let first = index.search(vector, k: 1).first
            #expect(first?.id == id)
            #expect(abs(first?.distance ?? 1) < 1e-5)
        }
    }

    @Test("Removed vectors are never returned, and the rest stay findable")
    func removal() {
        let (index, rows) = Self.build()
        let removed = rows.enumerated().filter { $0.offset % 5 == 0 }.map(\.element.0)
        for id in removed { #expect(index.remove(id)) }
        #expect(!index.remove(removed[0]))
        #expect(index.count == rows.count - removed.count)
        let gone = Set(removed)
        for query in Self.queries(50) {
            #expect(index.search(query, k: 10).allSatisfy { !gone.contains($0.id) })
        }
        #expect(Self.meanRecall(index, queries: Self.queries(100), ef: 50) >= 0.97)
    }

    @Test("Upsert replaces a vector: the id moves to its new place")
    func upsertReplaces() {
        let (index, rows) = Self.build(count: 500)
        let (id, _, _) = rows[0]
        let target = rows[400].1
        index.upsert(id, vector: target)
        #expect(index.count == 500)
        #expect(Set(index.search(target, k: 2).map(\.id)) == [id, rows[400].0])
    }

    @Test("A selective filter is answered exactly; a broad one keeps recall high")
    func filters() {
        let (index, rows) = Self.build()
        let slots = index.slotIDs()
        func filter(_ keep: (Int) -> Bool) -> SlotFilter {
            var bits = Bitset(count: slots.count)
            for (slot, id) in slots.enumerated() {
                if let id, let row = rows.first(where: { $0.0 == id }), keep(row.2) { bits.insert(slot) }
            }
            return SlotFilter(passes: bits)
        }
        let narrow = filter { $0 == 3 }  // one cluster in 30: about 3 %
        let broad = filter { $0 % 3 == 0 }  // a third
        let queries = Self.queries(60)
        for query in queries {
            #expect(index.search(query, k: 10, filter: narrow) == index.exactSearch(query, k: 10, filter: narrow))
        }
        #expect(Self.meanRecall(index, queries: queries, ef: 50, filter: broad) >= 0.95)
        // The same through the filtered graph walk, which large indexes use for broad filters.
        let walked = SlotFilter(passes: broad.passes, mayScan: false)
        #expect(Self.meanRecall(index, queries: queries, ef: 50, filter: walked) >= 0.95)
        for query in queries.prefix(20) {
            #expect(index.search(query, k: 10, filter: walked).allSatisfy { broad.passes.contains(Int(index.slot(of: $0.id)!)) })
        }
        let passing = Set(slots.enumerated().compactMap { broad.passes.contains($0.offset) ? $0.element : nil })
        for query in queries { #expect(index.search(query, k: 10, filter: broad).allSatisfy { passing.contains($0.id) }) }
    }

    @Test("A snapshot restores an index that answers exactly as the original")
    func snapshotRoundTrip() throws {
        let (index, rows) = Self.build(count: 1_000)
        index.remove(rows[3].0)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hnsw-\(UUID().uuidString).snapshot")
        defer { try? FileManager.default.removeItem(at: url) }
        try index.write(to: url)
        let restored = try HNSWIndex.read(from: url)
        #expect(restored.count == index.count)
        #expect(restored.parameters == index.parameters)
        for query in Self.queries(30) { #expect(restored.search(query, k: 10) == index.search(query, k: 10)) }
        // The restored index keeps growing like the original would.
        restored.upsert(rows[3].0, vector: rows[3].1)
        #expect(restored.search(rows[3].1, k: 1).first?.id == rows[3].0)
    }

    @Test("A damaged snapshot is refused with a reason, not loaded")
    func damagedSnapshot() throws {
        let (index, _) = Self.build(count: 200)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hnsw-\(UUID().uuidString).snapshot")
        defer { try? FileManager.default.removeItem(at: url) }
        try index.write(to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 10).write(to: url)
        #expect(throws: SnapshotError.self) { _ = try HNSWIndex.read(from: url) }
        try Data("not a snapshot at all".utf8).write(to: url)
        #expect(throws: SnapshotError.notASnapshot(url.path)) { _ = try HNSWIndex.read(from: url) }
    }

    @Test("Searches run while inserts and removals happen")
    func concurrentReadsAndWrites() async {
        let (index, rows) = Self.build(count: 1_000)
        let queries = Self.queries(20)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var data = ClusteredVectors(dimension: 32, clusters: 30, seed: 99)
                for _ in 0..<500 { index.upsert(UUID(), vector: data.next().vector) }
                for row in rows.prefix(200) { index.remove(row.0) }
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<20 { for query in queries { #expect(index.search(query, k: 10).count == 10) } }
                }
            }
        }
        #expect(index.count == 1_300)
    }

    @Test("Inserts take over deleted slots, and the index still finds everything")
    func deletedSlotsAreReused() {
        let (index, rows) = Self.build(count: 1_000)
        for row in rows.prefix(300) { index.remove(row.0) }
        #expect(index.deletedCount == 300)
        var data = ClusteredVectors(dimension: 32, clusters: 30, seed: 11)
        var added: [(UUID, [Float])] = []
        for _ in 0..<300 {
            let entry = (UUID(), data.next().vector)
            index.upsert(entry.0, vector: entry.1)
            added.append(entry)
        }
        #expect(index.slotCount == 1_000)
        #expect(index.deletedCount == 0)
        #expect(index.count == 1_000)
        for (id, vector) in added.prefix(50) { #expect(index.search(vector, k: 1).first?.id == id) }
        let gone = Set(rows.prefix(300).map(\.0))
        for query in Self.queries(50) { #expect(index.search(query, k: 10).allSatisfy { !gone.contains($0.id) }) }
        #expect(Self.meanRecall(index, queries: Self.queries(100), ef: 50) >= 0.97)
    }

    @Test("Compaction drops tombstones and keeps answers")
    func compaction() {
        let (index, rows) = Self.build(count: 1_000)
        for row in rows.prefix(300) { index.remove(row.0) }
        let compacted = index.compacted()
        #expect(compacted.slotCount == 700)
        #expect(compacted.deletedCount == 0)
        #expect(Self.meanRecall(compacted, queries: Self.queries(50), ef: 50) >= 0.97)
    }
}
