package import NIOCore

/// The messages a peer streams on a call, decoded. Iterate it once; it ends when the peer
/// half-closes and throws `RPCError` if the call fails.
package struct RPCStream<Element: Sendable>: AsyncSequence, Sendable {
    private let messages: InboundMessages
    private let decode: @Sendable (ByteBuffer) throws -> Element

    package init(messages: InboundMessages, decode: @escaping @Sendable (ByteBuffer) throws -> Element) {
        self.messages = messages
        self.decode = decode
    }

    package struct AsyncIterator: AsyncIteratorProtocol {
        let messages: InboundMessages
        let decode: @Sendable (ByteBuffer) throws -> Element

        package mutating func next() async throws -> Element? {
            guard let bytes = try await self.messages.next() else { return nil }
            return try self.decode(bytes)
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(messages: self.messages, decode: self.decode)
    }
}
