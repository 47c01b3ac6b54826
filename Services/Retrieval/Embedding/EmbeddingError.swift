/// Why texts could not be embedded.
package enum EmbeddingError: Error, Equatable, CustomStringConvertible {
    case noWords
    /// A remote embedder failed or answered wrongly (the caller may retry later).
    case remote(String)
    /// The model's files are missing or not what the model needs (a setup problem).
    case modelFiles(String)

    package var description: String {
        switch self {
        case .noWords: "The text has no words to embed"
        case .remote(let message): message
        case .modelFiles(let message): "The embedding model cannot load: \(message)"
        }
    }
}
