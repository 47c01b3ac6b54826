import ArgumentParser
import LyricaService
import LyricsService

/// `lyrica-lyrics`: songs, sections, revisions, publishing, search.
@main
struct LyricsServerMain {
    static func main() async {
        await ServiceCommand<LyricsDefinition>.main()
    }
}
