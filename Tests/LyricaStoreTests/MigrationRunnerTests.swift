import Foundation
import LyricaPostgres
import LyricaRPC
import PostgresNIO
import Testing
import TestSupport

@Suite("Migrations", .timeLimit(.minutes(1)))
struct MigrationRunnerTests {
    static let migrations = [
        Migration(version: 1, name: "songs", sql: """
            -- Songs; the ';' in this comment must not split it.
            CREATE TABLE songs (
                id uuid PRIMARY KEY,
                title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
                note text DEFAULT 'a; b'
            );
            CREATE UNIQUE INDEX songs_title_key ON songs (title);
            """),
        Migration(version: 2, name: "touch_function", sql: """
            CREATE FUNCTION touch() RETURNS trigger AS $$
            BEGIN
                NEW.note := 'touched; really';
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            ALTER TABLE songs ADD COLUMN plays integer NOT NULL DEFAULT 0;
            """),
    ]

    @Test("Pending migrations apply in order, each once, into the service's schema")
    func appliesInOrder() async throws {
        try await withTestDatabase { client, _ in
            let runner = try MigrationRunner(client: client, schema: "lyrics", migrations: Self.migrations)
            let applied = try await runner.apply(logger: testLogger())
            #expect(applied.map(\.version) == [1, 2])
            let rows = try await client.query(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'lyrics' AND table_name = 'songs'",
                logger: testLogger())
            for try await count in rows.decode(Int.self) { #expect(count == 4) }
        }
    }

    @Test("Running again applies nothing")
    func isIdempotent() async throws {
        try await withTestDatabase { client, _ in
            let runner = try MigrationRunner(client: client, schema: "lyrics", migrations: Self.migrations)
            try await runner.apply(logger: testLogger())
            let again = try await runner.apply(logger: testLogger())
            #expect(again.isEmpty)
            let status = try await runner.status(logger: testLogger())
            #expect(status.map(\.version) == [1, 2])
            #expect(status.allSatisfy { $0.appliedAt != nil && $0.checksumMatches })
        }
    }

    @Test("A new migration applies on top of the landed ones")
    func appliesOnlyNewOnes() async throws {
        try await withTestDatabase { client, _ in
            try await MigrationRunner(client: client, schema: "lyrics", migrations: [Self.migrations[0]]).apply(logger: testLogger())
            let applied = try await MigrationRunner(client: client, schema: "lyrics", migrations: Self.migrations).apply(logger: testLogger())
            #expect(applied.map(\.version) == [2])
        }
    }

    @Test("An edited landed migration stops the run with a clear error")
    func detectsEdits() async throws {
        try await withTestDatabase { client, _ in
            try await MigrationRunner(client: client, schema: "lyrics", migrations: Self.migrations).apply(logger: testLogger())
            var edited = Self.migrations
            edited[0] = Migration(version: 1, name: "songs", sql: Self.migrations[0].sql + "\n-- sneaky edit")
            let error = await #expect(throws: MigrationError.self) {
                try await MigrationRunner(client: client, schema: "lyrics", migrations: edited).apply(logger: testLogger())
            }
            guard case .edited(let version, _, _, _)? = error else { Issue.record("expected .edited, got \(String(describing: error))"); return }
            #expect(version == 1)
            #expect(error?.description.contains("never edited") == true)
        }
    }

    @Test("Two runners starting together apply each migration exactly once")
    func concurrentRunnersDoNotRace() async throws {
        try await withTestDatabase { client, _ in
            let results = try await withThrowingTaskGroup(of: [Migration].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await MigrationRunner(client: client, schema: "lyrics", migrations: Self.migrations).apply(logger: testLogger())
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.flatMap { $0 }.map(\.version).sorted() == [1, 2])
        }
    }

    @Test("A failing migration is rolled back whole and reported")
    func failingMigrationRollsBack() async throws {
        try await withTestDatabase { client, _ in
            let broken = Self.migrations + [Migration(version: 3, name: "broken", sql: "CREATE TABLE half (id int); SELECT * FROM no_such_table;")]
            let error = await #expect(throws: MigrationError.self) {
                try await MigrationRunner(client: client, schema: "lyrics", migrations: broken).apply(logger: testLogger())
            }
            #expect(error?.description.contains("no_such_table") == true)
            let rows = try await client.query("SELECT to_regclass('lyrics.half') IS NULL", logger: testLogger())
            for try await missing in rows.decode(Bool.self) { #expect(missing) }
            let status = try await MigrationRunner(client: client, schema: "lyrics", migrations: broken).status(logger: testLogger())
            #expect(status.map { $0.appliedAt != nil } == [true, true, false])
        }
    }

    @Test("Migration files load sorted by number and reject bad names")
    func loadsFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "SELECT 2".write(to: directory.appendingPathComponent("0002_second.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1".write(to: directory.appendingPathComponent("0001_first.sql"), atomically: true, encoding: .utf8)
        let loaded = try Migration.load(from: directory)
        #expect(loaded.map(\.name) == ["first", "second"])
        try "SELECT 3".write(to: directory.appendingPathComponent("third.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName("third.sql")) { try Migration.load(from: directory) }
    }
}

@Suite("PostgreSQL errors as RPC statuses", .timeLimit(.minutes(1)))
struct PostgresErrorMappingTests {
    private func failure(_ sql: [PostgresQuery]) async throws -> RPCError {
        try await withTestDatabase { client, _ in
            try await MigrationRunner(client: client, schema: "lyrics", migrations: MigrationRunnerTests.migrations).apply(logger: testLogger())
            do {
                for query in sql { try await client.query(query, logger: testLogger()) }
            } catch {
                return RPCError(mapping: error, logger: testLogger())
            }
            Issue.record("expected a failure")
            return RPCError(.ok, "")
        }
    }

    @Test("A unique violation is ALREADY_EXISTS, naming the constraint")
    func uniqueViolation() async throws {
        let id1 = UUID(), id2 = UUID()
        let error = try await self.failure([
            "INSERT INTO lyrics.songs (id, title) VALUES (\(id1), 'Night Drive')",
            "INSERT INTO lyrics.songs (id, title) VALUES (\(id2), 'Night Drive')",
        ])
        #expect(error.code == .alreadyExists)
        #expect(error.message.contains("songs_title_key"))
    }

    @Test("A check violation is INVALID_ARGUMENT")
    func checkViolation() async throws {
        let error = try await self.failure(["INSERT INTO lyrics.songs (id, title) VALUES (\(UUID()), '')"])
        #expect(error.code == .invalidArgument)
    }

    @Test("A foreign-key violation is FAILED_PRECONDITION")
    func foreignKeyViolation() async throws {
        let error = try await self.failure([
            "CREATE TABLE lyrics.plays (song_id uuid REFERENCES lyrics.songs (id))",
            "INSERT INTO lyrics.plays (song_id) VALUES (\(UUID()))",
        ])
        #expect(error.code == .failedPrecondition)
    }

    @Test("A connection lost mid-query is UNAVAILABLE")
    func connectionLost() async throws {
        try await withTestDatabase { client, _ in
            async let failure: RPCError? = {
                do {
                    let rows = try await client.query("SELECT pg_sleep(30)", logger: testLogger())
                    for try await _ in rows {}
                    return nil
                } catch {
                    return RPCError(mapping: error, logger: testLogger())
                }
            }()
            // From another session, end the sleeping backend, as a database restart would.
            try await withPostgresClient(url: try TestServers.postgresURL()) { admin in
                for _ in 0..<100 {
                    let rows = try await admin.query(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND pid <> pg_backend_pid()",
                        logger: testLogger())
                    var terminated = 0
                    for try await count in rows.decode(Int.self) { terminated = count }
                    if terminated > 0 { break }
                    try await Task.sleep(nanoseconds: 20_000_000)
                }
            }
            let error = await failure
            #expect(error?.code == .unavailable)
        }
    }

    @Test("DATABASE_URL mistakes are explained")
    func badDatabaseURL() {
        #expect(throws: ConfigurationError.self) { try PostgresClient.Configuration(databaseURL: "mysql://x@y/z") }
        let error = #expect(throws: ConfigurationError.self) { try PostgresClient.Configuration(databaseURL: "postgres://u:secret@host/") }
        #expect(error?.message.contains("names no database") == true)
        #expect(error?.message.contains("secret") == false)
    }
}
