package import Foundation
package import LyricaRPC

/// The shapes of account fields, matching the table's checks so bad input is answered with
/// INVALID_ARGUMENT and a reason instead of reaching the database.
package enum AccountValidation {
    /// The email lowercased and trimmed, or INVALID_ARGUMENT.
    package static func email(_ raw: String) throws(RPCError) -> String {
        let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard !email.isEmpty else { throw RPCError(.invalidArgument, "email is required") }
        guard email.utf8.count <= 255 else { throw RPCError(.invalidArgument, "email is longer than 255 characters") }
        guard email.wholeMatch(of: /[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/) != nil else {
            throw RPCError(.invalidArgument, "'\(raw)' is not an email address (expected name@example.com)")
        }
        return email
    }

    package static func username(_ raw: String) throws(RPCError) -> String {
        let username = raw.trimmingCharacters(in: .whitespaces)
        guard !username.isEmpty else { throw RPCError(.invalidArgument, "username is required") }
        guard (3...100).contains(username.count) else {
            throw RPCError(.invalidArgument, "username must be 3 to 100 characters (it has \(username.count))")
        }
        guard username.wholeMatch(of: /[A-Za-z0-9_-]+/) != nil else {
            throw RPCError(.invalidArgument, "username may hold only letters, digits, '_' and '-': '\(raw)' does not")
        }
        return username
    }

    /// Trimmed; nil when empty.
    package static func fullName(_ raw: String) throws(RPCError) -> String? {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard name.count <= 255 else { throw RPCError(.invalidArgument, "full_name is longer than 255 characters") }
        guard !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw RPCError(.invalidArgument, "full_name cannot contain control characters")
        }
        return name.isEmpty ? nil : name
    }

    /// A UUID field, or INVALID_ARGUMENT naming it.
    package static func id(_ raw: String, field: String) throws(RPCError) -> UUID {
        guard let id = UUID(uuidString: raw) else {
            throw RPCError(.invalidArgument, raw.isEmpty ? "\(field) is required" : "\(field) '\(raw)' is not an id (UUID)")
        }
        return id
    }
}
