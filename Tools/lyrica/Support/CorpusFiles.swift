import ArgumentParser
import Foundation
import LyricaProtos
import LyricaText
import SwiftProtobuf

/// Turns corpus files into documents: fortune(6) files (Debian's `fortunes` package) and JSONL
/// files of documents in the protobuf JSON form of `lyrica.retrieval.v1.Document`.
enum CorpusFiles {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// `.jsonl` and `.ndjson` files are JSONL, others fortune files.
        case auto, fortune, jsonl
    }

    /// The Debian fortune files of songs, poems and quotations the local run ingests.
    static let defaultFortunes = ["songs-poems", "love", "literature"].map { "/usr/share/games/fortunes/\($0)" }

    static func documents(in path: String, format: Format) throws -> [Lyrica_Retrieval_V1_Document] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("Cannot read \(path): no such file, or no permission")
        }
        let contents = String(decoding: data, as: UTF8.self)
        let isJSONL = format == .jsonl || (format == .auto && ["jsonl", "ndjson"].contains(URL(fileURLWithPath: path).pathExtension))
        return isJSONL ? try Self.jsonl(contents, path: path) : Self.fortunes(contents, path: path)
    }

    /// One document per entry: external id `fortunes:<file>:<n>` (so a rerun replaces), the
    /// attribution's author as artist and the whole attribution in custom metadata, a year when
    /// the attribution names one, the file's name as source tag, and its first line as title.
    static func fortunes(_ contents: String, path: String) -> [Lyrica_Retrieval_V1_Document] {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return FortuneFile.entries(contents).enumerated().map { index, entry in
            .with {
                $0.externalID = "fortunes:\(name):\(index + 1)"
                $0.content = entry.text
                $0.title = String((entry.text.split(separator: "\n").first ?? "").trimmingCharacters(in: .whitespaces).prefix(80))
                $0.source = "fortunes:\(name)"
                $0.tags = [name]
                $0.language = "en"
                if name == "love" { $0.theme = "love" }
                if let attribution = entry.attribution {
                    let author = attribution.split(separator: ",", maxSplits: 1).first.map(String.init) ?? attribution
                    $0.artist = String(author.trimmingCharacters(in: .whitespaces).prefix(255))
                    $0.customMetadata.fields["attribution"] = Google_Protobuf_Value(stringValue: String(attribution.prefix(1000)))
                    if let year = attribution.firstMatch(of: /\b(1[0-9]{3}|20[0-9]{2})\b/), let value = Int32(year.1) { $0.year = value }
                }
            }
        }
    }

    static func jsonl(_ contents: String, path: String) throws -> [Lyrica_Retrieval_V1_Document] {
        var documents: [Lyrica_Retrieval_V1_Document] = []
        for (number, line) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            do {
                documents.append(try Lyrica_Retrieval_V1_Document(jsonString: String(line)))
            } catch {
                throw ValidationError("\(path):\(number + 1) is not a document as JSON (fields such as content, title, genre, tags): \(error)")
            }
        }
        return documents
    }
}
