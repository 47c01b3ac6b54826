import ArgumentParser
import AuthService
import LyricaService

/// `lyrica-auth`: accounts, sessions, API keys and service identity.
@main
struct AuthServerMain {
    static func main() async {
        await ServiceCommand<AuthDefinition>.main()
    }
}
