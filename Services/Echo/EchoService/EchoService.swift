package import LyricaProtos
package import LyricaRPC
import Foundation
import SwiftProtobuf

/// Serves `lyrica.echo.v1.EchoService`, the test service for the runtime's tests and benchmarks.
package struct EchoService: Lyrica_Echo_V1_EchoService.ServiceProtocol {
    package init() {}

    package func get(_ request: Lyrica_Echo_V1_EchoRequest, context: RPCContext) async throws -> Lyrica_Echo_V1_EchoResponse {
        try await Self.delay(request)
        if let echo = context.metadata["x-echo-header"] { context.response.headers["x-echo-header"] = echo }
        return .with {
            $0.text = request.text
            $0.payload = request.payload
        }
    }

    package func expand(
        _ request: Lyrica_Echo_V1_EchoRequest, responses: RPCWriter<Lyrica_Echo_V1_EchoResponse>, context: RPCContext
    ) async throws {
        try await Self.delay(request)
        if request.count > 0 {
            for index in 0..<request.count {
                try await responses.write(.with {
                    $0.text = request.text
                    $0.payload = request.payload
                    $0.index = index
                })
            }
        } else {
            for (index, word) in request.text.split(separator: " ").enumerated() {
                try await responses.write(.with {
                    $0.text = String(word)
                    $0.index = UInt32(index)
                })
            }
        }
    }

    package func collect(_ requests: RPCStream<Lyrica_Echo_V1_EchoRequest>, context: RPCContext) async throws
        -> Lyrica_Echo_V1_EchoResponse
    {
        var texts: [String] = []
        var last = Lyrica_Echo_V1_EchoRequest()
        for try await request in requests {
            try await Self.delay(request)
            texts.append(request.text)
            last = request
        }
        return .with {
            $0.text = texts.joined(separator: " ")
            $0.payload = last.payload
            $0.index = UInt32(texts.count)
        }
    }

    package func update(
        _ requests: RPCStream<Lyrica_Echo_V1_EchoRequest>, responses: RPCWriter<Lyrica_Echo_V1_EchoResponse>,
        context: RPCContext
    ) async throws {
        var index: UInt32 = 0
        for try await request in requests {
            try await Self.delay(request)
            try await responses.write(.with {
                $0.text = request.text
                $0.payload = request.payload
                $0.index = index
            })
            index += 1
        }
    }

    private static func delay(_ request: Lyrica_Echo_V1_EchoRequest) async throws {
        guard request.delayMillis > 0 else { return }
        guard request.delayMillis <= 60_000 else {
            throw RPCError(.invalidArgument, "delay_millis is \(request.delayMillis); at most 60000 (one minute) is allowed")
        }
        try await Task.sleep(nanoseconds: UInt64(request.delayMillis) * 1_000_000)
    }
}
