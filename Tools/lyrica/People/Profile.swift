import Foundation

/// What `lyrica login` remembers between runs: the signed-in account's tokens and the services'
/// endpoints, in a JSON file only its owner can read (0600): `--config`, else `$LYRICA_CONFIG`,
/// else `$XDG_CONFIG_HOME/lyrica/config.json`, else `~/.config/lyrica/config.json`.
struct Profile: Codable, Equatable {
    /// Service name → `host:port[,host:port…]`, e.g. `"auth": "127.0.0.1:7101"`.
    var endpoints: [String: String] = [:]
    var userID: String?
    var username: String?
    var accessToken: String?
    var accessTokenExpiresAt: Date?
    var refreshToken: String?

    var isSignedIn: Bool { self.refreshToken != nil || self.accessToken != nil }

    static func path(override: String?) -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = override ?? environment["LYRICA_CONFIG"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config")
        return base.appendingPathComponent("lyrica/config.json")
    }

    /// The saved profile, or an empty one when there is no file yet.
    static func load(from url: URL) throws -> Profile {
        guard FileManager.default.fileExists(atPath: url.path) else { return Profile() }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Profile.self, from: Data(contentsOf: url))
        } catch {
            throw CLIError("The config file \(url.path) is not valid (\(error)); fix it or delete it and sign in again")
        }
    }

    /// Writes the file atomically, readable and writable by its owner only.
    func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(self)
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("Cannot write \(temporary.path)")
        }
        if rename(temporary.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw CLIError("Cannot replace \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}

/// A failure the CLI explains itself (not an RPC status): printed as is, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
