package import Logging
package import PostgresNIO

extension PostgresClient {
    /// Runs `body` in a transaction on one pooled connection: `BEGIN`, `body`, `COMMIT`, or
    /// `ROLLBACK` and the body's own error (unwrapped, so domain errors reach the caller as
    /// thrown). A serialization failure or deadlock reruns `body` from the start, up to `attempts`
    /// times in all (default 3), so `body` must be safe to rerun.
    package func transaction<Result: Sendable>(
        logger: Logger, attempts: Int = 3, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await self.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    let result: Result
                    do {
                        result = try await body(connection)
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                    try await connection.query("COMMIT", logger: logger)
                    return result
                }
            } catch let error as PSQLError where attempt < attempts && Self.isRetryable(error) {
                logger.debug("Retrying transaction after a conflict", metadata: ["attempt": "\(attempt + 1)"])
                attempt += 1
            }
        }
    }

    private static func isRetryable(_ error: PSQLError) -> Bool {
        ["40001", "40P01"].contains(error.serverInfo?[.sqlState] ?? "")
    }
}
