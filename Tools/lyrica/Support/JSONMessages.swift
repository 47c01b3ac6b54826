import Foundation
import LyricaRPC
import SwiftProtobuf

/// JSON ↔ protobuf for the CLI, by the message types of the generated method catalog.
enum JSONMessages {
    /// Reads `-d` input: a JSON text, `@file`, or `@-`/nothing for standard input (when piped).
    static func readInput(_ data: String?) throws -> String {
        switch data {
        case nil: return "{}"
        case "@-"?: return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        case let data? where data.hasPrefix("@"):
            let path = String(data.dropFirst())
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw RPCError(.invalidArgument, "Cannot read the request file '\(path)'")
            }
            return String(decoding: contents, as: UTF8.self)
        case let data?: return data
        }
    }

    /// Splits concatenated JSON objects (`{..}{..}` or one per line) into separate texts.
    static func splitObjects(_ text: String) throws -> [String] {
        var objects: [String] = []
        var depth = 0
        var inString = false
        var escaped = false
        var current = ""
        for character in text {
            if depth == 0 && character.isWhitespace { continue }
            current.append(character)
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 {
                    objects.append(current)
                    current = ""
                }
            default:
                if depth == 0 { throw RPCError(.invalidArgument, "Request data must be JSON objects; found '\(character)' outside one") }
            }
        }
        guard depth == 0, current.isEmpty else { throw RPCError(.invalidArgument, "Request data ends inside a JSON object") }
        return objects
    }

    static func decode<M: SwiftProtobuf.Message>(_ json: String, as type: M.Type) throws -> M {
        do {
            return try M(jsonString: json)
        } catch {
            throw RPCError(.invalidArgument, "The request is not valid JSON for \(M.protoMessageName): \(error)")
        }
    }

    /// Pretty (text) or one line (json).
    static func encode(_ message: some SwiftProtobuf.Message, pretty: Bool) throws -> String {
        var options = JSONEncodingOptions()
        options.alwaysPrintEnumsAsInts = false
        let compact = try message.jsonString(options: options)
        guard pretty, let data = compact.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data),
            let prettyData = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return compact }
        return String(decoding: prettyData, as: UTF8.self)
    }
}
