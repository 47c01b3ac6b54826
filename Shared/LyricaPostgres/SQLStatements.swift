import Foundation

/// Splits a migration file into statements at top-level semicolons, so each can run on the
/// extended protocol: semicolons inside quotes, quoted identifiers, dollar-quoted bodies
/// (functions, DO blocks) and comments do not split.
enum SQLStatements {
    static func split(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let characters = Array(sql)
        var index = 0
        func peek(_ offset: Int) -> Character? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        while index < characters.count {
            let character = characters[index]
            if character == "-" && peek(1) == "-" {  // line comment
                while index < characters.count && characters[index] != "\n" { index += 1 }
                continue
            }
            if character == "/" && peek(1) == "*" {  // block comment
                index += 2
                while index < characters.count && !(characters[index] == "*" && peek(1) == "/") { index += 1 }
                index += 2
                continue
            }
            if character == "'" || character == "\"" {  // string or quoted identifier; doubled quote escapes
                current.append(character)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == character {
                        if peek(1) == character {
                            current.append(character)
                            index += 2
                            continue
                        }
                        break
                    }
                    index += 1
                }
                index += 1
                continue
            }
            if character == "$", let tag = Self.dollarTag(characters, at: index) {  // $tag$ … $tag$
                current.append(contentsOf: tag)
                index += tag.count
                while index < characters.count {
                    if characters[index] == "$", Self.dollarTag(characters, at: index) == tag {
                        current.append(contentsOf: tag)
                        index += tag.count
                        break
                    }
                    current.append(characters[index])
                    index += 1
                }
                continue
            }
            if character == ";" {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
                index += 1
                continue
            }
            current.append(character)
            index += 1
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }

    /// `$$` or `$name$` starting at `index`, if one does.
    private static func dollarTag(_ characters: [Character], at index: Int) -> String? {
        var end = index + 1
        while end < characters.count, characters[end] == "_" || characters[end].isLetter || characters[end].isNumber {
            end += 1
        }
        guard end < characters.count, characters[end] == "$" else { return nil }
        if end > index + 1, characters[index + 1].isNumber { return nil }  // $1 is a parameter
        return String(characters[index...end])
    }
}
