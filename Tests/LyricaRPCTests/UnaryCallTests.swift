import EchoService
import LyricaProtos
import LyricaRPC
import NIOCore
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Unary calls", .timeLimit(.minutes(1)))
struct UnaryCallTests {
    @Test("A unary call returns the handler's response")
    func unaryCallReturnsResponse() async throws {
        try await withRunningServer { server in
            try await withClient(server) { client in
                let echo = Lyrica_Echo_V1_EchoService.Client(wrapping: client)
                let response = try await echo.get(.with { $0.text = "hello" })
                #expect(response.text == "hello")
            }
        }
    }
}
