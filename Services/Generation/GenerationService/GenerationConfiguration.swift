package import Foundation
package import LyricaRPC
package import LyricaService

/// The generation service's own settings, beside the kit's `ServiceConfiguration`.
package struct GenerationConfiguration: Sendable {
    /// `LEXICON_DIR`: the folder Deploy/local/lexicon.sh fills (CMU dictionary, WordNet).
    package var lexiconDirectory = URL(fileURLWithPath: "/var/lib/lyrica/lexicon")
    /// `GENERATION_WORKERS` (2), `GENERATION_LEASE` (30 s), `GENERATION_POLL_INTERVAL` (500 ms),
    /// `GENERATION_MAX_ATTEMPTS` (3), `GENERATION_TIMEOUT` (5 min).
    package var workers = GenerationWorkers.Settings()
    /// `GENERATION_CONCURRENCY_PER_USER` (3) and `GENERATION_RATE_PER_MINUTE` (20).
    package var limits = GenerationService.Limits()
    /// `USE_TASTE`: when the request and the user's preferences leave genre or mood open, ask the
    /// feedback service (`FEEDBACK_ENDPOINTS`) for the user's taste. Default true.
    package var useTaste = true
    /// `CALL_TIMEOUT`: each call to another service. Default 10 s.
    package var callTimeout: Duration = .seconds(10)
    /// `MODEL_BACKEND`: `composer` (built in, the default) or `openai` (an OpenAI-compatible
    /// chat-completions endpoint: `MODEL_URL`, `MODEL_NAME`, `MODEL_API_KEY`, `MODEL_TIMEOUT`
    /// (60 s), `MODEL_RETRIES` (2), `MODEL_TEMPERATURE` (0.8), `MODEL_MAX_TOKENS` (200)).
    package var backend = "composer"
    package var chat: ChatCompletionsModel.Configuration?

    package init() {}

    package init(environment: Environment) throws(ConfigurationError) {
        if let path = environment.string("LEXICON_DIR"), !path.isEmpty { self.lexiconDirectory = URL(fileURLWithPath: path) }
        if let workers = try environment.int("GENERATION_WORKERS", in: 0...64) { self.workers.workers = workers }
        if let lease = try environment.duration("GENERATION_LEASE") {
            guard lease >= .seconds(1) else { throw ConfigurationError("GENERATION_LEASE must be at least 1s") }
            self.workers.lease = lease
        }
        if let poll = try environment.duration("GENERATION_POLL_INTERVAL") {
            guard poll > .zero else { throw ConfigurationError("GENERATION_POLL_INTERVAL must be positive") }
            self.workers.pollInterval = poll
        }
        if let attempts = try environment.int("GENERATION_MAX_ATTEMPTS", in: 1...20) { self.workers.maxAttempts = attempts }
        if let timeout = try environment.duration("GENERATION_TIMEOUT") {
            guard timeout >= .seconds(1) else { throw ConfigurationError("GENERATION_TIMEOUT must be at least 1s") }
            self.workers.jobTimeout = timeout
        }
        if let limit = try environment.int("GENERATION_CONCURRENCY_PER_USER", in: 1...1_000) { self.limits.concurrentPerUser = limit }
        if let limit = try environment.int("GENERATION_RATE_PER_MINUTE", in: 1...100_000) { self.limits.perMinute = limit }
        if let useTaste = try environment.choice("USE_TASTE", ["true", "false"]) { self.useTaste = useTaste == "true" }
        if let timeout = try environment.duration("CALL_TIMEOUT") {
            guard timeout > .zero else { throw ConfigurationError("CALL_TIMEOUT must be positive") }
            self.callTimeout = timeout
        }
        self.backend = try environment.choice("MODEL_BACKEND", ["composer", "openai"]) ?? "composer"
        if self.backend == "openai" {
            guard let url = environment.string("MODEL_URL"), !url.isEmpty else {
                throw ConfigurationError("MODEL_BACKEND=openai needs MODEL_URL, the API root, e.g. http://127.0.0.1:8081/v1")
            }
            var chat = ChatCompletionsModel.Configuration(baseURL: url, model: environment.string("MODEL_NAME") ?? "default")
            chat.apiKey = environment.string("MODEL_API_KEY")
            if let timeout = try environment.duration("MODEL_TIMEOUT") { chat.timeout = timeout }
            if let retries = try environment.int("MODEL_RETRIES", in: 0...10) { chat.retries = retries }
            if let tokens = try environment.int("MODEL_MAX_TOKENS", in: 16...4_096) { chat.maxTokens = tokens }
            if let temperature = environment.string("MODEL_TEMPERATURE") {
                guard let value = Double(temperature), (0...2).contains(value) else {
                    throw ConfigurationError("MODEL_TEMPERATURE must be a number from 0 to 2 (got '\(temperature)')")
                }
                chat.temperature = value
            }
            self.chat = chat
        }
    }
}
