import ArgumentParser
import LyricaService
import RetrievalService

/// `lyrica-retrieval`: the corpus, its embeddings and the HNSW index.
@main
struct RetrievalServerMain {
    static func main() async {
        await ServiceCommand<RetrievalDefinition>.main()
    }
}
