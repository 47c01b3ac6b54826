import Foundation

/// The graph itself, unsynchronised: `HNSWIndex` guards it.
struct Graph {
    let dimension: Int
    let parameters: HNSWIndex.Parameters
    /// Level-0 links per node (2 M).
    let maxLinks0: Int
    /// Vectors, `dimension` floats per slot, unit length.
    var vectors: [Float] = []
    var ids: [UUID] = []
    var slotOf: [UUID: UInt32] = [:]
    var deleted: [Bool] = []
    var levels: [UInt8] = []
    /// Level-0 links: `maxLinks0` slots per node, the first `level0Count[slot]` valid.
    var level0: [UInt32] = []
    var level0Count: [UInt8] = []
    /// Links on levels 1…top of each node (empty for level-0-only nodes).
    var upper: [[[UInt32]]] = []
    var entryPoint: UInt32?
    var maxLevel = 0
    var liveCount = 0
    /// Deleted slots, which the next inserts take over (hnswlib's replace_deleted), so an index
    /// whose contents churn keeps its size.
    var freeSlots: [UInt32] = []
    var random: SplitMix64
    /// Reused by inserts (one at a time, under the write lock).
    let insertVisited = VisitedSet()

    init(dimension: Int, parameters: HNSWIndex.Parameters) {
        self.dimension = dimension
        self.parameters = parameters
        self.maxLinks0 = parameters.m * 2
        self.random = SplitMix64(seed: parameters.seed)
    }

    var count: Int { self.ids.count }

    func vector(_ slot: UInt32) -> [Float] {
        let start = Int(slot) * self.dimension
        return Array(self.vectors[start..<start + self.dimension])
    }

    @inline(__always)
    func distance(_ query: UnsafePointer<Float>, _ slot: UInt32, _ vectors: UnsafePointer<Float>) -> Float {
        1 - VectorMath.dot(query, vectors + Int(slot) * self.dimension, count: self.dimension)
    }

    func links(_ slot: UInt32, level: Int) -> ArraySlice<UInt32> {
        if level == 0 {
            let start = Int(slot) * self.maxLinks0
            return self.level0[start..<start + Int(self.level0Count[Int(slot)])]
        }
        return self.upper[Int(slot)][level - 1][...]
    }

    mutating func setLinks(_ slot: UInt32, level: Int, _ links: [UInt32]) {
        if level == 0 {
            let start = Int(slot) * self.maxLinks0
            for (offset, link) in links.prefix(self.maxLinks0).enumerated() { self.level0[start + offset] = link }
            self.level0Count[Int(slot)] = UInt8(min(links.count, self.maxLinks0))
        } else {
            self.upper[Int(slot)][level - 1] = links
        }
    }

    func maxLinks(level: Int) -> Int { level == 0 ? self.maxLinks0 : self.parameters.m }

    // MARK: Insert

    mutating func insert(_ id: UUID, _ vector: [Float]) {
        let slot: UInt32
        let level: Int
        if let free = self.freeSlots.popLast() {
            // A deleted slot keeps its level (links to it on upper levels stay meaningful) and
            // gets new links below; nodes that still link to it now reach the new vector.
            slot = free
            level = Int(self.levels[Int(free)])
            let start = Int(free) * self.dimension
            self.vectors.replaceSubrange(start..<start + self.dimension, with: vector)
            self.ids[Int(free)] = id
            self.deleted[Int(free)] = false
            self.level0Count[Int(free)] = 0
            self.upper[Int(free)] = Array(repeating: [], count: level)
        } else {
            slot = UInt32(self.count)
            level = self.randomLevel()
            self.vectors += vector
            self.ids.append(id)
            self.deleted.append(false)
            self.levels.append(UInt8(level))
            self.level0 += [UInt32](repeating: 0, count: self.maxLinks0)
            self.level0Count.append(0)
            self.upper.append(Array(repeating: [], count: level))
        }
        self.slotOf[id] = slot
        self.liveCount += 1
        guard let entry = self.entryPoint else {
            self.entryPoint = slot
            self.maxLevel = level
            return
        }
        let visited = self.insertVisited
        var nearest = entry
        vector.withUnsafeBufferPointer { query in
            self.vectors.withUnsafeBufferPointer { vectors in
                let q = query.baseAddress!
                let v = vectors.baseAddress!
                if self.maxLevel > level {
                    for layer in stride(from: self.maxLevel, to: level, by: -1) {
                        nearest = self.greedy(q, from: nearest, level: layer, vectors: v)
                    }
                }
            }
        }
        for layer in stride(from: min(level, self.maxLevel), through: 0, by: -1) {
            let candidates = vector.withUnsafeBufferPointer { query in
                self.vectors.withUnsafeBufferPointer { vectors in
                    self.searchLayer(
                        query.baseAddress!, entries: [nearest], ef: self.parameters.efConstruction, level: layer, filter: nil,
                        visited: visited, vectors: vectors.baseAddress!)
                }
            }.filter { $0.slot != slot }  // a reused slot is reachable from its old neighbours
            let chosen = self.selectNeighbors(candidates, count: self.parameters.m)
            self.setLinks(slot, level: layer, chosen)
            for neighbor in chosen { self.link(neighbor, to: slot, level: layer) }
            if let closest = candidates.first { nearest = closest.slot }
        }
        if level > self.maxLevel {
            self.maxLevel = level
            self.entryPoint = slot
        }
    }

    /// Adds `slot` to `node`'s links, pruning with the heuristic when they overflow.
    private mutating func link(_ node: UInt32, to slot: UInt32, level: Int) {
        var links = Array(self.links(node, level: level))
        guard !links.contains(slot) else { return }
        links.append(slot)
        if links.count > self.maxLinks(level: level) {
            links = self.prune(node, candidates: links, count: self.maxLinks(level: level))
        }
        self.setLinks(node, level: level, links)
    }

    /// The best `count` of `candidates` as links of `node`.
    private func prune(_ node: UInt32, candidates: [UInt32], count: Int) -> [UInt32] {
        self.vectors.withUnsafeBufferPointer { vectors in
            let v = vectors.baseAddress!
            let base = v + Int(node) * self.dimension
            let scored = candidates.map { ScoredSlot(distance: self.distance(base, $0, v), slot: $0) }.sorted()
            return self.selectNeighbors(scored, count: count)
        }
    }

    /// The neighbour-selection heuristic: take candidates nearest first, skipping one that is
    /// nearer to an already chosen neighbour than to the base, so links spread in all directions.
    func selectNeighbors(_ sorted: [ScoredSlot], count: Int) -> [UInt32] {
        if sorted.count <= count { return sorted.map(\.slot) }
        return self.vectors.withUnsafeBufferPointer { vectors in
            let v = vectors.baseAddress!
            var chosen: [UInt32] = []
            chosen.reserveCapacity(count)
            for candidate in sorted {
                if chosen.count >= count { break }
                let c = v + Int(candidate.slot) * self.dimension
                var keep = true
                for other in chosen where self.distance(c, other, v) < candidate.distance {
                    keep = false
                    break
                }
                if keep { chosen.append(candidate.slot) }
            }
            return chosen
        }
    }

    private mutating func randomLevel() -> Int {
        let multiplier = 1 / log(Double(self.parameters.m))
        let uniform = Double(self.random.next() >> 11) / Double(1 << 53)
        return min(Int(-log(max(uniform, 1e-12)) * multiplier), 16)
    }

    // MARK: Remove

    /// Tombstones `slot` and relinks the neighbours that pointed at it through its own links.
    mutating func remove(_ slot: UInt32) {
        guard !self.deleted[Int(slot)] else { return }
        self.deleted[Int(slot)] = true
        self.slotOf[self.ids[Int(slot)]] = nil
        self.liveCount -= 1
        defer { self.freeSlots.append(slot) }
        for level in 0...Int(self.levels[Int(slot)]) {
            let theirs = Array(self.links(slot, level: level))
            for neighbor in theirs where !self.deleted[Int(neighbor)] {
                let links = Array(self.links(neighbor, level: level))
                guard links.contains(slot) else { continue }
                var candidates = Set(links)
                candidates.formUnion(theirs)
                candidates.remove(slot)
                candidates.remove(neighbor)
                let live = candidates.filter { !self.deleted[Int($0)] }
                self.setLinks(neighbor, level: level, self.prune(neighbor, candidates: Array(live), count: self.maxLinks(level: level)))
            }
        }
        if self.entryPoint == slot {
            // The highest live node takes over.
            let live = (0..<self.count).filter { !self.deleted[$0] }
            if let next = live.max(by: { self.levels[$0] < self.levels[$1] }) {
                self.entryPoint = UInt32(next)
                self.maxLevel = Int(self.levels[next])
            } else {
                self.entryPoint = nil
                self.maxLevel = 0
            }
        }
    }

    // MARK: Search

    func search(_ query: [Float], k: Int, ef: Int, filter: SlotFilter?, visited: VisitedSet) -> [Neighbor] {
        guard let entry = self.entryPoint, k > 0 else { return [] }
        // With a filter passing a fraction p of nodes, the walk explores about 1/p times wider
        // to meet ef passing nodes; when that costs more than scanning the passing nodes, scan.
        let explore = filter.map { Self.exploration(ef: ef, filter: $0, count: self.count) } ?? ef
        if let filter, filter.mayScan, filter.passingCount <= explore * Self.scanWorthPerExploredCandidate {
            return self.exact(query, k: k, filter: filter)
        }
        return query.withUnsafeBufferPointer { queryBuffer in
            self.vectors.withUnsafeBufferPointer { vectors in
                let q = queryBuffer.baseAddress!
                let v = vectors.baseAddress!
                var nearest = entry
                if self.maxLevel > 0 {
                    for level in stride(from: self.maxLevel, to: 0, by: -1) { nearest = self.greedy(q, from: nearest, level: level, vectors: v) }
                }
                let found = self.searchLayer(
                    q, entries: [nearest], ef: max(ef, k), explore: max(explore, ef, k), level: 0, filter: filter, visited: visited,
                    vectors: v)
                return found.prefix(k).map { Neighbor(id: self.ids[Int($0.slot)], distance: $0.distance) }
            }
        }
    }

    /// How many candidates a filtered walk keeps exploring: 5 ef / p, at most 4,000. Measured on
    /// 100k clustered 384-d vectors at p = 30 %: recall@10 0.93 with ef / p, 0.97 with 2 ef / p,
    /// 0.99 with 4 ef / p (the passing neighbours of a query whose own cluster fails the filter
    /// lie in other clusters, so the walk must reach further).
    static func exploration(ef: Int, filter: SlotFilter, count: Int) -> Int {
        let fraction = Double(max(filter.passingCount, 1)) / Double(max(count, 1))
        return min(Int((5 * Double(ef) / fraction).rounded(.up)), 4_000)
    }

    /// A filter passing fewer than this many nodes per explored candidate is answered by a scan.
    /// A walk computes about 64 distances per explored candidate, on vectors mostly in cache; a
    /// scan of scattered passing vectors is memory-bound. VectorBenchmark (100k vectors, filters
    /// following clusters, AVX-512 kernel) puts the crossover near 20 % passing, where both ran
    /// about 470 queries/s; at 10 % the scan is 6× faster and at 30 % the walk 2× faster.
    static let scanWorthPerExploredCandidate = 15

    func exact(_ query: [Float], k: Int, filter: SlotFilter?) -> [Neighbor] {
        guard k > 0 else { return [] }
        var best = MaxHeap(capacity: k)
        query.withUnsafeBufferPointer { queryBuffer in
            self.vectors.withUnsafeBufferPointer { vectors in
                let q = queryBuffer.baseAddress!
                let v = vectors.baseAddress!
                // A plain loop over the filter's words: closures here cost 4× the distances.
                let words = filter?.passes.words
                var slot = 0
                while slot < self.count {
                    if let words {
                        let word = slot >> 6
                        guard word < words.count else { break }
                        let bits = words[word] >> UInt64(slot & 63)
                        if bits == 0 {
                            slot = (word + 1) << 6
                            continue
                        }
                        slot += bits.trailingZeroBitCount
                        if slot >= self.count { break }
                    }
                    if !self.deleted[slot] {
                        let distance = self.distance(q, UInt32(slot), v)
                        if best.count < k {
                            best.push(ScoredSlot(distance: distance, slot: UInt32(slot)))
                        } else if distance < best.top!.distance {
                            best.replaceTop(ScoredSlot(distance: distance, slot: UInt32(slot)))
                        }
                    }
                    slot += 1
                }
            }
        }
        return best.sortedAscending().map { Neighbor(id: self.ids[Int($0.slot)], distance: $0.distance) }
    }

    /// Walks to the nearest node on `level` from `start`.
    private func greedy(_ query: UnsafePointer<Float>, from start: UInt32, level: Int, vectors: UnsafePointer<Float>) -> UInt32 {
        var current = start
        var best = self.distance(query, current, vectors)
        var improved = true
        while improved {
            improved = false
            for neighbor in self.links(current, level: level) {
                let distance = self.distance(query, neighbor, vectors)
                if distance < best {
                    best = distance
                    current = neighbor
                    improved = true
                }
            }
        }
        return current
    }

    /// The best-first search of one level; results nearest first. The walk keeps the `explore`
    /// nearest nodes seen as its frontier bound (all nodes: tombstones and filtered-out ones
    /// carry the walk through their regions); the `ef` nearest returnable ones are the results.
    func searchLayer(
        _ query: UnsafePointer<Float>, entries: [UInt32], ef: Int, explore: Int? = nil, level: Int, filter: SlotFilter?,
        visited: VisitedSet, vectors: UnsafePointer<Float>
    ) -> [ScoredSlot] {
        let explore = explore ?? ef
        visited.reset(count: self.count)
        var candidates = MinHeap()
        var frontier = MaxHeap(capacity: explore)
        var results = MaxHeap(capacity: ef)
        for entry in entries {
            _ = visited.insert(entry)
            let scored = ScoredSlot(distance: self.distance(query, entry, vectors), slot: entry)
            candidates.push(scored)
            if frontier.count < explore { frontier.push(scored) } else { frontier.replaceTop(scored) }
            if self.returnable(entry, filter) {
                if results.count < ef { results.push(scored) } else if scored.distance < results.top!.distance { results.replaceTop(scored) }
            }
        }
        // Plain loops over raw link storage: this is where a search spends its time.
        let maxLinks0 = self.maxLinks0
        self.level0.withUnsafeBufferPointer { level0 in
            self.level0Count.withUnsafeBufferPointer { level0Count in
                self.deleted.withUnsafeBufferPointer { deleted in
                    while let current = candidates.pop() {
                        if frontier.count >= explore, let worst = frontier.top, current.distance > worst.distance { break }
                        let upper: [UInt32] = level == 0 ? [] : self.upper[Int(current.slot)][level - 1]
                        let linkCount = level == 0 ? Int(level0Count[Int(current.slot)]) : upper.count
                        let start = Int(current.slot) * maxLinks0
                        var position = 0
                        while position < linkCount {
                            let neighbor = level == 0 ? level0[start + position] : upper[position]
                            position += 1
                            if position < linkCount {
                                let next = level == 0 ? level0[start + position] : upper[position]
                                VectorMath.prefetch(vectors + Int(next) * self.dimension)
                            }
                            guard visited.insert(neighbor) else { continue }
                            let distance = self.distance(query, neighbor, vectors)
                            guard frontier.count < explore || distance < frontier.top!.distance else { continue }
                            let scored = ScoredSlot(distance: distance, slot: neighbor)
                            candidates.push(scored)
                            if frontier.count < explore { frontier.push(scored) } else { frontier.replaceTop(scored) }
                            if !deleted[Int(neighbor)] && (filter?.passes.contains(Int(neighbor)) ?? true) {
                                if results.count < ef {
                                    results.push(scored)
                                } else if distance < results.top!.distance {
                                    results.replaceTop(scored)
                                }
                            }
                        }
                    }
                }
            }
        }
        return results.sortedAscending()
    }

    @inline(__always)
    private func returnable(_ slot: UInt32, _ filter: SlotFilter?) -> Bool {
        !self.deleted[Int(slot)] && (filter?.passes.contains(Int(slot)) ?? true)
    }
}

/// A slot and its distance to something; ordered by distance, then slot.
struct ScoredSlot: Comparable {
    var distance: Float
    var slot: UInt32

    static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.distance < rhs.distance || (lhs.distance == rhs.distance && lhs.slot < rhs.slot)
    }
}

/// Deterministic 64-bit generator (SplitMix64): level draws repeat for a seed.
struct SplitMix64 {
    private(set) var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
