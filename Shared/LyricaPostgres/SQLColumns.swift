import Foundation

/// Column lists written once per store and used both bare and under a table alias.
package enum SQLColumns {
    /// `"id, name"` under alias `k` is `"k.id, k.name"`. Only for plain column lists: an entry
    /// with an expression gets the alias before its first name.
    package static func qualified(_ columns: String, by alias: String) -> String {
        columns.split(separator: ",").map { "\(alias)." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
    }
}
