/// Turns texts into vectors of one space. The index records `space`: vectors of two spaces are
/// never compared, so changing the embedder means re-embedding everything.
package protocol Embedder: Sendable {
    /// Names the vector space, e.g. `lyrica-hashing-v1-384`.
    var space: String { get }
    var dimension: Int { get }
    /// One unit-length vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}
