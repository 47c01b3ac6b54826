/// One entry of a fortune(6) file: its text and, when it ends with a `-- Author` line, that
/// attribution (without the dashes).
package struct FortuneEntry: Sendable, Equatable {
    package var text: String
    package var attribution: String?

    package init(text: String, attribution: String?) {
        self.text = text
        self.attribution = attribution
    }
}

/// Reads fortune(6) files (Debian's `fortunes` package: songs-poems, love, literature, …):
/// entries separated by lines holding only `%`, an optional trailing `-- Author` line (possibly
/// continued on more indented lines), and old terminal overstrikes (`_\bx`) that are dropped.
package enum FortuneFile {
    package static func entries(_ contents: String) -> [FortuneEntry] {
        var entries: [FortuneEntry] = []
        var lines: [Substring] = []
        func finish() {
            defer { lines.removeAll() }
            while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
            while let first = lines.first, first.allSatisfy(\.isWhitespace) { lines.removeFirst() }
            guard !lines.isEmpty else { return }
            var attribution: String?
            if let start = lines.lastIndex(where: { $0.drop(while: \.isWhitespace).hasPrefix("-- ") }), start > 0 {
                attribution = lines[start...]
                    .map { $0.drop(while: \.isWhitespace) }
                    .map { $0.hasPrefix("-- ") ? $0.dropFirst(3) : $0 }
                    .joined(separator: " ")
                lines.removeSubrange(start...)
                while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
            }
            let text = lines.map { Self.trimmingTrailingWhitespace($0) }.joined(separator: "\n")
            guard text.contains(where: { $0.isLetter || $0.isNumber }) else { return }
            entries.append(FortuneEntry(text: text, attribution: attribution.flatMap { $0.isEmpty ? nil : $0 }))
        }
        for line in Self.removingOverstrikes(contents).split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "%" || line == "%\r" { finish() } else { lines.append(line) }
        }
        finish()
        return entries
    }

    /// Drops each character that a backspace erases (`_\bx` underlines, `x\bx` bold).
    static func removingOverstrikes(_ text: String) -> String {
        guard text.contains("\u{8}") else { return text }
        var result: [Character] = []
        for character in text {
            if character == "\u{8}" { _ = result.popLast() } else { result.append(character) }
        }
        return String(result)
    }

    private static func trimmingTrailingWhitespace(_ line: Substring) -> String {
        var line = line
        while let last = line.last, last.isWhitespace { line.removeLast() }
        return String(line)
    }
}
