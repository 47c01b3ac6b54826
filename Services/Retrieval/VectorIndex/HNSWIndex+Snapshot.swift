package import Foundation

/// Snapshots: the whole graph in one file, written to a temporary name and renamed into place,
/// so a crash leaves the previous snapshot intact. Little-endian; layout versioned by the magic.
extension HNSWIndex {
    static let magic = Array("LYRHNSW1".utf8)

    package func write(to url: URL) throws {
        var bytes: [UInt8] = []
        self.withGraph { graph in
            bytes += Self.magic
            for value in [
                UInt64(graph.dimension), UInt64(graph.parameters.m), UInt64(graph.parameters.efConstruction),
                UInt64(graph.parameters.efSearch), graph.parameters.seed, graph.random.state, UInt64(graph.count),
                UInt64(graph.entryPoint.map { UInt64($0) } ?? UInt64.max), UInt64(graph.maxLevel),
            ] { Self.append(value, to: &bytes) }
            for id in graph.ids { withUnsafeBytes(of: id.uuid) { bytes += $0 } }
            bytes += graph.deleted.map { $0 ? 1 : 0 }
            bytes += graph.levels
            bytes += graph.level0Count
            graph.level0.withUnsafeBytes { bytes += $0 }
            graph.vectors.withUnsafeBytes { bytes += $0 }
            for levels in graph.upper {
                for links in levels {
                    Self.append(UInt64(links.count), to: &bytes)
                    links.withUnsafeBytes { bytes += $0 }
                }
            }
        }
        // A name of this writer's own, then rename(2), which replaces atomically: replicas sharing
        // a snapshot file never see half of one, and the last complete one wins.
        let temporary = url.appendingPathExtension("partial-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        try Data(bytes).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: "rename failed: \(reason)"])
        }
    }

    /// The index a snapshot holds; throws `SnapshotError` when the file is not one or is cut short.
    package static func read(from url: URL) throws -> HNSWIndex {
        var reader = SnapshotReader(bytes: Array(try Data(contentsOf: url)))
        guard try reader.bytes(Self.magic.count) == Self.magic else { throw SnapshotError.notASnapshot(url.path) }
        let dimension = Int(try reader.uint64())
        var parameters = Parameters()
        parameters.m = Int(try reader.uint64())
        parameters.efConstruction = Int(try reader.uint64())
        parameters.efSearch = Int(try reader.uint64())
        parameters.seed = try reader.uint64()
        let randomState = try reader.uint64()
        let count = Int(try reader.uint64())
        let entry = try reader.uint64()
        let maxLevel = Int(try reader.uint64())
        guard dimension > 0, dimension <= 65_536, parameters.m >= 2, parameters.m <= 128, count <= 1 << 31 else {
            throw SnapshotError.corrupt("implausible header")
        }
        var graph = Graph(dimension: dimension, parameters: parameters)
        graph.random = SplitMix64(seed: randomState)
        graph.ids = try (0..<count).map { _ in
            let raw = try reader.bytes(16)
            return UUID(uuid: (raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]))
        }
        graph.deleted = try reader.bytes(count).map { $0 != 0 }
        graph.levels = try reader.bytes(count)
        graph.level0Count = try reader.bytes(count)
        graph.level0 = try reader.array(UInt32.self, count: count * graph.maxLinks0)
        graph.vectors = try reader.array(Float.self, count: count * dimension)
        graph.upper = try graph.levels.map { level in
            try (0..<Int(level)).map { _ in
                let linkCount = Int(try reader.uint64())
                guard linkCount <= parameters.m * 2 else { throw SnapshotError.corrupt("a node with \(linkCount) links") }
                return try reader.array(UInt32.self, count: linkCount)
            }
        }
        guard reader.isAtEnd else { throw SnapshotError.corrupt("trailing bytes") }
        for slot in 0..<count where !graph.deleted[slot] { graph.slotOf[graph.ids[slot]] = UInt32(slot) }
        graph.freeSlots = (0..<count).filter { graph.deleted[$0] }.map { UInt32($0) }
        graph.liveCount = graph.slotOf.count
        graph.entryPoint = entry == UInt64.max ? nil : UInt32(entry)
        graph.maxLevel = maxLevel
        let links = graph.level0.allSatisfy { Int($0) < max(count, 1) } && graph.upper.allSatisfy { $0.allSatisfy { $0.allSatisfy { Int($0) < count } } }
        guard links, graph.entryPoint.map({ Int($0) < count }) ?? true else { throw SnapshotError.corrupt("a link past the last node") }
        return HNSWIndex(graph: graph)
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

package enum SnapshotError: Error, Equatable, CustomStringConvertible {
    case notASnapshot(String)
    case corrupt(String)

    package var description: String {
        switch self {
        case .notASnapshot(let path): "\(path) is not an index snapshot"
        case .corrupt(let reason): "The index snapshot is damaged (\(reason)); it will be rebuilt from the database"
        }
    }
}

private struct SnapshotReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { self.offset == self.bytes.count }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, self.offset + count <= self.bytes.count else { throw SnapshotError.corrupt("cut short") }
        defer { self.offset += count }
        return Array(self.bytes[self.offset..<self.offset + count])
    }

    mutating func uint64() throws -> UInt64 {
        let raw = try self.bytes(8)
        return raw.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    mutating func array<Element>(_ type: Element.Type, count: Int) throws -> [Element] {
        let raw = try self.bytes(count * MemoryLayout<Element>.stride)
        return raw.withUnsafeBytes { buffer in (0..<count).map { buffer.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Element>.stride, as: Element.self) } }
    }
}
