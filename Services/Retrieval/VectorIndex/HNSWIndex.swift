package import Foundation
import NIOConcurrencyHelpers

/// A hierarchical navigable small-world graph (Malkov & Yashunin) over unit vectors, with cosine
/// distance (1 − dot product). Searches run concurrently with each other; writes take the lock
/// exclusively for the time one insert or delete needs.
///
/// Deleted vectors stay in the graph as tombstones — still traversed, never returned — and the
/// neighbours that linked to them are relinked at once, so the graph stays navigable; the next
/// inserts take their slots over, so churn does not grow the index. `compacted()` rebuilds
/// without tombstones.
package final class HNSWIndex: @unchecked Sendable {
    package struct Parameters: Sendable, Equatable, Codable {
        /// Links per node on upper levels; level 0 keeps twice as many. Default 16.
        package var m = 16
        /// Candidates considered while inserting. Default 200.
        package var efConstruction = 200
        /// Candidates considered while searching, unless a search says otherwise. Default 50.
        package var efSearch = 50
        /// Seed of the level generator, so builds repeat exactly. Default 42.
        package var seed: UInt64 = 42

        package init() {}
    }

    package let dimension: Int
    package let parameters: Parameters
    private let lock = ReadWriteLock()
    private var graph: Graph
    private let visitedPool = NIOLockedValueBox<[VisitedSet]>([])

    package init(dimension: Int, parameters: Parameters = Parameters()) {
        precondition(dimension > 0 && parameters.m >= 2)
        self.dimension = dimension
        self.parameters = parameters
        self.graph = Graph(dimension: dimension, parameters: parameters)
    }

    init(graph: Graph) {
        self.dimension = graph.dimension
        self.parameters = graph.parameters
        self.graph = graph
    }

    /// Live (not deleted) vectors.
    package var count: Int { self.lock.reading { self.graph.liveCount } }
    /// Slots in use, tombstones included.
    package var slotCount: Int { self.lock.reading { self.graph.count } }
    package var deletedCount: Int { self.lock.reading { self.graph.count - self.graph.liveCount } }

    package func contains(_ id: UUID) -> Bool { self.lock.reading { self.graph.slotOf[id] != nil } }

    /// Adds or replaces the vector of `id`; `vector` must be unit length (see `VectorMath.normalized`).
    package func upsert(_ id: UUID, vector: [Float]) {
        precondition(vector.count == self.dimension, "dimension mismatch")
        self.lock.writing {
            if let old = self.graph.slotOf[id] { self.graph.remove(old) }
            self.graph.insert(id, vector)
        }
    }

    /// Removes `id`; false if it was not there.
    @discardableResult
    package func remove(_ id: UUID) -> Bool {
        self.lock.writing {
            guard let slot = self.graph.slotOf[id] else { return false }
            self.graph.remove(slot)
            return true
        }
    }

    /// The `k` nearest live vectors to `query` (unit length), nearest first, among those whose
    /// slot passes `filter`. A filter that passes few slots is answered by an exact scan of them.
    package func search(_ query: [Float], k: Int, ef: Int? = nil, filter: SlotFilter? = nil) -> [Neighbor] {
        precondition(query.count == self.dimension, "dimension mismatch")
        let visited = self.takeVisited()
        defer { self.returnVisited(visited) }
        return self.lock.reading {
            self.graph.search(query, k: k, ef: max(ef ?? self.parameters.efSearch, k), filter: filter, visited: visited)
        }
    }

    /// The exact `k` nearest among live vectors passing `filter`, by scanning: the ground truth.
    package func exactSearch(_ query: [Float], k: Int, filter: SlotFilter? = nil) -> [Neighbor] {
        self.lock.reading { self.graph.exact(query, k: k, filter: filter) }
    }

    /// The stored (unit) vector of `id`; nil if it is not in the index.
    package func vector(of id: UUID) -> [Float]? {
        self.lock.reading { self.graph.slotOf[id].map { self.graph.vector($0) } }
    }

    /// The slot of `id`, for building filters over slots.
    package func slot(of id: UUID) -> UInt32? { self.lock.reading { self.graph.slotOf[id] } }

    /// The ids of every slot (tombstones included, as nil), for filter builders.
    package func slotIDs() -> [UUID?] {
        self.lock.reading { self.graph.ids.enumerated().map { self.graph.deleted[$0.offset] ? nil : $0.element } }
    }

    /// A new index with the live vectors only.
    package func compacted() -> HNSWIndex {
        let live: [(UUID, [Float])] = self.lock.reading {
            (0..<self.graph.count).filter { !self.graph.deleted[$0] }.map { (self.graph.ids[$0], self.graph.vector(UInt32($0))) }
        }
        let index = HNSWIndex(dimension: self.dimension, parameters: self.parameters)
        for (id, vector) in live { index.upsert(id, vector: vector) }
        return index
    }

    /// Approximate bytes held by vectors and links.
    package var memoryBytes: Int {
        self.lock.reading {
            self.graph.vectors.count * 4 + self.graph.level0.count * 4 + self.graph.count * (16 + 2)
                + self.graph.upper.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count * 4 + 16 } }
        }
    }

    func withGraph<Result>(_ body: (Graph) throws -> Result) rethrows -> Result {
        try self.lock.reading { try body(self.graph) }
    }

    private func takeVisited() -> VisitedSet {
        self.visitedPool.withLockedValue { $0.popLast() } ?? VisitedSet()
    }

    private func returnVisited(_ visited: VisitedSet) {
        self.visitedPool.withLockedValue { if $0.count < 64 { $0.append(visited) } }
    }
}

/// A search result: the vector's id and its cosine distance to the query.
package struct Neighbor: Sendable, Equatable {
    package var id: UUID
    package var distance: Float
}

/// Which slots a search may return, with how many pass (to choose between graph and scan).
package struct SlotFilter: Sendable {
    package var passes: Bitset
    package var passingCount: Int
    /// Whether a search may scan the passing nodes instead of walking the graph when that is
    /// cheaper. Default true; tests turn it off to exercise the filtered walk.
    package var mayScan = true

    package init(passes: Bitset, mayScan: Bool = true) {
        self.passes = passes
        self.passingCount = passes.popCount
        self.mayScan = mayScan
    }
}
