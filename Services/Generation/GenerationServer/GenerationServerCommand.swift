import ArgumentParser
import GenerationService
import LyricaService

/// `lyrica-generation`: the agents that write songs.
@main
struct GenerationServerMain {
    static func main() async {
        await ServiceCommand<GenerationDefinition>.main()
    }
}
