import Foundation

/// Which slots a search has seen, cleared in O(1) by bumping a generation. Raw storage: the
/// walk's hottest check, without the bounds and exclusivity checks of an array in a class.
final class VisitedSet {
    private var stamps: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    private var generation: UInt32 = 0

    init() {
        self.capacity = 1_024
        self.stamps = .allocate(capacity: self.capacity)
        self.stamps.initialize(repeating: 0, count: self.capacity)
    }

    deinit { self.stamps.deallocate() }

    func reset(count: Int) {
        self.grow(to: count)
        self.generation &+= 1
        if self.generation == 0 {  // wrapped: clear for real
            self.stamps.update(repeating: 0, count: self.capacity)
            self.generation = 1
        }
    }

    /// Marks `slot`; true if it was not marked yet.
    @inline(__always)
    func insert(_ slot: UInt32) -> Bool {
        let index = Int(slot)
        if index >= self.capacity { self.grow(to: index + 1) }
        if self.stamps[index] == self.generation { return false }
        self.stamps[index] = self.generation
        return true
    }

    private func grow(to count: Int) {
        guard count > self.capacity else { return }
        let capacity = max(count, self.capacity * 2)
        let stamps = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        stamps.moveInitialize(from: self.stamps, count: self.capacity)
        (stamps + self.capacity).initialize(repeating: 0, count: capacity - self.capacity)
        self.stamps.deallocate()
        self.stamps = stamps
        self.capacity = capacity
    }
}

/// Nearest-first candidates.
struct MinHeap {
    private var items: [ScoredSlot] = []

    mutating func push(_ item: ScoredSlot) {
        self.items.append(item)
        var child = self.items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.items[child] < self.items[parent] else { break }
            self.items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> ScoredSlot? {
        guard let first = self.items.first else { return nil }
        let last = self.items.removeLast()
        if !self.items.isEmpty {
            self.items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < self.items.count && self.items[left] < self.items[smallest] { smallest = left }
                if right < self.items.count && self.items[right] < self.items[smallest] { smallest = right }
                if smallest == parent { break }
                self.items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}

/// The best results so far, farthest on top so it can be replaced.
struct MaxHeap {
    private(set) var items: [ScoredSlot] = []

    init(capacity: Int) {
        self.items.reserveCapacity(capacity)
    }

    var count: Int { self.items.count }
    var top: ScoredSlot? { self.items.first }

    mutating func push(_ item: ScoredSlot) {
        self.items.append(item)
        var child = self.items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.items[parent] < self.items[child] else { break }
            self.items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func replaceTop(_ item: ScoredSlot) {
        self.items[0] = item
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var largest = parent
            if left < self.items.count && self.items[largest] < self.items[left] { largest = left }
            if right < self.items.count && self.items[largest] < self.items[right] { largest = right }
            if largest == parent { break }
            self.items.swapAt(parent, largest)
            parent = largest
        }
    }

    func sortedAscending() -> [ScoredSlot] { self.items.sorted() }
}

/// A fixed set of slot numbers, one bit each.
package struct Bitset: Sendable, Equatable {
    package private(set) var words: [UInt64]

    package init(count: Int) {
        self.words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    package mutating func insert(_ index: Int) {
        let word = index / 64
        if word >= self.words.count { self.words += [UInt64](repeating: 0, count: word + 1 - self.words.count) }
        self.words[word] |= 1 << UInt64(index % 64)
    }

    @inline(__always)
    package func contains(_ index: Int) -> Bool {
        let word = index / 64
        return word < self.words.count && self.words[word] & (1 << UInt64(index % 64)) != 0
    }

    package var popCount: Int { self.words.reduce(0) { $0 + $1.nonzeroBitCount } }

    package func intersection(_ other: Bitset) -> Bitset {
        var result = self
        for index in result.words.indices { result.words[index] &= index < other.words.count ? other.words[index] : 0 }
        return result
    }

    package func union(_ other: Bitset) -> Bitset {
        var result = self
        if other.words.count > result.words.count { result.words += [UInt64](repeating: 0, count: other.words.count - result.words.count) }
        for index in other.words.indices { result.words[index] |= other.words[index] }
        return result
    }

    /// Calls `body` with each member below `limit`, in order.
    package func forEachSet(below limit: Int, _ body: (Int) -> Void) {
        for (wordIndex, var word) in self.words.enumerated() {
            while word != 0 {
                let bit = word.trailingZeroBitCount
                let index = wordIndex * 64 + bit
                if index >= limit { return }
                body(index)
                word &= word - 1
            }
        }
    }
}

extension Bitset {
    /// Every slot below `count`.
    package static func full(count: Int) -> Bitset {
        var bits = Bitset(count: count)
        for slot in 0..<count { bits.insert(slot) }
        return bits
    }

    package mutating func remove(_ index: Int) {
        let word = index / 64
        guard word < self.words.count else { return }
        self.words[word] &= ~(1 << UInt64(index % 64))
    }

    package func subtracting(_ other: Bitset) -> Bitset {
        var result = self
        for index in result.words.indices where index < other.words.count { result.words[index] &= ~other.words[index] }
        return result
    }
}

/// Many readers or one writer (pthread's rwlock): searches share, inserts and deletes exclude.
final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() {
        pthread_rwlock_init(self.lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(self.lock)
        self.lock.deallocate()
    }

    func reading<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_rwlock_rdlock(self.lock)
        defer { pthread_rwlock_unlock(self.lock) }
        return try body()
    }

    func writing<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_rwlock_wrlock(self.lock)
        defer { pthread_rwlock_unlock(self.lock) }
        return try body()
    }
}
