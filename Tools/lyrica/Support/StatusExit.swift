import ArgumentParser
import Foundation
import LyricaRPC

/// Prints an RPC failure the way grpcurl does and exits with 64 + the status code.
enum StatusExit {
    static func fail(_ error: RPCError, format: OutputFormat) -> ExitCode {
        switch format {
        case .text:
            var text = "ERROR:\n  Code: \(error.code.name)\n  Message: \(error.message)\n"
            if !error.trailingMetadata.isEmpty {
                text += "  Trailers:\n" + error.trailingMetadata.map { "    \($0.key): \($0.value)\n" }.joined()
            }
            FileHandle.standardError.write(Data(text.utf8))
        case .json:
            let object: [String: Any] = ["code": error.code.name, "codeNumber": error.code.rawValue, "message": error.message]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            FileHandle.standardError.write(data + Data("\n".utf8))
        }
        return ExitCode(Int32(64 + error.code.rawValue))
    }

    /// Runs `body`, turning RPC failures into the status exit.
    static func run(format: OutputFormat, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as RPCError {
            throw Self.fail(error, format: format)
        }
    }
}

/// Writes a line to standard output without buffering surprises.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
