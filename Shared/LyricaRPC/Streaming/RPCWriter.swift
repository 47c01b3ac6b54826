package import NIOCore

/// Where a call's outgoing messages go. A connection implements it per call; `send` suspends
/// until the peer has granted credit and the channel is writable, so writers never buffer
/// without bound.
package protocol MessageSink: Sendable {
    func send(_ message: ByteBuffer) async throws
}

/// Writes the messages of a stream, encoding each; `write` suspends under backpressure.
package struct RPCWriter<Element: Sendable>: Sendable {
    private let sink: any MessageSink
    private let encode: @Sendable (Element) throws -> ByteBuffer

    package init(sink: any MessageSink, encode: @escaping @Sendable (Element) throws -> ByteBuffer) {
        self.sink = sink
        self.encode = encode
    }

    package func write(_ element: Element) async throws {
        try await self.sink.send(try self.encode(element))
    }

    package func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await self.write(element) }
    }
}
