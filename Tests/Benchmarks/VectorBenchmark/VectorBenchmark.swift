import Foundation
import VectorIndex

/// The vector index benchmark: build time, memory, single-thread QPS and recall@10 against an
/// exact scan at several ef, and filtered recall and QPS for filters passing 2 % and 30 %.
///
/// Usage: VectorBenchmark [--count 100000] [--dimension 384] [--queries 500]
///                        [--base FILE.fvecs --query FILE.fvecs] [--snapshot FILE] [--export DIR]
/// `--snapshot` saves the built index there, or restores it if the file exists. `--export` writes
/// the data to DIR/base.fvecs and DIR/query.fvecs and stops, so other libraries can be measured
/// on exactly the same vectors (Tests/Benchmarks/hnswlib-compare.sh).
/// Without files the data is a deterministic mixture of Gaussian clusters, normalised.
@main
struct VectorBenchmark {
    static func main() throws {
        var arguments = ArraySlice(CommandLine.arguments.dropFirst())
        var count = 100_000
        var dimension = 384
        var queryCount = 500
        var basePath: String?
        var queryPath: String?
        var snapshotPath: String?
        var exportPath: String?
        while let flag = arguments.popFirst() {
            let value = arguments.popFirst() ?? ""
            switch flag {
            case "--count": count = Int(value) ?? count
            case "--dimension": dimension = Int(value) ?? dimension
            case "--queries": queryCount = Int(value) ?? queryCount
            case "--base": basePath = value
            case "--query": queryPath = value
            case "--snapshot": snapshotPath = value
            case "--export": exportPath = value
            default: throw BenchmarkError("unknown flag \(flag)")
            }
        }

        var base: [[Float]]
        var queries: [[Float]]
        var groups: [Int]
        if let basePath, let queryPath {
            base = try Self.fvecs(basePath).compactMap(VectorMath.normalized)
            queries = Array(try Self.fvecs(queryPath).compactMap(VectorMath.normalized).prefix(queryCount))
            dimension = base.first?.count ?? 0
            groups = base.indices.map { $0 % 50 }  // filters by position when the data has no labels
        } else {
            var data = ClusteredVectors(dimension: dimension, clusters: 1_000, seed: 42)
            let drawn = (0..<count).map { _ in data.next() }
            base = drawn.map(\.vector)
            groups = drawn.map { $0.cluster % 50 }
            queries = (0..<queryCount).map { _ in data.next().vector }
        }
        count = base.count
        if let exportPath {
            try Self.writeFvecs(base, to: exportPath + "/base.fvecs")
            try Self.writeFvecs(queries, to: exportPath + "/query.fvecs")
            print("wrote \(base.count) base and \(queries.count) query vectors to \(exportPath)")
            return
        }

        let started = ContinuousClock.now
        let index: HNSWIndex
        if let snapshotPath, FileManager.default.fileExists(atPath: snapshotPath) {
            index = try HNSWIndex.read(from: URL(fileURLWithPath: snapshotPath))
            print(String(format: "restored from %@ in %.1f s", snapshotPath, Self.seconds(ContinuousClock.now - started)))
        } else {
            index = HNSWIndex(dimension: dimension)
            for (number, vector) in base.enumerated() { index.upsert(Self.id(number), vector: vector) }
            if let snapshotPath { try index.write(to: URL(fileURLWithPath: snapshotPath)) }
        }
        let buildSeconds = Self.seconds(ContinuousClock.now - started)
        print("vectors \(count) × \(dimension), M \(index.parameters.m), ef_construction \(index.parameters.efConstruction), dot kernel \(VectorMath.kernel)")
        print(String(format: "build %.1f s (%.0f inserts/s), index memory %.1f MiB, process RSS %.1f MiB",
                     buildSeconds, Double(count) / buildSeconds, Double(index.memoryBytes) / 1_048_576, Self.residentMiB()))

        let truth = queries.map { index.exactSearch($0, k: 10) }
        let exactStarted = ContinuousClock.now
        for query in queries.prefix(50) { _ = index.exactSearch(query, k: 10) }
        let exactQPS = 50 / Self.seconds(ContinuousClock.now - exactStarted)
        print(String(format: "exact scan: %.0f queries/s", exactQPS))
        print("| ef | recall@10 | queries/s (1 thread) |\n|---|---|---|")
        for ef in [10, 50, 100, 200] {
            let (meanRecall, qps) = Self.measure(queries, truth: truth) { index.search($0, k: 10, ef: ef) }
            print(String(format: "| %d | %.4f | %.0f |", ef, meanRecall, qps))
        }

        let slots = index.slotIDs()
        print("| filter | passing | recall@10 | queries/s | exact scan of the subset, queries/s | filtered walk only: recall@10, queries/s |\n|---|---|---|---|---|---|")
        for (name, groupsPassing) in [("2 %", 1), ("6 %", 3), ("10 %", 5), ("20 %", 10), ("30 %", 15)] {
            var bits = Bitset(count: slots.count)
            for slot in slots.indices where groups[slot] < groupsPassing { bits.insert(slot) }
            let filter = SlotFilter(passes: bits)
            let filteredTruth = queries.map { index.exactSearch($0, k: 10, filter: filter) }
            let (meanRecall, qps) = Self.measure(queries, truth: filteredTruth) { index.search($0, k: 10, filter: filter) }
            let (_, scanQPS) = Self.measure(Array(queries.prefix(100)), truth: Array(filteredTruth.prefix(100))) {
                index.exactSearch($0, k: 10, filter: filter)
            }
            let (walkRecall, walkQPS) = Self.measure(queries, truth: filteredTruth) {
                index.search($0, k: 10, filter: SlotFilter(passes: bits, mayScan: false))
            }
            print(String(format: "| %@ | %d | %.4f | %.0f | %.0f | %.4f, %.0f |", name, filter.passingCount, meanRecall, qps, scanQPS, walkRecall, walkQPS))
        }
    }

    static func measure(_ queries: [[Float]], truth: [[Neighbor]], _ search: ([Float]) -> [Neighbor]) -> (Double, Double) {
        var total = 0.0
        let started = ContinuousClock.now
        for (query, expected) in zip(queries, truth) { total += recall(search(query), truth: expected) }
        return (total / Double(queries.count), Double(queries.count) / Self.seconds(ContinuousClock.now - started))
    }

    static func id(_ number: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `.fvecs`: per vector, a little-endian Int32 dimension, then that many Float32.
    static func fvecs(_ path: String) throws -> [[Float]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var vectors: [[Float]] = []
        var offset = 0
        while offset + 4 <= data.count {
            let dimension = Int(data.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Int32.self)) })
            offset += 4
            guard dimension > 0, offset + dimension * 4 <= data.count else { throw BenchmarkError("\(path) is not an .fvecs file") }
            vectors.append(data.withUnsafeBytes { raw in (0..<dimension).map { raw.loadUnaligned(fromByteOffset: offset + $0 * 4, as: Float.self) } })
            offset += dimension * 4
        }
        return vectors
    }

    static func writeFvecs(_ vectors: [[Float]], to path: String) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vectors.count * ((vectors.first?.count ?? 0) * 4 + 4))
        for vector in vectors {
            withUnsafeBytes(of: Int32(vector.count).littleEndian) { bytes += $0 }
            for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func residentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kib / 1024
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
