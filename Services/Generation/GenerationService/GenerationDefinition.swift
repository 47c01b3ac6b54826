package import ArgumentParser
import Foundation
import Logging
package import LyricaPostgres
import LyricaProtos
import LyricaRPC
package import LyricaService
import Verse
import NIOConcurrencyHelpers

/// The generation service on the service kit: `lyrica-generation`.
package struct GenerationDefinition: LyricaServiceDefinition {
    package static let name = "generation"
    package static let defaultRPCPort = 7103
    package static let defaultAdminPort = 9103
    package static let usesEvents = true

    package static func migrations() throws -> [Migration] {
        try Migration.load(bundle: .module, owner: "the generation service")
    }

    package static func makeParts(_ runtime: ServiceRuntime) throws -> ServiceParts {
        let configuration = try GenerationConfiguration(environment: runtime.configuration.environment)
        guard runtime.credentials.hasIdentity else {
            throw ConfigurationError(
                "The generation service calls the other services for its users from background workers: set SERVICE_SECRET (lyrica-auth service-secret generation)")
        }
        let start = ContinuousClock.now
        let lexicon = try Self.lexicon(at: configuration.lexiconDirectory)
        runtime.logger.info("Lexicon loaded", metadata: ["lexicon.path": "\(configuration.lexiconDirectory.path)", "duration": "\(ContinuousClock.now - start)"])
        let model: any LyricsModel = configuration.chat.map { ChatCompletionsModel(configuration: $0, lexicon: lexicon) } ?? ComposerModel(lexicon: lexicon)
        runtime.logger.info("Writing with \(model.name)")
        let store = GenerationStore(postgres: runtime.postgres)
        let progress = ProgressLog(redis: runtime.redis)
        let collaborators = Collaborators(
            auth: try runtime.client(for: "auth", defaultPort: ServiceRuntime.authDefaultPort),
            retrieval: try runtime.client(for: "retrieval", defaultPort: 7104), lyrics: try runtime.client(for: "lyrics", defaultPort: 7102),
            feedback: configuration.useTaste ? try runtime.client(for: "feedback", defaultPort: 7105) : nil, callTimeout: configuration.callTimeout)
        let workers = GenerationWorkers(
            store: store,
            dependencies: GenerationRun.Dependencies(store: store, progress: progress, collaborators: collaborators, model: model, lexicon: lexicon),
            settings: configuration.workers, logger: runtime.logger)
        let service = GenerationService(store: store, progress: progress, workers: workers, limits: configuration.limits)
        let events = GenerationEvents(store: store)
        let consumer = EventConsumer(
            group: Self.name, topics: GenerationEvents.topics, schema: Self.name, postgres: runtime.postgres, redis: runtime.redis,
            logger: runtime.logger
        ) { event, connection, logger in try await events.handle(event, on: connection, logger: logger) }
        return ServiceParts(
            rpcServices: [service], interceptors: [try runtime.authInterceptor(policy: .generation)], background: [workers, consumer])
    }
}

extension GenerationDefinition {
    /// One lexicon per folder and process: replicas hosted together (tests) share it.
    private static let lexicons = NIOLockedValueBox<[String: Lexicon]>([:])

    static func lexicon(at directory: URL) throws -> Lexicon {
        try Self.lexicons.withLockedValue { lexicons in
            if let loaded = lexicons[directory.path] { return loaded }
            let lexicon = try Lexicon.load(directory: directory)
            lexicons[directory.path] = lexicon
            return lexicon
        }
    }
}

extension AuthPolicy {
    /// Starting generations needs the generate scope; looking at them, read. Users see their own.
    package static let generation = AuthPolicy([
        Lyrica_Generation_V1_GenerationService.Method.generate: .scope(.generate),
        Lyrica_Generation_V1_GenerationService.Method.startGeneration: .scope(.generate),
        Lyrica_Generation_V1_GenerationService.Method.cancelGeneration: .scope(.generate),
        Lyrica_Generation_V1_GenerationService.Method.watchGeneration: .scope(.read),
        Lyrica_Generation_V1_GenerationService.Method.getGeneration: .scope(.read),
        Lyrica_Generation_V1_GenerationService.Method.listHistory: .scope(.read),
        Lyrica_Generation_V1_GenerationService.Method.getAgentLogs: .scope(.read),
    ])
}
