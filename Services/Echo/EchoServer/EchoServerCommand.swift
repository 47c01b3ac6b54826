import ArgumentParser
import EchoService
import LyricaRPC
import LyricaService

/// `lyrica-echo`: the Echo test service on the service kit (health, reflection, admin port,
/// metrics, graceful SIGTERM), with neither PostgreSQL nor Redis.
struct EchoDefinition: LyricaServiceDefinition {
    static let name = "echo"
    static let defaultRPCPort = 7100
    static let defaultAdminPort = 9100
    static let usesPostgres = false
    static let usesRedis = false

    static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        ServiceParts(rpcServices: [EchoService()])
    }
}

@main
struct EchoServerMain {
    static func main() async {
        await ServiceCommand<EchoDefinition>.main()
    }
}
