package import Logging
import LyricaService
package import ServiceLifecycle

/// Rebuilds `popular_lyrics` from PostgreSQL at start and every `interval` (one replica per
/// interval does it), so old feedback leaves the window and nothing Redis missed stays missing.
package struct PopularityRebuilder: Service {
    package let popularity: Popularity
    package let interval: Duration
    package let logger: Logger

    package init(popularity: Popularity, interval: Duration, logger: Logger) {
        self.popularity = popularity
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        var retry = RetryDelay(initial: .milliseconds(200), maximum: .seconds(10))
        var first = true
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if first {
                    try await self.popularity.rebuild(logger: self.logger)
                } else {
                    try await self.popularity.rebuildIfDue(interval: self.interval, logger: self.logger)
                }
                first = false
                retry.reset()
                await sleepUnlessShuttingDown(self.interval)
            } catch {
                self.logger.warning("Could not rebuild popular_lyrics; will retry", metadata: ["error": "\(error)"])
                await retry.wait()
            }
        }
    }
}
