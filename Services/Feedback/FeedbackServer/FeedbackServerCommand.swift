import ArgumentParser
import FeedbackService
import LyricaService

/// `lyrica-feedback`: ratings, likes, summaries, popular songs, taste profiles.
@main
struct FeedbackServerMain {
    static func main() async {
        await ServiceCommand<FeedbackDefinition>.main()
    }
}
