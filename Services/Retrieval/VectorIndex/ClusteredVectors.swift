package import Foundation

/// Deterministic test data shaped like real embeddings: a mixture of Gaussian clusters around
/// random centres, normalised, rather than uniform noise (on which every index looks bad and
/// every exact scan looks good).
package struct ClusteredVectors {
    package let dimension: Int
    package let clusters: Int
    private let centres: [[Float]]
    private var random: SplitMix64

    /// - Parameters:
    ///   - spread: standard deviation around a centre, relative to the centres' own spread. Default 0.35.
    package init(dimension: Int, clusters: Int, seed: UInt64, spread: Float = 0.35) {
        self.dimension = dimension
        self.clusters = clusters
        self.random = SplitMix64(seed: seed)
        var random = SplitMix64(seed: seed ^ 0xC0FFEE)
        self.centres = (0..<clusters).map { _ in (0..<dimension).map { _ in Self.gaussian(&random) } }
        self.spread = spread
    }

    private let spread: Float

    /// The next vector, unit length, with the cluster it came from.
    package mutating func next() -> (vector: [Float], cluster: Int) {
        let cluster = Int(self.random.next() % UInt64(self.clusters))
        let centre = self.centres[cluster]
        let raw = centre.map { $0 + self.spread * Self.gaussian(&self.random) }
        return (VectorMath.normalized(raw) ?? raw, cluster)
    }

    /// Box–Muller from two uniform draws.
    private static func gaussian(_ random: inout SplitMix64) -> Float {
        let u1 = max(Double(random.next() >> 11) / Double(1 << 53), 1e-12)
        let u2 = Double(random.next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

/// Recall@k of `found` against the exact answer `truth`.
package func recall(_ found: [Neighbor], truth: [Neighbor]) -> Double {
    guard !truth.isEmpty else { return 1 }
    let expected = Set(truth.map(\.id))
    return Double(found.filter { expected.contains($0.id) }.count) / Double(truth.count)
}
