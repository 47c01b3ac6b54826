package import Foundation

/// One numbered migration file, `NNNN_description.sql`, applied once, in order, never edited.
package struct Migration: Sendable, Hashable {
    package let version: Int
    package let name: String
    package let sql: String

    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// SHA-256 of the file's text, hex: recorded when applied, compared on every later run.
    package var checksum: String { SQLChecksum.sha256Hex(self.sql) }

    /// Reads every `NNNN_name.sql` in `directory`, sorted by number; numbers must be unique.
    /// The `Migrations` folder a target copies into its resource bundle (`.copy("Migrations")`).
    /// - Parameter owner: named in the error when the folder is missing.
    package static func load(bundle: Bundle, owner: String) throws -> [Migration] {
        guard let directory = bundle.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.missingFolder(owner)
        }
        return try Self.load(from: directory)
    }

    package static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        for file in files {
            let stem = String(file.dropLast(4))
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
                throw MigrationError.badFileName(file)
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw MigrationError.duplicateVersion(a.version)
        }
        return migrations
    }
}

/// Failures of the migration runner, each saying what to do about it.
package enum MigrationError: Error, CustomStringConvertible, Equatable {
    case badFileName(String)
    case duplicateVersion(Int)
    case edited(version: Int, name: String, recorded: String, current: String)
    case invalidSchemaName(String)
    case failed(version: Int, name: String, reason: String)
    case missingFolder(String)

    package var description: String {
        switch self {
        case .badFileName(let file):
            "Migration file '\(file)' is not named NNNN_description.sql"
        case .duplicateVersion(let version):
            "Two migration files share number \(version)"
        case .edited(let version, let name, let recorded, let current):
            "Migration \(version) (\(name)) was edited after it was applied (checksum \(recorded.prefix(12))… is now \(current.prefix(12))…). Landed migrations are never edited: restore it and add a new migration."
        case .invalidSchemaName(let schema):
            "'\(schema)' is not a valid schema name (lowercase letters, digits and _)"
        case .failed(let version, let name, let reason):
            "Migration \(version) (\(name)) failed and was rolled back: \(reason)"
        case .missingFolder(let owner):
            "The migrations of \(owner) are missing from its resource bundle"
        }
    }
}
